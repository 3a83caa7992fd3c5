"""A player changes their password, or asks for a reset link by email, without staff."""

import pytest
from django.core import mail
from django.test import Client, override_settings

from accounts.models import User
from lottery.models import AuditAction, AuditEntry
from tests.accounts.test_password_reset import NEW_PASSWORD, open_form, reset_link
from tests.conftest import bearer

pytestmark = pytest.mark.django_db

PASSWORD = "a-Long-passw0rd!"  # tests/conftest.py make_player
CHANGE = "/api/v1/users/me/password"
RESET = "/api/v1/users/password-reset"


def change(api, auth, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    body = {"current_password": current, "new_password": new, "confirm_password": confirm or new}
    return api.post(CHANGE, body, content_type="application/json", **auth)


def ask_reset(api, email, capture=None):
    if capture is None:
        return api.post(RESET, {"email": email}, content_type="application/json")
    with capture(execute=True):
        return api.post(RESET, {"email": email}, content_type="application/json")


def sign_in(api, email, password):
    body = {"email": email, "password": password}
    return api.post("/api/v1/users/token", body, content_type="application/json")


def test_changing_the_password_signs_out_every_other_session(api, player):
    this_device, other_device = bearer(player), bearer(player)
    response = change(api, this_device)
    assert response.status_code == 200, response.content
    fresh = {"HTTP_AUTHORIZATION": f"Bearer {response.json()['access_token']}"}
    assert api.get("/api/v1/users/me", **fresh).status_code == 200
    assert api.get("/api/v1/users/me", **other_device).status_code == 401
    assert api.get("/api/v1/users/me", **this_device).status_code == 401
    player.refresh_from_db()
    assert player.check_password(NEW_PASSWORD)
    assert sign_in(api, player.email, PASSWORD).status_code == 401
    assert sign_in(api, player.email, NEW_PASSWORD).status_code == 200
    entry = AuditEntry.objects.get(action=AuditAction.PASSWORD_CHANGE)
    assert (entry.actor, entry.target) == (player, player.email)


@pytest.mark.parametrize(
    ("kwargs", "status", "detail"),
    [
        ({"current": "wrong-password"}, 403, "The current password is not right."),
        ({"new": "123"}, 422, "too short"),
        ({"new": PASSWORD}, 422, "must differ from the current one"),
        ({"confirm": "Something-else-entirely-9"}, 422, "do not match"),
    ],
)
def test_a_refused_change_keeps_the_password_and_the_tokens(api, player, kwargs, status, detail):
    auth = bearer(player)
    response = change(api, auth, **kwargs)
    assert response.status_code == status
    assert detail in response.json()["detail"]
    player.refresh_from_db()
    assert player.check_password(PASSWORD)
    assert api.get("/api/v1/users/me", **auth).status_code == 200
    assert not AuditEntry.objects.filter(action=AuditAction.PASSWORD_CHANGE).exists()


def test_a_change_needs_a_token(api, player):
    assert change(api, {}).status_code == 401


@override_settings(RATE_LIMIT_LOGIN=3)
def test_guessing_the_current_password_is_rate_limited(api, player):
    auth = bearer(player)
    statuses = [change(api, auth, current=f"guess-{i}").status_code for i in range(4)]
    assert statuses == [403, 403, 403, 429]
    # Even the right password waits out the window now.
    assert change(api, auth).status_code == 429
    player.refresh_from_db()
    assert player.check_password(PASSWORD)


def test_a_forgotten_password_reset_by_email_works_once(
    api, player, django_capture_on_commit_callbacks
):
    auth = bearer(player)
    response = ask_reset(api, " ADA@example.com ", django_capture_on_commit_callbacks)
    assert response.status_code == 202
    (email,) = mail.outbox
    assert email.to == [player.email]
    assert "You asked for a link to choose a new password" in email.body
    link = reset_link()
    browser = Client()
    form_page = open_form(browser, link)
    done = browser.post(
        form_page.request["PATH_INFO"],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Your new password is set" in done.content.decode()
    assert sign_in(api, player.email, NEW_PASSWORD).status_code == 200
    assert api.get("/api/v1/users/me", **auth).status_code == 401
    assert "expired or was already used" in open_form(Client(), link).content.decode()


@pytest.mark.parametrize("who", ["nobody", "staff", "deactivated", "erased"])
def test_the_answer_is_the_same_whether_or_not_a_player_has_the_address(
    api, player, make_staff, who, django_capture_on_commit_callbacks
):
    known = ask_reset(api, player.email, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    email = f"{who}@example.com"
    if who == "staff":
        make_staff("Operators", email=email)
    elif who in ("deactivated", "erased"):
        other = User.objects.create_user(email, PASSWORD)
        if who == "deactivated":
            User.objects.filter(pk=other.pk).update(is_active=False)
        else:
            from accounts.services import user_erase

            user_erase(user=other)
            email = other.email
    unknown = ask_reset(api, email, django_capture_on_commit_callbacks)
    assert (unknown.status_code, unknown.json()) == (known.status_code, known.json())
    assert mail.outbox == []


@override_settings(RATE_LIMIT_PASSWORD_RESET=2)
def test_reset_emails_are_rate_limited_per_address(api, player, django_capture_on_commit_callbacks):
    statuses = [
        ask_reset(api, player.email, django_capture_on_commit_callbacks).status_code
        for _ in range(3)
    ]
    assert statuses == [202, 202, 429]
    assert len(mail.outbox) == 2


@pytest.mark.parametrize("body", [{}, {"email": ""}, {"email": "x" * 300}, {"email": 5}])
def test_a_bad_reset_request_is_422_and_sends_nothing(api, body):
    assert api.post(RESET, body, content_type="application/json").status_code == 422
    assert mail.outbox == []
