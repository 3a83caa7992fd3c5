"""GET /api/v1/draws: public, filtered, newest first, paginated, in constant queries."""

from datetime import timedelta

import pytest
from django.test import Client

from lottery.models import Draw
from lottery.services.draws import draw_run
from tests.conftest import daily_game
from tests.public.conftest import DAY, draw_with_ballots

URL = "/api/v1/draws"


def listed(api: Client, query: str = "") -> list[tuple[str, str, str]]:
    response = api.get(f"{URL}{query}")
    assert response.status_code == 200, response.content
    return [(d["game"], d["date"], d["status"]) for d in response.json()["items"]]


def test_draws_are_listed_newest_first_without_login(api, statuses):
    body = api.get(URL).json()
    assert body["count"] == 6
    days = [(d["date"], d["game"]) for d in body["items"]]
    assert days == sorted(days, key=lambda x: (-int(x[0].replace("-", "")), x[1]))
    assert body["items"][0]["status"] == "open"


def test_an_item_is_the_draw_page_without_its_winner_lists(api, statuses):
    drawn = statuses["drawn"]
    item = next(d for d in api.get(f"{URL}?status=drawn").json()["items"])
    detail = api.get(item["url"]).json()
    assert item["url"] == f"/api/v1/draws/daily/{drawn.date.isoformat()}"
    assert {k: v for k, v in detail.items() if k not in ("winners", "alternates")} == {
        k: v for k, v in item.items() if k != "url"
    }
    assert item["seed"] == bytes(drawn.seed).hex() and item["ballots_count"] == 12
    assert "winners" not in item


def test_an_open_draw_shows_its_commitment_but_not_its_seed(api, statuses):
    (item,) = api.get(f"{URL}?status=open&game=daily").json()["items"]
    assert item["commitment"] == statuses["open"].commitment
    assert item["seed"] is None and item["merkle_root"] is None


@pytest.mark.parametrize("status", ["open", "closed", "drawn", "no_entries", "void"])
def test_status_filter_lists_only_that_status(api, statuses, status):
    assert {s for _, _, s in listed(api, f"?status={status}")} == {status}


def test_game_and_date_range_filters(api, statuses):
    assert listed(api, "?game=weekly") == [("weekly", DAY.isoformat(), "open")]
    first, last = DAY + timedelta(1), DAY + timedelta(2)
    got = listed(api, f"?game=daily&from={first}&to={last}")
    assert got == [
        ("daily", last.isoformat(), "closed"),
        ("daily", first.isoformat(), "no_entries"),
    ]
    assert listed(api, "?game=nothing") == []


@pytest.mark.parametrize(
    "query",
    [
        "?status=won",
        "?from=yesterday",
        "?to=2026-13-01",
        "?from=2026-03-05&to=2026-03-01",
        "?page=0",
        "?page_size=1000",
    ],
)
def test_bad_filters_are_a_422_json(api, statuses, query):
    response = api.get(f"{URL}{query}")
    assert response.status_code == 422
    assert "detail" in response.json()


def test_the_schema_declares_status_as_an_enum(api):
    schema = api.get("/api/v1/openapi.json").json()
    status = schema["components"]["schemas"]["DrawSummaryOut"]["properties"]["status"]
    ref = status["$ref"].rsplit("/", 1)[-1]
    enum = schema["components"]["schemas"][ref]["enum"]
    assert set(enum) == {"open", "closed", "drawn", "no_entries", "void"}


def test_a_page_of_draws_costs_the_same_queries_however_many_draws(
    api, players, django_assert_max_num_queries
):
    game = daily_game()
    for back in range(3):
        draw_run(draw_id=draw_with_ballots(game, DAY - timedelta(back), 4, players).pk)
    with django_assert_max_num_queries(2):
        assert len(listed(api, "?page_size=2")) == 2
    for back in range(3, 40):
        draw_with_ballots(game, DAY - timedelta(back), 1, players)
    assert Draw.objects.count() == 40
    with django_assert_max_num_queries(2):
        assert len(listed(api, "?page_size=25")) == 25
