"""Every staff action checks its own permission, for every group the migration creates."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from model_bakery import baker

from accounts.models import User
from lottery.models import AuditAction, AuditEntry, Draw, DrawStatus, RedrawRequest, RedrawStatus
from lottery.services.redraws import redraw_request
from tests.helpers import admin_url

pytestmark = pytest.mark.django_db


@dataclass
class Case:
    """An action: how to prepare its object, the URL and form to post, and how to tell it ran."""

    setup: Callable[..., object]
    url: Callable[[object], str]
    data: Callable[[object], dict]
    done: Callable[[object], bool]


def _pending_request(make_draw: Callable[..., Draw], requester: User) -> RedrawRequest:
    draw = make_draw()
    winner = draw.picks.get(kind="winner")
    return redraw_request(pick_id=winner.pk, actor=requester, reason="duplicate account")


CASES = {
    "draw_now": Case(
        setup=lambda make_draw, other: make_draw(drawn=False),
        url=lambda draw: admin_url("lottery_draw_draw_now", draw.pk),
        data=lambda draw: {},
        done=lambda draw: Draw.objects.get(pk=draw.pk).status == DrawStatus.DRAWN,
    ),
    "void": Case(
        setup=lambda make_draw, other: make_draw(drawn=False),
        url=lambda draw: admin_url("lottery_draw_draw_void", draw.pk),
        data=lambda draw: {"reason": "printer on fire"},
        done=lambda draw: Draw.objects.get(pk=draw.pk).status == DrawStatus.VOID,
    ),
    "request_redraw": Case(
        setup=lambda make_draw, other: make_draw(),
        url=lambda draw: admin_url("lottery_draw_redraw_request", draw.pk),
        data=lambda draw: {"pick": draw.picks.get(kind="winner").pk, "reason": "fraud"},
        done=lambda draw: RedrawRequest.objects.filter(draw=draw).exists(),
    ),
    "approve_redraw": Case(
        setup=_pending_request,
        url=lambda req: admin_url("lottery_redrawrequest_redraw_approve", req.pk),
        data=lambda req: {"note": "checked"},
        done=lambda req: RedrawRequest.objects.get(pk=req.pk).status == RedrawStatus.APPROVED,
    ),
    "refuse_redraw": Case(
        setup=_pending_request,
        url=lambda req: admin_url("lottery_redrawrequest_redraw_refuse", req.pk),
        data=lambda req: {"note": "no evidence"},
        done=lambda req: RedrawRequest.objects.get(pk=req.pk).status == RedrawStatus.REFUSED,
    ),
    "deactivate_player": Case(
        setup=lambda make_draw, other: baker.make(User, email="gone@example.com"),
        url=lambda user: admin_url("accounts_user_deactivate", user.pk),
        data=lambda user: {},
        done=lambda user: not User.objects.get(pk=user.pk).is_active,
    ),
}

ALLOWED = {
    "Operators": {"draw_now", "void", "request_redraw", "deactivate_player"},
    "Approvers": {"approve_redraw", "refuse_redraw"},
    "Auditors": set(),
}


@pytest.mark.parametrize("group", sorted(ALLOWED))
@pytest.mark.parametrize("action", sorted(CASES))
def test_each_action_is_allowed_exactly_to_the_groups_holding_its_permission(
    group, action, make_staff, other_operator, make_draw, login
):
    case = CASES[action]
    target = case.setup(make_draw, other_operator)
    client = login(make_staff(group))

    shown = client.get(case.url(target))
    posted = client.post(case.url(target), case.data(target))

    if action in ALLOWED[group]:
        assert shown.status_code == 200
        assert posted.status_code == 302
        assert case.done(target)
    else:
        assert shown.status_code == 403
        assert posted.status_code == 403
        assert not case.done(target)


def test_an_auditor_cannot_draw(auditor, make_draw, login):
    draw = make_draw(drawn=False)
    response = login(auditor).post(admin_url("lottery_draw_draw_now", draw.pk))
    assert response.status_code == 403
    draw.refresh_from_db()
    assert draw.status == DrawStatus.OPEN
    assert not AuditEntry.objects.filter(action=AuditAction.MANUAL_DRAW).exists()


def test_an_auditor_reads_everything_and_exports_a_draw(auditor, drawn_draw, login):
    client = login(auditor)
    for name in (
        "lottery_draw",
        "lottery_ballot",
        "lottery_auditentry",
        "accounts_user",
        "lottery_redrawrequest",
        "lottery_game",
    ):
        assert client.get(admin_url(f"{name}_changelist")).status_code == 200
    assert client.get(admin_url("lottery_draw_change", drawn_draw.pk)).status_code == 200
    export = client.get(admin_url("lottery_draw_export_csv", drawn_draw.pk))
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")


def test_the_draw_page_offers_only_the_actions_the_user_may_take(
    operator, auditor, make_draw, login
):
    draw = make_draw(drawn=False)
    page = admin_url("lottery_draw_change", draw.pk)
    as_operator = login(operator).get(page).content.decode()
    as_auditor = login(auditor).get(page).content.decode()
    assert admin_url("lottery_draw_draw_now", draw.pk) in as_operator
    assert admin_url("lottery_draw_draw_void", draw.pk) in as_operator
    assert admin_url("lottery_draw_draw_now", draw.pk) not in as_auditor
    assert admin_url("lottery_draw_draw_void", draw.pk) not in as_auditor


def test_the_draw_page_offers_only_the_actions_that_fit_the_status(
    superuser, drawn_draw, make_draw, login
):
    client = login(superuser)
    drawn = client.get(admin_url("lottery_draw_change", drawn_draw.pk)).content.decode()
    assert admin_url("lottery_draw_redraw_request", drawn_draw.pk) in drawn
    assert admin_url("lottery_draw_draw_now", drawn_draw.pk) not in drawn
    assert admin_url("lottery_draw_draw_void", drawn_draw.pk) not in drawn
    future = make_draw(day=timezone.localdate() + timedelta(days=20), drawn=False)
    open_page = client.get(admin_url("lottery_draw_change", future.pk)).content.decode()
    assert admin_url("lottery_draw_draw_now", future.pk) not in open_page  # not due yet
    assert admin_url("lottery_draw_draw_void", future.pk) in open_page


def test_the_requester_cannot_approve_their_own_redraw(make_staff, make_draw, login):
    both = make_staff("Operators", "Approvers")
    request = _pending_request(make_draw, both)
    client = login(both)

    page = client.get(admin_url("lottery_redrawrequest_change", request.pk)).content.decode()
    assert admin_url("lottery_redrawrequest_redraw_approve", request.pk) not in page
    response = client.post(
        admin_url("lottery_redrawrequest_redraw_approve", request.pk), {"note": "me"}, follow=True
    )

    assert "approved by a different staff member" in response.content.decode()
    request.refresh_from_db()
    assert request.status == RedrawStatus.PENDING


def test_the_requester_may_approve_alone_when_approvals_are_off(
    settings, make_staff, make_draw, login
):
    both = make_staff("Operators", "Approvers")
    earlier = _pending_request(make_draw, both)
    settings.LOTTERY_REDRAW_APPROVALS = 0
    client = login(both)

    response = client.post(
        admin_url("lottery_redrawrequest_redraw_approve", earlier.pk), {"note": "alone"}
    )

    assert response.status_code == 302
    earlier.refresh_from_db()
    assert earlier.status == RedrawStatus.APPROVED
    assert earlier.decided_by == both


def test_only_staff_get_into_the_admin(make_draw, login):
    player = baker.make(User, email="player@example.com", is_staff=False)
    response = login(player).get(admin_url("index"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert Client().get(admin_url("lottery_ballot_changelist")).status_code == 302


@pytest.mark.parametrize("model", ["ballot", "auditentry", "redrawrequest", "draw"])
def test_records_cannot_be_added_changed_or_deleted_even_by_a_superuser(
    model, superuser, drawn_draw, login
):
    client = login(superuser)
    assert client.get(admin_url(f"lottery_{model}_add")).status_code == 403
    obj = {
        "ballot": drawn_draw.ballots.first(),
        "draw": drawn_draw,
        "auditentry": AuditEntry.objects.filter(draw=drawn_draw).first(),
        "redrawrequest": redraw_request(
            pick_id=drawn_draw.picks.get(kind="winner").pk, actor=superuser, reason="test"
        ),
    }[model]
    assert client.get(admin_url(f"lottery_{model}_delete", obj.pk)).status_code == 403
    assert client.post(admin_url(f"lottery_{model}_change", obj.pk), {}).status_code == 403
