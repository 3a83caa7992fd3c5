"""Staff send a reset email; the player alone chooses the new password, on our page."""

import re

import pytest
from django.core import mail
from django.test import Client, override_settings
from model_bakery import baker

from accounts.models import User
from lottery.models import AuditAction, AuditEntry
from tests.conftest import bearer
from tests.helpers import admin_url

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Another-l0ng-passphrase"


def send_reset(client: Client, user: User, capture) -> object:
    with capture(execute=True):
        return client.post(admin_url("accounts_user_password_reset_send", user.pk), follow=True)


def reset_link() -> str:
    (email,) = mail.outbox
    return re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", email.body).group(1)


def open_form(client: Client, link: str):
    """Follow the link the way a browser does: it moves the token out of the URL first."""
    return client.get(link, follow=True)


def test_an_operator_sends_a_reset_email_that_is_audited_without_the_token(
    operator, player, login, django_capture_on_commit_callbacks
):
    response = send_reset(login(operator), player, django_capture_on_commit_callbacks)

    assert f"A password reset link is on its way to {player.email}" in response.content.decode()
    assert mail.outbox[0].to == [player.email]
    token = reset_link().rstrip("/").rsplit("/", 1)[1]
    entry = AuditEntry.objects.get(action=AuditAction.PASSWORD_RESET_SEND)
    assert (entry.actor, entry.target) == (operator, player.email)
    assert token not in f"{entry.target}{entry.reason}{entry.before}{entry.after}"


def test_the_player_sets_a_new_password_once_and_every_token_dies(
    operator, player, login, api, django_capture_on_commit_callbacks
):
    auth = bearer(player)
    send_reset(login(operator), player, django_capture_on_commit_callbacks)
    link = reset_link()
    browser = Client()

    form_page = open_form(browser, link)
    weak = browser.post(
        form_page.request["PATH_INFO"], {"new_password1": "123", "new_password2": "123"}
    )
    done = browser.post(
        form_page.request["PATH_INFO"],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assert 'id="password-reset-form"' in form_page.content.decode()
    assert "too short" in weak.content.decode()
    assert "Your new password is set" in done.content.decode()
    player.refresh_from_db()
    assert player.check_password(NEW_PASSWORD)
    assert api.get("/api/v1/users/me", **auth).status_code == 401
    signed_in = api.post(
        "/api/v1/users/token",
        {"email": player.email, "password": NEW_PASSWORD},
        content_type="application/json",
    )
    assert signed_in.status_code == 200
    assert AuditEntry.objects.filter(action=AuditAction.PASSWORD_RESET, actor=player).exists()
    again = open_form(Client(), link).content.decode()
    assert "expired or was already used" in again
    assert 'id="password-reset-form"' not in again


@override_settings(PASSWORD_RESET_TIMEOUT=-1)
def test_an_expired_link_offers_no_form(
    operator, player, login, django_capture_on_commit_callbacks
):
    send_reset(login(operator), player, django_capture_on_commit_callbacks)

    page = open_form(Client(), reset_link()).content.decode()

    assert "expired or was already used" in page
    assert 'id="password-reset-form"' not in page


def test_an_operator_cannot_send_a_reset_to_a_staff_account(
    operator, superuser, login, django_capture_on_commit_callbacks
):
    response = send_reset(login(operator), superuser, django_capture_on_commit_callbacks)

    assert "Only a superuser can reset the staff account" in response.content.decode()
    assert mail.outbox == []
    assert not AuditEntry.objects.filter(action=AuditAction.PASSWORD_RESET_SEND).exists()


def test_an_auditor_cannot_send_a_reset(auditor, login):
    player = baker.make(User, email="ada@example.com")
    assert (
        login(auditor).post(admin_url("accounts_user_password_reset_send", player.pk)).status_code
        == 403
    )
