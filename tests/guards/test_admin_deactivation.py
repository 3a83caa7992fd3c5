"""Deactivation rules as staff meet them in the admin: never oneself, and a bulk action
that reports each refusal while deactivating the rest."""

import pytest
from model_bakery import baker

from accounts.models import User
from lottery.models import AuditAction, AuditEntry
from tests.helpers import admin_url

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_a_superuser_cannot_deactivate_their_own_account(superuser, login):
    response = login(superuser).post(
        admin_url("accounts_user_deactivate", superuser.pk), follow=True
    )

    assert "You cannot deactivate your own account." in messages_of(response)
    superuser.refresh_from_db()
    assert superuser.is_active
    assert superuser.tokens_revoked_at is None
    assert not AuditEntry.objects.filter(action=AuditAction.PLAYER_DEACTIVATE).exists()


def test_bulk_deactivation_reports_each_refusal_and_deactivates_the_rest(
    operator, superuser, login
):
    players = baker.make(User, _quantity=2, is_active=True)
    chosen = [operator, superuser, *players]

    response = login(operator).post(
        admin_url("accounts_user_changelist") + "?kind=all",  # players and staff listed
        {"action": "deactivate_selected", "_selected_action": [u.pk for u in chosen]},
        follow=True,
    )

    shown = messages_of(response)
    assert "You cannot deactivate your own account." in shown
    assert f"Only a superuser can deactivate the staff account {superuser.email}." in shown
    assert "2 player(s) deactivated; their tokens are dead." in shown
    active = set(User.objects.filter(is_active=True).values_list("pk", flat=True))
    assert active == {operator.pk, superuser.pk}
    audited = AuditEntry.objects.filter(action=AuditAction.PLAYER_DEACTIVATE)
    assert sorted(audited.values_list("target", flat=True)) == sorted(p.email for p in players)
