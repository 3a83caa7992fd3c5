"""Public reads of draws carry validators; a current copy gets 304; redraws and voids show."""

from datetime import date

import pytest
from django.core.cache import cache
from model_bakery import baker

from accounts import services as accounts_services
from lottery import caching
from lottery.models import Pick
from lottery.services.draws import draw_get_or_create, draw_void
from lottery.services.redraws import redraw_request
from tests.verification.conftest import PAST, draw_with_ballots

pytestmark = pytest.mark.django_db
DRAW = f"/api/v1/draws/daily/{PAST}"


def redraw(draw, settings):
    settings.LOTTERY_REDRAW_APPROVALS = 0
    staff = baker.make("accounts.User", is_staff=True)
    winner = Pick.objects.get(draw=draw, kind="winner")
    redraw_request(pick_id=winner.pk, actor=staff, reason="fraud")


@pytest.mark.parametrize("url", [DRAW, f"{DRAW}/leaves", "/api/v1/winning_ballots"])
def test_a_drawn_draw_read_is_cacheable_and_revalidates_to_304(api, url):
    draw_with_ballots(5)
    first = api.get(url)
    assert first.status_code == 200
    assert first["Cache-Control"] == "public, max-age=60"
    assert first["ETag"].startswith('"')
    assert first["Last-Modified"]
    again = api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    since = api.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    assert api.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


@pytest.mark.parametrize("url", [DRAW, "/api/v1/winning_ballots", "winning detail"])
def test_a_redraw_changes_the_validators(api, settings, url):
    draw, _ = draw_with_ballots(5)
    url = f"/api/v1/winning_ballots/{draw.uuid}" if url == "winning detail" else url
    before = api.get(url)
    redraw(draw, settings)
    after = api.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert after.json() != before.json()


def test_a_void_changes_the_validators_of_a_closed_draw(api):
    draw, _ = draw_with_ballots(3, draw_it=False)
    closed = api.get(DRAW)
    assert closed["Cache-Control"] == "public, no-cache"
    draw_void(draw_id=draw.pk, actor=baker.make("accounts.User"), reason="fire")
    void = api.get(DRAW, HTTP_IF_NONE_MATCH=closed["ETag"])
    assert void.status_code == 200
    assert void.json()["status"] == "void"
    assert void["Cache-Control"] == "public, max-age=60"


def test_an_open_draw_is_never_kept_so_its_close_shows_at_once(api, game):
    day = date.today().replace(year=date.today().year + 1)
    draw_get_or_create(game=game, day=day)
    response = api.get(f"/api/v1/draws/daily/{day}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-cache"
    assert not response.has_header("ETag")
    assert api.get(f"/api/v1/draws/daily/{day}", HTTP_IF_NONE_MATCH="*").status_code == 200


def test_the_close_gives_the_draw_validators(api):
    draw_with_ballots(2, draw_it=False)
    response = api.get(DRAW)
    assert response.json()["status"] == "closed"
    assert response.has_header("ETag")


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/winning_ballots/not-a-uuid", 404),
        ("/api/v1/winning_ballots/00000000-0000-0000-0000-000000000000", 404),
        ("/api/v1/draws/daily/2026-13-40", 422),
        ("/api/v1/draws/nope/2026-01-01", 404),
    ],
)
def test_unknown_resources_are_json_errors_without_validators(api, url, status):
    response = api.get(url, HTTP_IF_NONE_MATCH="*")
    assert response.status_code == status
    assert "detail" in response.json()
    assert not response.has_header("ETag")


@pytest.mark.parametrize("url", [DRAW, f"{DRAW}/leaves", "/api/v1/winning_ballots"])
def test_the_herd_is_answered_without_a_database_query(api, url, django_assert_num_queries):
    draw_with_ballots(5)
    first = api.get(url)
    with django_assert_num_queries(0):
        current = api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        plain = api.get(url)
    assert current.status_code == 304
    assert current.content == b""
    assert plain.status_code == 200
    assert plain.content == first.content
    assert plain["Content-Type"] == first["Content-Type"]
    assert plain["ETag"] == first["ETag"]
    assert plain["Cache-Control"] == "public, max-age=60"


def test_another_process_sees_a_void_within_the_recheck_interval(api, settings, monkeypatch):
    """Every process keeps validators under the shared generation token; a void replaces it.
    The process that voided drops its memo at once; another keeps serving its memo until
    PUBLIC_READS_RECHECK_SECONDS have passed since it last read the token, then recomputes."""
    settings.PUBLIC_READS_RECHECK_SECONDS = 1
    draw, _ = draw_with_ballots(3, draw_it=False)
    closed = api.get(DRAW)
    token = cache.get(caching.GENERATION_KEY)
    clock = [1000.0]
    monkeypatch.setattr(caching.time, "monotonic", lambda: clock[0])
    other = caching._Memo()  # another worker's memo, current before the void
    other.put(other.current(), ("k",), "kept")
    draw_void(draw_id=draw.pk, actor=baker.make("accounts.User"), reason="fire")
    assert cache.get(caching.GENERATION_KEY) != token
    clock[0] += 0.9
    assert other.current() == {("k",): "kept"}  # within the second: its memo still serves
    clock[0] += 0.1
    assert other.current() == {}  # a second after its last read: the void shows
    void = api.get(DRAW, HTTP_IF_NONE_MATCH=closed["ETag"])  # this process: at once
    assert void.status_code == 200
    assert void.json()["status"] == "void"


def test_with_no_recheck_interval_another_process_sees_a_void_at_once(api, settings):
    settings.PUBLIC_READS_RECHECK_SECONDS = 0
    draw, _ = draw_with_ballots(3, draw_it=False)
    api.get(DRAW)
    other = caching._Memo()
    other.put(other.current(), ("k",), "kept")
    draw_void(draw_id=draw.pk, actor=baker.make("accounts.User"), reason="fire")
    assert other.current() == {}


def test_an_erased_winner_changes_the_winners_body_at_once(api):
    draw, _ = draw_with_ballots(3)
    before = api.get("/api/v1/winning_ballots")
    winner = Pick.objects.get(draw=draw, kind="winner").ballot.player
    accounts_services.user_erase(user=winner)
    after = api.get("/api/v1/winning_ballots", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
