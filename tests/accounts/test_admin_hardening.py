"""Players in the admin: no password page, deactivation only through the audited action,
one account per email whatever its spelling, and game edits in the audit log."""

import importlib

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from model_bakery import baker

from accounts.models import User
from accounts.services import user_deactivate
from core.errors import ServiceError
from lottery.models import AuditAction, AuditEntry, Game
from tests.conftest import bearer
from tests.helpers import admin_url

pytestmark = pytest.mark.django_db


def form_data(response, **changes: object) -> dict:
    """What a browser posts back from an admin change form, with ``changes`` applied."""
    form = response.context["adminform"].form
    data: dict = {}
    for name in form.fields:
        value = changes.get(name, form[name].value())
        if form.fields[name].show_hidden_initial:  # a callable default: the form sends both
            data[form[name].html_initial_name] = form[name].value()
        if value is True:
            data[name] = "on"
        elif value not in (None, False):
            data[name] = value
    return data


def test_no_one_opens_a_password_page_for_a_player_or_staff(operator, superuser, login):
    player = baker.make(User, email="ada@example.com")
    staff = baker.make(User, email="staff@lottery.test", is_staff=True)

    assert login(operator).get(admin_url("auth_user_password_change", player.pk)).status_code == 404
    assert login(superuser).get(admin_url("auth_user_password_change", staff.pk)).status_code == 404
    page = login(operator).get(admin_url("accounts_user_change", player.pk)).content.decode()
    assert "password/" not in page


def test_unticking_active_on_the_form_does_not_deactivate(superuser, login):
    player = baker.make(User, email="ada@example.com", is_active=True)
    client = login(superuser)
    url = admin_url("accounts_user_change", player.pk)
    page = client.get(url)
    assert "is_active" not in page.context["adminform"].form.fields

    response = client.post(url, {**form_data(page), "is_active": ""})

    assert response.status_code == 302
    player.refresh_from_db()
    assert player.is_active
    assert player.tokens_revoked_at is None


def test_deactivation_rules_are_the_services(operator, superuser, api):
    player = baker.make(User, email="ada@example.com")
    auth = bearer(player)

    with pytest.raises(ServiceError, match="your own account"):
        user_deactivate(user=operator, actor=operator)
    with pytest.raises(ServiceError, match="Only a superuser"):
        user_deactivate(user=superuser, actor=operator)
    user_deactivate(user=player, actor=operator)

    assert api.get("/api/v1/users/me", **auth).status_code == 401
    entry = AuditEntry.objects.get(action=AuditAction.PLAYER_DEACTIVATE)
    assert (entry.actor, entry.target) == (operator, "ada@example.com")
    superuser.refresh_from_db()
    assert superuser.is_active


def test_bulk_deactivation_reports_each_refusal_and_does_the_rest(operator, superuser, login):
    player = baker.make(User, email="ada@example.com")
    response = login(operator).post(
        admin_url("accounts_user_changelist") + "?kind=all",  # players and staff listed
        {"action": "deactivate_selected", "_selected_action": [player.pk, superuser.pk]},
        follow=True,
    )

    page = response.content.decode()
    assert "Only a superuser can deactivate the staff account root@lottery.test" in page
    assert "1 player(s) deactivated" in page
    assert list(User.objects.filter(is_active=False)) == [player]


def test_emails_typed_in_the_admin_are_stripped_and_lower_cased(superuser, login):
    client = login(superuser)
    client.post(
        admin_url("accounts_user_add"),
        {
            "email": "  Ada@Example.COM ",
            "password1": "a-Long-passw0rd!",
            "password2": "a-Long-passw0rd!",
        },
    )
    grace = baker.make(User, email="grace@example.com")
    url = admin_url("accounts_user_change", grace.pk)
    client.post(url, form_data(client.get(url), email=" Grace.Hopper@Example.com"))

    assert set(User.objects.values_list("email", flat=True)) >= {
        "ada@example.com",
        "grace.hopper@example.com",
    }


def test_a_second_spelling_of_a_taken_email_is_refused_on_the_form(superuser, login):
    baker.make(User, email="ada@example.com")
    grace = baker.make(User, email="grace@example.com")
    client = login(superuser)
    url = admin_url("accounts_user_change", grace.pk)

    response = client.post(url, form_data(client.get(url), email="ADA@example.com"))

    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    grace.refresh_from_db()
    assert grace.email == "grace@example.com"


def test_the_database_refuses_two_spellings_of_one_email():
    baker.make(User, email="ada@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="Ada@Example.com")


def test_the_email_migration_stops_loudly_on_accounts_that_would_collide():
    migration = importlib.import_module("accounts.migrations.0003_user_email_ci_unique")
    baker.make(User, email="ada@example.com")
    baker.make(User, email=" ada@example.com")  # a different string, the same address

    with pytest.raises(RuntimeError, match=r"ada@example\.com"):
        migration.normalise_emails(apps, None)


def test_the_email_migration_normalises_stored_emails():
    migration = importlib.import_module("accounts.migrations.0003_user_email_ci_unique")
    grace = baker.make(User, email=" Grace@Example.com ")

    migration.normalise_emails(apps, None)

    grace.refresh_from_db()
    assert grace.email == "grace@example.com"


def test_a_game_rule_edit_is_audited_with_before_and_after(operator, game, login):
    client = login(operator)
    url = admin_url("lottery_game_change", game.pk)

    client.post(url, form_data(client.get(url), winners_per_draw=2, is_active=False))

    entry = AuditEntry.objects.get(action=AuditAction.GAME_CHANGE)
    assert (entry.actor, entry.target) == (operator, "daily")
    assert entry.before == {"winners_per_draw": 1, "is_active": True}
    assert entry.after == {"winners_per_draw": 2, "is_active": False}
    assert Game.objects.get(pk=game.pk).winners_per_draw == 2
