"""The fixed-window rate limiter (core/ratelimit.py): its limit, its window, the
Retry-After it announces, its keys, and the instant a token is revoked at."""

import time
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.cache import cache

from core import ratelimit
from core.errors import ServiceError
from tests.accounts.test_api import ME
from tests.accounts.test_tokens_hardening import signed

WINDOW = 60
START = 1_800_000_000 - 1_800_000_000 % WINDOW  # the first second of a window


def hit(key="ada@example.com", limit=2, scope="login"):
    ratelimit.hit(scope=scope, keys=[key], limit=limit, window=WINDOW)


def refused(**kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        hit(**kwargs)
    return caught.value


def test_the_limit_is_allowed_and_the_next_attempt_is_429_with_the_seconds_left():
    with time_machine.travel(START + 10, tick=False):
        hit()
        hit()
        error = refused()
    assert error.status == 429
    assert error.headers == {"Retry-After": "50"}
    assert str(error) == "Too many attempts; try again in 50 seconds."


def test_in_the_last_second_of_the_window_retry_after_is_one():
    with time_machine.travel(START + WINDOW - 1, tick=False):
        hit(limit=1)
        assert refused(limit=1).headers == {"Retry-After": "1"}


def test_the_count_lasts_until_the_end_of_its_window_and_not_after():
    with time_machine.travel(START, tick=False) as clock:
        hit(limit=1)
        clock.move_to(START + WINDOW - 0.5)
        assert refused(limit=1).status == 429  # still the same window: the count is kept
        clock.move_to(START + WINDOW)
        hit(limit=1)  # a new window starts from zero


def test_keys_are_counted_apart_and_without_regard_to_case():
    with time_machine.travel(START + 5, tick=False):
        hit(key="Ada@Example.com", limit=1)
        refused(key="ada@example.com", limit=1)
        hit(key="bob@example.com", limit=1)
        hit(key="ada@example.com", limit=1, scope="register")


def test_a_count_that_expired_between_add_and_incr_starts_again_at_one(monkeypatch):
    # The key vanishes right after add (its timeout ran out): incr finds nothing.
    monkeypatch.setattr(cache, "add", lambda *args, **kwargs: False)
    with time_machine.travel(START, tick=False) as clock:
        hit(limit=1)  # counted as the first attempt, not refused
        assert refused(limit=1).status == 429  # the key set then holds the count
        clock.move_to(START + WINDOW - 0.5)
        assert refused(limit=1).status == 429  # and lasts to the end of the window


@pytest.mark.django_db
def test_a_token_issued_at_the_revocation_instant_is_dead_and_one_second_later_alive(api, player):
    issued = int(time.time()) - 10  # in the past: PyJWT refuses an iat to come
    player.tokens_revoked_at = datetime.fromtimestamp(issued, tz=UTC)
    player.save(update_fields=["tokens_revoked_at"])
    at_revocation = signed(player, iat=issued)
    after = signed(player, iat=issued + 1)
    assert api.get(ME, HTTP_AUTHORIZATION=f"Bearer {at_revocation}").status_code == 401
    assert api.get(ME, HTTP_AUTHORIZATION=f"Bearer {after}").status_code == 200
