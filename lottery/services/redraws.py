"""The two-person redraw: one staff member asks to disqualify a winner, another approves
(the next unused alternate is promoted; never fresh randomness) or refuses.

Each service is atomic and raises ``ServiceError`` (nothing changed) when it refuses.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.errors import ServiceError
from lottery import jobs
from lottery.audit import audit_entry_create
from lottery.models import AuditAction, Pick, PickKind, RedrawRequest, RedrawStatus
from lottery.rules import draw_may_be_redrawn, redraw_decision_refusal
from lottery.services.draws import draw_lock, draw_revise


@transaction.atomic
def redraw_request(*, pick_id: int, actor: User, reason: str) -> RedrawRequest:
    """Ask to disqualify one winning ballot; approved at once when no approval is required."""
    if not reason.strip():
        raise ServiceError("A reason is required to request a redraw.")
    pick = Pick.objects.select_related("draw", "ballot").get(pk=pick_id)
    draw = draw_lock(pick.draw_id)
    if not draw_may_be_redrawn(draw):
        raise ServiceError(f"{draw} is not drawn: there is no winner to disqualify.")
    if not pick.is_winning:
        raise ServiceError("Only a ballot that currently wins can be disqualified.")
    if RedrawRequest.objects.filter(pick=pick, status=RedrawStatus.PENDING).exists():
        raise ServiceError("A redraw of this winner is already waiting for approval.", status=409)
    request = RedrawRequest.objects.create(
        draw=pick.draw, pick=pick, reason=reason.strip(), requested_by=actor
    )
    audit_entry_create(
        action=AuditAction.REDRAW_REQUEST,
        actor=actor,
        draw=pick.draw,
        target=str(pick.ballot),
        reason=reason,
    )
    if settings.LOTTERY_REDRAW_APPROVALS == 0:
        return redraw_approve(request_id=request.pk, actor=actor)
    return request


@transaction.atomic
def redraw_approve(*, request_id: int, actor: User, note: str = "") -> RedrawRequest:
    """Disqualify the winner and promote the next unused alternate; never fresh randomness."""
    request = _pending(request_id, actor)
    draw = draw_lock(request.draw_id)
    now = timezone.now()
    pick = request.pick
    Pick.objects.filter(pk=pick.pk).update(disqualified_at=now)
    promoted: list[str] = []
    # Under the share rule a result is several ballots: promote only when none is left.
    result_left = Pick.objects.filter(
        draw=draw, kind=pick.kind, rank=pick.rank, disqualified_at__isnull=True
    ).exists()
    if not result_left:
        next_rank = (
            Pick.objects.filter(draw=draw, kind=PickKind.ALTERNATE, promoted_at__isnull=True)
            .order_by("rank")
            .values_list("rank", flat=True)
            .first()
        )
        if next_rank is not None:
            alternates = Pick.objects.filter(draw=draw, kind=PickKind.ALTERNATE, rank=next_rank)
            promoted = [str(u) for u in alternates.values_list("ballot__uuid", flat=True)]
            alternates.update(promoted_at=now)
    draw_revise(draw=draw, now=now)
    draw.save(update_fields=["revision", "revised_at"])
    request.status = RedrawStatus.APPROVED
    request.decided_by = actor
    request.decided_at = now
    request.decision_note = note
    request.save()
    audit_entry_create(
        action=AuditAction.REDRAW_APPROVE,
        actor=actor,
        draw=draw,
        target=str(pick.ballot),
        reason=request.reason,
        before={"winner": str(pick.ballot)},
        after={"disqualified": str(pick.ballot), "promoted": promoted},
    )
    if promoted:
        jobs.notify_winners(draw.pk)  # after commit: the promoted alternates
    return request


@transaction.atomic
def redraw_refuse(*, request_id: int, actor: User, note: str = "") -> RedrawRequest:
    """Turn a pending redraw request down; the winner stays."""
    request = _pending(request_id, actor)
    request.status = RedrawStatus.REFUSED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save()
    audit_entry_create(
        action=AuditAction.REDRAW_REFUSE,
        actor=actor,
        draw=request.draw,
        target=str(request.pick.ballot),
        reason=note or request.reason,
    )
    return request


def _pending(request_id: int, actor: User) -> RedrawRequest:
    request = (
        RedrawRequest.objects.select_for_update()
        .select_related("pick__ballot", "draw")
        .get(pk=request_id)
    )
    refusal = redraw_decision_refusal(request, actor)
    if refusal:
        status = 409 if request.status != RedrawStatus.PENDING else 403
        raise ServiceError(refusal, status=status)
    return request
