"""The /leaves cursor is the server's own: a crafted one is a 422 and never labels a serial."""

import base64
import json
from datetime import date

import pytest
from model_bakery import baker

from lottery.services.draws import draw_get_or_create, draw_run

pytestmark = pytest.mark.django_db
PAST = date(2026, 1, 10)
OTHER = date(2026, 1, 11)
LEAVES = f"/api/v1/draws/daily/{PAST}/leaves"


def drawn(game, day, n):
    draw = draw_get_or_create(game=game, day=day)
    player = baker.make("accounts.User")
    for _ in range(n):
        baker.make_recipe("lottery.ballot", draw=draw, player=player)
    return draw_run(draw_id=draw.pk)


def forged(created_at, uuid, serial):
    raw = json.dumps([created_at, uuid, serial]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_a_cursor_claiming_another_serial_is_refused(api, game):
    drawn(game, PAST, 3)
    first = api.get(f"{LEAVES}?limit=1").json()["items"][0]
    response = api.get(
        LEAVES, {"cursor": forged("2000-01-01T00:00:00+00:00", first["ballot"], 500)}
    )
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize(
    "cursor",
    [
        forged("2026-01-10T00:00:00+00:00", "not-a-uuid", 0),
        forged("2026-01-10T00:00:00+00:00", "a\x00b", 0),
        forged("2026-01-10T00:00:00+00:00", ["list"], 0),
        "garbage",
        "a" * 2000,
        "x:y:z",
    ],
)
def test_a_malformed_cursor_is_a_422_not_a_500(api, game, cursor):
    drawn(game, PAST, 2)
    response = api.get(LEAVES, {"cursor": cursor})
    assert response.status_code == 422, response.content
    assert isinstance(response.json()["detail"], str)


def test_a_cursor_of_one_draw_is_refused_on_another(api, game):
    drawn(game, PAST, 3)
    drawn(game, OTHER, 3)
    cursor = api.get(f"{LEAVES}?limit=1").json()["next"].split("cursor=")[1]
    response = api.get(f"/api/v1/draws/daily/{OTHER}/leaves", {"cursor": cursor})
    assert response.status_code == 422


def test_the_cursor_the_server_gave_continues_the_serials(api, game):
    drawn(game, PAST, 5)
    url, serials = f"{LEAVES}?limit=2", []
    while url:
        page = api.get(url).json()
        serials += [leaf["serial"] for leaf in page["items"]]
        url = page["next"]
    assert serials == [1, 2, 3, 4, 5]
