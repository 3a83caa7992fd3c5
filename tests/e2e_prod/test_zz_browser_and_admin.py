"""The docs, the public pages and the back office in Chromium, against the production stack.

Named to run after test_api.py: the drawn day is ready by then and the redraw below changes
its winner only after the verifier has checked it.
"""

import time
import urllib.parse
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from tests.e2e_prod.conftest import GAME, PASSWORD

pytestmark = pytest.mark.e2e_prod

OPERATOR, APPROVER = "operator@example.com", "approver@example.com"


@pytest.fixture
def browser(chromium: object) -> object:
    return chromium


@pytest.fixture
def new_page(browser, stack) -> Iterator[object]:
    """A fresh context per caller; every request to anything but 127.0.0.1 is aborted and
    recorded in ``page.outside``."""
    contexts = []

    def make() -> object:
        context = browser.new_context(base_url=stack.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.outside = []

        def route(route: object) -> None:
            if urllib.parse.urlsplit(route.request.url).hostname == "127.0.0.1":
                route.continue_()
            else:
                page.outside.append(route.request.url)
                route.abort()

        page.route("**/*", route)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def staff(stack) -> dict:
    """Two superusers, as `createsuperuser` makes them (an operator and a second approver)."""
    return stack.shell(
        "import json; from accounts.models import User;"
        f"ids = {{e: str(User.objects.create_superuser(e, {PASSWORD!r}).pk)"
        f" for e in ({OPERATOR!r}, {APPROVER!r})}}; print(json.dumps(ids))"
    )


def log_in(page: object, email: str) -> None:
    page.goto("/admin/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def draw_pk(stack, day: str) -> int:
    return stack.shell(
        f"from lottery.models import Draw; print(Draw.objects.get(game__slug={GAME!r},"
        f" date={day!r}).pk)"
    )


def user_id(stack, email: str) -> str:
    return stack.shell(
        f"import json; from accounts.models import User; print(json.dumps(str("
        f"User.objects.get(email={email!r}).pk)))"
    )


def audited(stack, action: str) -> int:
    return stack.shell(
        f"from lottery.models import AuditEntry; print(AuditEntry.objects.filter("
        f"action={action!r}).count())"
    )


def submit(page: object, path: str, label: str, **fields: str) -> str:
    """Open an action's page, fill its form, press its button; the message shown after."""
    page.goto(path)
    for name, value in fields.items():
        page.fill(f"[name={name}]", value)
    page.get_by_role("button", name=label).click()
    page.wait_for_load_state()
    return page.content()


def test_swagger_renders_every_operation_with_no_request_leaving_loopback(stack, new_page):
    page = new_page()
    page.goto("/swagger")
    page.wait_for_url("**/api/v1/docs")
    page.locator(".opblock").first.wait_for()
    operations = page.locator(".opblock").count()
    schema = stack.http("GET", "/api/v1/openapi.json").json()
    declared = sum(len(methods) for methods in schema["paths"].values())
    assert operations == declared > 10
    assert page.outside == []


def test_public_pages(stack, drawn, new_page):
    page = new_page()
    assert page.goto("/").status == 200
    assert page.goto("/draws/").status == 200
    assert drawn.date in page.content()
    answer = page.goto(f"/draws/{GAME}/{drawn.date}/")
    assert answer.status == 200
    assert stack.http("GET", f"/api/v1/draws/{GAME}/{drawn.date}").json()["merkle_root"] in (
        page.content()
    )
    assert page.outside == []


def test_admin_login_reached_directly_lands_on_the_index(stack, staff, new_page):
    page = new_page()
    log_in(page, OPERATOR)
    assert urllib.parse.urlsplit(page.url).path == "/admin/"
    assert (
        page.get_by_role("link", name="Log out").count()
        + page.locator("form[action$='/logout/']").count()
    )
    # A wrong password shows the form again, signed out.
    other = new_page()
    other.goto("/admin/login/")
    other.fill("input[name=username]", OPERATOR)
    other.fill("input[name=password]", "wrong")
    other.click("button[type=submit]")
    assert urllib.parse.urlsplit(other.url).path == "/admin/login/"


def test_each_admin_action_once(stack, drawn, staff, new_page):
    operator, approver = new_page(), new_page()
    log_in(operator, OPERATOR)
    log_in(approver, APPROVER)
    today = date.fromisoformat(drawn.date)
    later, latest = (today + timedelta(days=n) for n in (1, 2))
    for day in (later, latest):
        played = stack.http(
            "POST",
            "/api/v1/lotteries",
            {"numbers": [1, 5, 9], "game": GAME, "game_date": day.isoformat()},
            token=drawn.owner,
        )
        assert played.status == 201, played.body

    # Export CSV of the drawn day: every ballot, the owner's among them.
    drawn_pk = draw_pk(stack, drawn.date)
    csv = operator.request.get(f"/admin/lottery/draw/{drawn_pk}/export-csv/")
    assert csv.status == 200
    assert drawn.ballot in csv.text()

    # Draw now, on tomorrow's draw made due now (away from the worker's minute tick).
    if time.gmtime().tm_sec > 45:
        time.sleep(62 - time.gmtime().tm_sec)
    later_pk = draw_pk(stack, later.isoformat())
    stack.shell(
        "from django.utils import timezone; from lottery.models import Draw;"
        f"print(Draw.objects.filter(pk={later_pk}).update(close_at=timezone.now()))"
    )
    shown = submit(operator, f"/admin/lottery/draw/{later_pk}/draw-now/", "Draw now")
    assert stack.http("GET", f"/api/v1/draws/{GAME}/{later}").json()["status"] == "drawn", shown

    # Void the day after.
    latest_pk = draw_pk(stack, latest.isoformat())
    submit(
        operator,
        f"/admin/lottery/draw/{latest_pk}/void/",
        "Void the draw",
        reason="Scheduled by mistake",
    )
    voided = stack.http("GET", f"/api/v1/draws/{GAME}/{latest}").json()
    assert voided["status"] == "void"

    # Redraw of the drawn day: requested by one member, approved by another.
    before = stack.http("GET", f"/api/v1/draws/{GAME}/{drawn.date}").json()
    operator.goto(f"/admin/lottery/draw/{drawn_pk}/redraw-request/")
    options = operator.locator("select[name=pick] option")
    operator.select_option("select[name=pick]", index=options.count() - 1)
    operator.fill("textarea[name=reason]", "The winner played from a banned account")
    operator.get_by_role("button", name="Request redraw").click()
    operator.get_by_text("another staff member must approve it").wait_for()
    redraw = stack.shell(
        f"from lottery.models import RedrawRequest; print(RedrawRequest.objects.get("
        f"draw_id={drawn_pk}).pk)"
    )
    submit(
        approver,
        f"/admin/lottery/redrawrequest/{redraw}/approve/",
        "Approve redraw",
        note="Confirmed with compliance",
    )
    approver.get_by_text("Redraw approved").first.wait_for()
    after = stack.http("GET", f"/api/v1/draws/{GAME}/{drawn.date}").json()
    assert after != before
    assert audited(stack, "redraw_approve") == 1

    # A password reset link sent to a player: recorded, and the staff member never sees it.
    other = user_id(stack, "other@example.com")
    shown = submit(operator, f"/admin/accounts/user/{other}/password-reset/", "Send the email")
    assert "A password reset link is on its way to other@example.com" in shown
    # Deactivate that player: their tokens stop working at once.
    assert stack.http("GET", "/api/v1/users/me", token=drawn.other).status == 200
    shown = submit(operator, f"/admin/accounts/user/{other}/deactivate/", "Deactivate")
    assert "other@example.com is deactivated" in shown
    assert stack.http("GET", "/api/v1/users/me", token=drawn.other).status == 401

    # A player sets a daily limit and excludes themself over the API: the limit refuses the
    # second ballot, the exclusion every ballot (403 with its end); the dashboard counts it,
    # and a superuser ends it early with a reason.
    careful = stack.player("careful@example.com")
    limits = {"daily_ballot_limit": 1}
    assert stack.http("PUT", "/api/v1/users/me/limits", limits, token=careful).status == 200
    ballot = {"quick_pick": True}
    first = stack.http("POST", "/api/v1/lotteries", ballot, token=careful)
    second = stack.http("POST", "/api/v1/lotteries", ballot, token=careful)
    assert (first.status, second.status) == (201, 422), second.body
    assert "Your daily limit is 1 ballots" in second.json()["detail"]
    excluded = stack.http("POST", "/api/v1/users/me/self-exclusion", {"days": 7}, token=careful)
    assert excluded.status == 200, excluded.body
    refused = stack.http("POST", "/api/v1/lotteries", ballot, token=careful)
    assert refused.status == 403
    assert "You have excluded yourself from play until" in refused.json()["detail"]
    operator.goto("/admin/")
    assert "1 active self-exclusions" in operator.content()
    careful_id = user_id(stack, "careful@example.com")
    shown = submit(
        operator,
        f"/admin/accounts/user/{careful_id}/end-self-exclusion/",
        "End the self-exclusion",
        reason="Excluded by mistake, confirmed with the player",
    )
    assert "careful@example.com may play again" in shown
    assert audited(stack, "self_exclusion_end") == 1

    # Every action is in the audit log the back office shows.
    operator.goto("/admin/lottery/auditentry/")
    log = operator.content()
    for email in (OPERATOR, APPROVER):
        assert email in log
    assert operator.outside == approver.outside == []
