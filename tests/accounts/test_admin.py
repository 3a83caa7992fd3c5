"""Players in the admin: search, ballots played, deactivation that kills every token."""

import pytest
from model_bakery import baker

from accounts.models import RefreshToken, User
from accounts.services import token_pair_issue
from lottery.models import AuditAction, AuditEntry
from tests.conftest import bearer
from tests.helpers import admin_url, make_ballots

pytestmark = pytest.mark.django_db


def listed(client, query: str = "") -> list[str]:
    response = client.get(admin_url("accounts_user_changelist") + query)
    assert response.status_code == 200
    return [user.email for user in response.context["cl"].result_list]


def test_players_are_found_by_email_and_by_name(auditor, login):
    baker.make(User, email="ada@example.com", first_name="Ada", last_name="Lovelace")
    baker.make(User, email="grace@example.com", first_name="Grace", last_name="Hopper")
    client = login(auditor)

    assert listed(client, "?q=ada@") == ["ada@example.com"]
    assert listed(client, "?q=hopper") == ["grace@example.com"]
    assert listed(client, "?q=Grace+Hopper") == ["grace@example.com"]


def test_the_list_shows_how_many_ballots_each_player_played(auditor, make_draw, login):
    ada = baker.make(User, email="ada@example.com")
    grace = baker.make(User, email="grace@example.com")
    draw = make_draw(ballots=0, drawn=False)
    make_ballots(draw, 3, players=[ada])
    make_ballots(draw, 1, players=[grace])

    response = login(auditor).get(admin_url("accounts_user_changelist") + "?is_staff__exact=0")

    counts = {u.email: u.ballots_played for u in response.context["cl"].result_list}
    assert counts == {"ada@example.com": 3, "grace@example.com": 1}


def test_deactivating_a_player_kills_their_tokens_and_is_audited(operator, login, api):
    player = baker.make(User, email="ada@example.com")
    auth = bearer(player)
    token_pair_issue(user=player)
    assert api.get("/api/v1/users/me", **auth).status_code == 200

    response = login(operator).post(admin_url("accounts_user_deactivate", player.pk), follow=True)

    assert "every token they held is dead" in response.content.decode()
    player.refresh_from_db()
    assert not player.is_active
    assert player.tokens_revoked_at is not None
    assert not RefreshToken.objects.filter(user=player, used_at__isnull=True).exists()
    assert api.get("/api/v1/users/me", **auth).status_code == 401
    entry = AuditEntry.objects.get(action=AuditAction.PLAYER_DEACTIVATE)
    assert (entry.actor, entry.target) == (operator, "ada@example.com")


def test_players_are_deactivated_in_bulk_from_the_list(operator, login):
    players = baker.make(User, _quantity=3)
    response = login(operator).post(
        admin_url("accounts_user_changelist"),
        {"action": "deactivate_selected", "_selected_action": [p.pk for p in players]},
        follow=True,
    )
    assert "3 player(s) deactivated" in response.content.decode()
    assert not User.objects.filter(pk__in=[p.pk for p in players], is_active=True).exists()
    assert AuditEntry.objects.filter(action=AuditAction.PLAYER_DEACTIVATE).count() == 3


def test_an_auditor_cannot_deactivate_a_player(auditor, login):
    player = baker.make(User, email="ada@example.com")
    client = login(auditor)

    assert client.post(admin_url("accounts_user_deactivate", player.pk)).status_code == 403
    page = client.get(admin_url("accounts_user_changelist")).content.decode()
    assert "deactivate_selected" not in page
    player.refresh_from_db()
    assert player.is_active


def test_an_operator_cannot_deactivate_staff_or_grant_staff_rights(operator, superuser, login):
    client = login(operator)
    refused = client.post(admin_url("accounts_user_deactivate", superuser.pk), follow=True)
    assert "Only a superuser can deactivate" in refused.content.decode()
    superuser.refresh_from_db()
    assert superuser.is_active
    player = baker.make(User, email="ada@example.com")
    form = client.get(admin_url("accounts_user_change", player.pk)).context["adminform"].form
    assert "is_staff" not in form.fields
    assert "groups" not in form.fields
    assert client.post(admin_url("accounts_user_change", superuser.pk), {}).status_code == 403


def test_a_superuser_creates_a_staff_account_by_email(superuser, login):
    response = login(superuser).post(
        admin_url("accounts_user_add"),
        {
            "email": "New@Lottery.test",
            "password1": "a-Long-passw0rd!",
            "password2": "a-Long-passw0rd!",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="new@lottery.test").check_password("a-Long-passw0rd!")
