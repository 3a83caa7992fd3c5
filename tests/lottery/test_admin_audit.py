"""The audit log in the admin: read-only, filtered by who, what and which days."""

from datetime import UTC, datetime

import pytest
import time_machine
from model_bakery import baker

from accounts.models import User
from lottery.audit import audit_entry_create
from lottery.models import AuditAction
from tests.helpers import admin_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries():
    ada = baker.make(User, email="ada@lottery.test", is_staff=True)
    bob = baker.make(User, email="bob@lottery.test", is_staff=True)
    for key, day, actor, action in [
        ("ada-void", 3, ada, AuditAction.VOID),
        ("bob-redraw", 4, bob, AuditAction.REDRAW_REQUEST),
        ("ada-redraw", 5, ada, AuditAction.REDRAW_REQUEST),
        ("system-draw", 5, None, AuditAction.DRAW),
    ]:
        with time_machine.travel(datetime(2026, 2, day, 23, 59, tzinfo=UTC), tick=False):
            audit_entry_create(action=action, actor=actor, reason=key)
    return ada


def shown(client, query: str) -> set[str]:
    response = client.get(admin_url("lottery_auditentry_changelist") + query)
    assert response.status_code == 200
    return {entry.reason for entry in response.context["cl"].result_list}


def test_the_audit_log_filters_by_days_action_and_actor(auditor, login, entries):
    ada = entries
    client = login(auditor)

    assert shown(client, "?created_at_from=2026-02-04&created_at_to=2026-02-04") == {"bob-redraw"}
    assert shown(client, "?created_at_from=2026-02-05") == {"ada-redraw", "system-draw"}
    assert shown(client, "?action__exact=redraw_request") == {"bob-redraw", "ada-redraw"}
    assert shown(client, f"?actor__id__exact={ada.pk}") == {"ada-void", "ada-redraw"}
    page = client.get(admin_url("lottery_auditentry_changelist")).content.decode()
    assert "system (scheduler)" in page


def test_an_audit_entry_shows_what_changed(auditor, login, drawn_draw):
    entry = drawn_draw.audit_entries.get(action=AuditAction.DRAW)
    page = login(auditor).get(admin_url("lottery_auditentry_change", entry.pk)).content.decode()
    assert drawn_draw.material in page
    assert "Save" not in page
