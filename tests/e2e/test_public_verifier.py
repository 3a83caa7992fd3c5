"""The public draw page in Chromium: the in-browser verifier passes on a real draw, names the
exact mismatch when the API's answer is altered in transit, and fits a 375 px phone."""

import json
import re
from collections.abc import Callable, Iterator
from datetime import date

import pytest
from django.test import Client
from model_bakery import baker

from accounts.models import User
from accounts.services import token_pair_issue
from lottery import verify
from lottery.models import Ballot, Draw, Game
from lottery.services.draws import draw_get_or_create, draw_run
from tests.e2e.conftest import SCREENSHOTS, screenshot
from tests.public import vectors
from tests.public.test_verify_js import assert_agrees

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DAY = date(2026, 2, 3)
URL = f"/draws/daily/{DAY.isoformat()}/"
API = f"/api/v1/draws/daily/{DAY.isoformat()}"
DRAW_RE = re.compile(re.escape(API) + r"$")
LEAVES_RE = re.compile(re.escape(API) + r"/leaves\?")
RUNNER = (vectors.FIXTURE.parent / "vector_runner.js").read_text(encoding="utf-8")


@pytest.fixture
def drawn(lottery_defaults: Game) -> Draw:
    names = [("Grace", "Hopper"), ("Alan", "Turing"), ("Ada", "Lovelace"), ("Edsger", "Dijkstra")]
    players = [baker.make(User, first_name=f, last_name=last) for f, last in names]
    draw = draw_get_or_create(game=lottery_defaults, day=DAY)
    for i in range(40):
        baker.make_recipe("lottery.ballot", draw=draw, player=players[i % len(players)])
    draw_get_or_create(game=lottery_defaults, day=date(2099, 1, 1))  # an upcoming one
    return draw_run(draw_id=draw.pk)


def small_pages(page: object) -> None:
    """Serve the leaves 7 at a time, so the verifier must follow "next" across pages."""
    page.route(
        LEAVES_RE,
        lambda route: route.continue_(url=route.request.url.replace("limit=1000", "limit=7")),
    )


def run_verifier(page: object) -> list[tuple[bool, str]]:
    page.goto(URL)
    page.click("#verify-button")
    page.wait_for_selector(
        "#verifier:is([data-state=valid], [data-state=invalid], [data-state=error])"
    )
    items = page.locator("#verify-results li")
    return [
        (
            items.nth(i).get_attribute("data-ok") == "true",
            items.nth(i).locator(".check-text").inner_text(),
        )
        for i in range(items.count())
    ]


def published() -> tuple[dict, list[dict]]:
    client = Client()
    draw = client.get(API).json()
    leaves, url = [], f"{API}/leaves?limit=1000"
    while url:
        body = client.get(url).json()
        leaves += body["items"]
        url = body["next"]
    return draw, leaves


def test_the_browser_verifies_a_real_draw_every_check_green(new_page: Callable, drawn: Draw):
    page = new_page()
    small_pages(page)
    checks = run_verifier(page)
    assert len(checks) >= 12
    assert all(ok for ok, _ in checks), [line for ok, line in checks if not ok]
    assert page.locator("#verify-summary").inner_text().startswith("Draw is VALID")
    assert f"merkle root {drawn.merkle_root}" in [line for _, line in checks]
    # Message for message what the stdlib verifier says about the same published draw.
    assert checks == verify.run_checks(*published())
    screenshot(page, "public-draw.png")


def alter_leaf(draw: dict, leaves: list[dict]) -> None:
    leaves[9]["numbers"] = (
        [1, 2, 3, 4, 49] if leaves[9]["numbers"] != [1, 2, 3, 4, 49] else [1, 2, 3, 4, 48]
    )


def alter_seed(draw: dict, leaves: list[dict]) -> None:
    draw["seed"] = "00" * 32


def alter_winner(draw: dict, leaves: list[dict]) -> None:
    other = next(item for item in leaves if item["serial"] != draw["winners"][0]["serial"])
    draw["winners"][0].update(
        serial=other["serial"], ballot=other["ballot"], numbers=other["numbers"]
    )


@pytest.mark.parametrize(
    ("alter", "mismatch"),
    [
        (alter_leaf, "leaf of serial 10 does not match its ballot"),
        (alter_seed, "seed does not hash to the commitment"),
        (alter_winner, "winners differ: recomputed"),
    ],
)
def test_the_browser_names_the_exact_mismatch_when_a_value_is_altered_in_transit(
    new_page: Callable, drawn: Draw, alter: Callable, mismatch: str
):
    draw, leaves = published()
    alter(draw, leaves)
    page = new_page()

    def tamper_draw(route: object) -> None:
        route.fulfill(json=draw)

    def tamper_leaves(route: object) -> None:
        body = route.fetch().json()
        body["items"] = [leaves[item["serial"] - 1] for item in body["items"]]
        route.fulfill(json=body)

    page.route(DRAW_RE, tamper_draw)
    page.route(LEAVES_RE, tamper_leaves)
    checks = run_verifier(page)

    failed = [line for ok, line in checks if not ok]
    assert any(line.startswith(mismatch) for line in failed), failed
    assert checks == verify.run_checks(draw, leaves)  # the same failures, word for word
    assert page.locator("#verify-summary").inner_text().startswith("NOT VERIFIED")
    assert page.locator("#verifier").get_attribute("data-state") == "invalid"


def test_a_player_checks_their_ballot_is_in_the_tree(new_page: Callable, drawn: Draw):
    ballot = Ballot.objects.filter(draw=drawn).order_by("created_at", "uuid")[17]
    page = new_page()
    page.goto(URL)
    page.fill("#proof-ballot", str(ballot.uuid))
    page.fill("#proof-token", token_pair_issue(user=ballot.player).access_token)
    page.click("#proof-form button[type=submit]")
    page.wait_for_selector(
        "#proof-form:is([data-state=valid], [data-state=invalid], [data-state=error])"
    )
    lines = page.locator("#proof-results li").all_inner_texts()
    assert page.locator("#proof-form").get_attribute("data-state") == "valid", lines
    assert any(
        f"serial 18 of 40 leads to the published root {drawn.merkle_root}" in x for x in lines
    )


def test_verify_js_in_chromium_agrees_with_every_vector(new_page: Callable, drawn: Draw):
    page = new_page()
    page.goto(URL)
    page.wait_for_function("() => Boolean(window.LotteryVerify)")
    fixture = json.loads(vectors.FIXTURE.read_text(encoding="utf-8"))
    got = page.evaluate(f"(V) => ({RUNNER.strip()})(window.LotteryVerify, V)", fixture)
    assert_agrees(fixture, got)


@pytest.fixture
def phone(chromium: object, live_server: object) -> Iterator[object]:
    context = chromium.new_context(
        base_url=live_server.url,
        viewport={"width": 375, "height": 800},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


NO_SIDEWAYS = "() => document.documentElement.scrollWidth <= window.innerWidth"


def test_at_phone_width_the_pages_have_no_horizontal_scroll(phone: object, drawn: Draw):
    for url in ("/", "/draws/"):
        phone.goto(url)
        assert phone.evaluate(NO_SIDEWAYS), url
    checks = run_verifier(phone)
    assert all(ok for ok, _ in checks)
    phone.locator("#alternates").evaluate("list => list.parentElement.open = true")
    assert phone.evaluate("() => window.innerWidth") == 375
    assert phone.evaluate(NO_SIDEWAYS), phone.evaluate("() => document.documentElement.scrollWidth")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "public-draw-phone.png"), full_page=True)
