"""The two-person redraw's requests."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from lottery.models.ballots import Pick
from lottery.models.draws import Draw


class RedrawStatus(models.TextChoices):
    PENDING = "pending", "Pending approval"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class RedrawRequest(models.Model):
    """A request to disqualify one winner, approved by a second staff member."""

    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="redraw_requests")
    pick = models.ForeignKey(Pick, on_delete=models.PROTECT, related_name="redraw_requests")
    reason = models.TextField("reason")
    status = models.CharField(
        "status", max_length=10, choices=RedrawStatus.choices, default=RedrawStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("requested at", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField("decided at", null=True, blank=True)
    decision_note = models.TextField("decision note", blank=True)

    class Meta:
        ordering = ["-requested_at"]
        permissions = [
            ("request_redraw", "Can request a redraw"),
            ("approve_redraw", "Can approve or refuse a redraw"),
        ]
        constraints = [
            # At most one pending request per winner.
            models.UniqueConstraint(
                fields=["pick"],
                condition=Q(status=RedrawStatus.PENDING),
                name="one_pending_redraw_per_pick",
            ),
        ]
        indexes = [models.Index(fields=["status"], name="redraw_status_idx")]

    def __str__(self) -> str:
        return f"Redraw of {self.pick} ({self.get_status_display()})"
