"""The audit log: who did what to which draw or account, and why."""

from django.conf import settings
from django.db import models

from lottery.models.draws import Draw


class AuditAction(models.TextChoices):
    CLOSE = "close", "Close"
    DRAW = "draw", "Draw"
    MANUAL_DRAW = "manual_draw", "Manual draw"
    REDRAW_REQUEST = "redraw_request", "Redraw requested"
    REDRAW_APPROVE = "redraw_approve", "Redraw approved"
    REDRAW_REFUSE = "redraw_refuse", "Redraw refused"
    VOID = "void", "Void"
    PLAYER_DEACTIVATE = "player_deactivate", "Player deactivated"
    PASSWORD_RESET_SEND = "password_reset_send", "Password reset email sent"
    PASSWORD_RESET = "password_reset", "Password reset by its owner"
    PASSWORD_CHANGE = "password_change", "Password changed by its owner"
    SELF_EXCLUSION_END = "self_exclusion_end", "Self-exclusion ended early"
    GAME_CHANGE = "game_change", "Game changed"


class AuditEntry(models.Model):
    """Append-only record of who did what, when, why, and what changed."""

    created_at = models.DateTimeField("when", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="who",
    )
    # Who acted when it was no account: the OS user of a command run by hand. Neither = the
    # scheduler.
    actor_label = models.CharField("who (not an account)", max_length=150, blank=True)
    action = models.CharField("what", max_length=32, choices=AuditAction.choices)
    draw = models.ForeignKey(
        Draw, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_entries"
    )
    target = models.CharField("target", max_length=200, blank=True)
    reason = models.TextField("why", blank=True)
    before = models.JSONField("before", default=dict, blank=True)
    after = models.JSONField("after", default=dict, blank=True)

    class Meta:
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["action", "-created_at"], name="audit_action_idx")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.who}"

    @property
    def who(self) -> str:
        if self.actor is not None:
            return self.actor.email
        return self.actor_label or "system (scheduler)"
