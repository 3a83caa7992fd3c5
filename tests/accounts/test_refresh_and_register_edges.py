"""The edges of refresh rotation and registration that the happy paths do not reach: the
grace window's last instant, a refresh row expired on the server, and an address stored
with capitals before addresses were normalised."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from model_bakery import baker

from accounts.models import RefreshToken, User
from tests.accounts.test_api import register
from tests.accounts.test_tokens_hardening import login, refresh

pytestmark = pytest.mark.django_db


def test_the_last_instant_of_the_grace_window_still_gives_the_same_pair(api, player):
    tokens = login(api).json()
    first = refresh(api, tokens["refresh_token"])
    used_at = RefreshToken.objects.get(used_at__isnull=False).used_at
    grace = timedelta(seconds=settings.JWT_REFRESH_GRACE_SECONDS)
    with time_machine.travel(used_at + grace, tick=False):
        again = refresh(api, tokens["refresh_token"])
    assert again.status_code == 200
    assert again.json() == first.json()


def test_a_refresh_token_whose_row_expired_on_the_server_is_refused(api, player):
    tokens = login(api).json()
    RefreshToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = refresh(api, tokens["refresh_token"])
    assert response.status_code == 401
    assert RefreshToken.objects.count() == 1  # no successor issued
    assert RefreshToken.objects.get().used_at is None


def test_an_address_stored_with_capitals_is_still_taken(api):
    baker.make(User, email="Ada@Example.com")  # stored before addresses were lowercased
    response = register(api, email="ada@example.com")
    assert response.status_code == 409
    assert response.json() == {"detail": "An account with this email already exists."}
    assert User.objects.count() == 1
