"""The redraw flow through the admin: one staff member asks, another decides, all audited."""

import pytest

from lottery.models import AuditAction, AuditEntry, PickKind, RedrawRequest, RedrawStatus
from tests.helpers import admin_url

pytestmark = pytest.mark.django_db


def test_redraw_requested_by_an_operator_and_approved_by_an_approver(
    operator, approver, drawn_draw, login
):
    winner = drawn_draw.picks.get(kind=PickKind.WINNER)
    first_alternate = drawn_draw.picks.get(kind=PickKind.ALTERNATE, rank=1)
    asking = login(operator)

    form = asking.get(admin_url("lottery_draw_redraw_request", drawn_draw.pk))
    assert str(winner.ballot.uuid) in form.content.decode()
    asked = asking.post(
        admin_url("lottery_draw_redraw_request", drawn_draw.pk),
        {"pick": winner.pk, "reason": "Player shares an account"},
        follow=True,
    )
    assert "another staff member must approve it" in asked.content.decode()
    request = RedrawRequest.objects.get(draw=drawn_draw)
    assert (request.status, request.requested_by, request.pick) == (
        RedrawStatus.PENDING,
        operator,
        winner,
    )
    dashboard = login(approver).get(admin_url("index")).content.decode()
    assert admin_url("lottery_redrawrequest_change", request.pk) in dashboard

    deciding = login(approver)
    page = deciding.get(admin_url("lottery_redrawrequest_change", request.pk)).content.decode()
    assert admin_url("lottery_redrawrequest_redraw_approve", request.pk) in page
    approved = deciding.post(
        admin_url("lottery_redrawrequest_redraw_approve", request.pk),
        {"note": "Checked the KYC file"},
        follow=True,
    )

    assert "Redraw approved" in approved.content.decode()
    request.refresh_from_db()
    winner.refresh_from_db()
    first_alternate.refresh_from_db()
    assert (request.status, request.decided_by) == (RedrawStatus.APPROVED, approver)
    assert winner.disqualified_at is not None and not winner.is_winning
    assert first_alternate.promoted_at is not None and first_alternate.is_winning
    trail = list(
        AuditEntry.objects.filter(draw=drawn_draw)
        .order_by("created_at", "id")
        .values_list("action", "actor__email", "reason")
    )
    assert trail[-2:] == [
        (AuditAction.REDRAW_REQUEST, operator.email, "Player shares an account"),
        (AuditAction.REDRAW_APPROVE, approver.email, "Player shares an account"),
    ]
    public = deciding.get(f"/api/v1/draws/daily/{drawn_draw.date}").json()
    assert public["winners"][0]["disqualified"] is True
    assert public["alternates"][0]["promoted"] is True


def test_a_redraw_request_needs_a_reason(operator, drawn_draw, login):
    winner = drawn_draw.picks.get(kind=PickKind.WINNER)
    response = login(operator).post(
        admin_url("lottery_draw_redraw_request", drawn_draw.pk), {"pick": winner.pk, "reason": "  "}
    )
    assert response.status_code == 200
    assert "A reason is required." in response.content.decode()
    assert not RedrawRequest.objects.exists()


def test_only_a_current_winner_can_be_chosen(operator, drawn_draw, login):
    alternate = drawn_draw.picks.get(kind=PickKind.ALTERNATE, rank=1)
    response = login(operator).post(
        admin_url("lottery_draw_redraw_request", drawn_draw.pk),
        {"pick": alternate.pk, "reason": "fraud"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not RedrawRequest.objects.exists()


def test_a_second_request_for_the_same_winner_is_refused_with_a_message(
    operator, drawn_draw, login
):
    winner = drawn_draw.picks.get(kind=PickKind.WINNER)
    client = login(operator)
    url = admin_url("lottery_draw_redraw_request", drawn_draw.pk)
    client.post(url, {"pick": winner.pk, "reason": "fraud"})
    again = client.post(url, {"pick": winner.pk, "reason": "fraud again"}, follow=True)
    assert "already waiting for approval" in again.content.decode()
    assert RedrawRequest.objects.count() == 1


def test_a_refusal_needs_a_note_and_keeps_the_winner(operator, approver, drawn_draw, login):
    winner = drawn_draw.picks.get(kind=PickKind.WINNER)
    login(operator).post(
        admin_url("lottery_draw_redraw_request", drawn_draw.pk),
        {"pick": winner.pk, "reason": "suspicious"},
    )
    request = RedrawRequest.objects.get()
    client = login(approver)
    url = admin_url("lottery_redrawrequest_redraw_refuse", request.pk)

    blank = client.post(url, {"note": ""})
    assert "Say why the request is refused." in blank.content.decode()
    client.post(url, {"note": "The evidence does not hold"})

    request.refresh_from_db()
    winner.refresh_from_db()
    assert request.status == RedrawStatus.REFUSED
    assert winner.is_winning
    refusal = AuditEntry.objects.get(action=AuditAction.REDRAW_REFUSE)
    assert (refusal.actor, refusal.reason) == (approver, "The evidence does not hold")


def test_a_decided_request_offers_no_more_decision(operator, approver, drawn_draw, login):
    winner = drawn_draw.picks.get(kind=PickKind.WINNER)
    login(operator).post(
        admin_url("lottery_draw_redraw_request", drawn_draw.pk),
        {"pick": winner.pk, "reason": "suspicious"},
    )
    request = RedrawRequest.objects.get()
    client = login(approver)
    client.post(admin_url("lottery_redrawrequest_redraw_refuse", request.pk), {"note": "no"})

    page = client.get(admin_url("lottery_redrawrequest_change", request.pk)).content.decode()
    assert admin_url("lottery_redrawrequest_redraw_approve", request.pk) not in page
    late = client.post(
        admin_url("lottery_redrawrequest_redraw_approve", request.pk), {"note": ""}, follow=True
    )
    assert "already refused" in late.content.decode()
    request.refresh_from_db()
    assert request.status == RedrawStatus.REFUSED
