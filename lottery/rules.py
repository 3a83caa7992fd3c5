"""Which action applies to which draw or redraw request: one predicate each, asked by the
services (under the row lock, before they act) and by the admin (to offer only the buttons
that would work)."""

from datetime import datetime

from django.conf import settings

from accounts.models import User
from lottery.models import Draw, DrawStatus, RedrawRequest, RedrawStatus


def draw_may_be_drawn(draw: Draw, now: datetime) -> bool:
    """Closed, or open past its close time (drawing closes it first)."""
    return draw.status == DrawStatus.CLOSED or (
        draw.status == DrawStatus.OPEN and draw.close_at <= now
    )


def draw_may_be_voided(draw: Draw) -> bool:
    """Anything not drawn yet; a drawn draw is corrected by a redraw, never voided."""
    return draw.status not in (DrawStatus.DRAWN, DrawStatus.VOID)


def draw_may_be_redrawn(draw: Draw) -> bool:
    return draw.status == DrawStatus.DRAWN


def draw_ballots_published(draw: Draw) -> bool:
    """Closed or later: its ballots are fixed and public (leaves, proofs, the CSV export)."""
    return draw.ballots_count is not None


def redraw_decision_refusal(request: RedrawRequest, actor: User) -> str | None:
    """Why ``actor`` may not approve or refuse ``request``, or None when they may: only a
    pending request, and (when approvals are required) not by the staff member who asked."""
    if request.status != RedrawStatus.PENDING:
        return f"This redraw request is already {request.get_status_display().lower()}."
    if settings.LOTTERY_REDRAW_APPROVALS > 0 and request.requested_by_id == actor.pk:
        return "A redraw must be approved by a different staff member."
    return None
