import uuid
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from lottery import draws


def default_time_zone() -> str:
    return settings.LOTTERY_TIME_ZONE


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone.")


class TieRule(models.TextChoices):
    FIRST = "first", "First ballot wins"
    SHARE = "share", "Equal ballots share"


class Game(models.Model):
    """A lottery product and its rules."""

    slug = models.SlugField("slug", max_length=40, unique=True)
    name = models.CharField("name", max_length=100)
    numbers_per_ballot = models.PositiveSmallIntegerField("numbers per ballot", default=5)
    min_number = models.PositiveSmallIntegerField("smallest number", default=1)
    max_number = models.PositiveSmallIntegerField("largest number", default=50)
    time_zone = models.CharField(
        "time zone", max_length=64, default=default_time_zone, validators=[validate_time_zone]
    )
    winners_per_draw = models.PositiveSmallIntegerField("winners per draw", default=1)
    tie_rule = models.CharField(
        "tie rule", max_length=8, choices=TieRule.choices, default=TieRule.FIRST
    )
    alternates_per_draw = models.PositiveSmallIntegerField("alternates per draw", default=10)
    max_ballots_per_player = models.PositiveIntegerField(
        "most ballots per player and draw", default=100
    )
    horizon_days = models.PositiveSmallIntegerField("days ahead a ballot may be played", default=30)
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_number__lt=F("max_number")), name="game_number_range"
            ),
            models.CheckConstraint(
                condition=Q(numbers_per_ballot__gte=1)
                & Q(numbers_per_ballot__lte=F("max_number") - F("min_number") + 1),
                name="game_numbers_fit_range",
            ),
            models.CheckConstraint(condition=Q(winners_per_draw__gte=1), name="game_one_winner"),
            models.CheckConstraint(
                condition=Q(max_ballots_per_player__gte=1), name="game_player_limit"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def close_at_for(self, day: date) -> datetime:
        """Midnight at the end of ``day`` in the game's time zone (stored in UTC)."""
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone).astimezone(UTC)

    def today_for(self, now: datetime) -> date:
        """The game's date at the instant ``now``: the day whose draw takes ballots."""
        return now.astimezone(self.zone).date()


class DrawStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    DRAWN = "drawn", "Drawn"
    NO_ENTRIES = "no_entries", "No entries"
    VOID = "void", "Void"


class Draw(models.Model):
    """The one draw of a game on a date; its seed is committed at creation, revealed at the draw."""

    uuid = models.UUIDField("UUID", default=uuid.uuid4, unique=True, editable=False)
    game = models.ForeignKey(Game, on_delete=models.PROTECT, related_name="draws")
    date = models.DateField("draw date")
    status = models.CharField(
        "status", max_length=16, choices=DrawStatus.choices, default=DrawStatus.OPEN
    )
    close_at = models.DateTimeField("closes at")
    seed = models.BinaryField("seed", max_length=32, editable=False)
    commitment = models.CharField("commitment (sha256 of the seed)", max_length=64)
    beacon = models.CharField("beacon", max_length=256, blank=True, default="")
    ballots_count = models.PositiveIntegerField("ballots", null=True, blank=True)
    merkle_root = models.CharField("Merkle root", max_length=64, blank=True, default="")
    material = models.CharField("material", max_length=64, blank=True, default="")
    tie_rule = models.CharField("tie rule", max_length=8, choices=TieRule.choices, blank=True)
    winners_per_draw = models.PositiveSmallIntegerField("winners", null=True, blank=True)
    alternates_per_draw = models.PositiveSmallIntegerField("alternates", null=True, blank=True)
    created_at = models.DateTimeField("created at", auto_now_add=True)
    closed_at = models.DateTimeField("closed at", null=True, blank=True)
    drawn_at = models.DateTimeField("drawn at", null=True, blank=True)
    void_reason = models.TextField("void reason", blank=True)
    # Bumped by every service that changes a published value (close, draw, redraw, void):
    # the HTTP validators (ETag, Last-Modified) of the draw's public reads derive from it.
    revision = models.PositiveIntegerField("published revision", default=0, editable=False)
    revised_at = models.DateTimeField("published values changed at", null=True, blank=True)

    class Meta:
        verbose_name = "draw"
        ordering = ["-date", "game"]
        permissions = [("draw_now", "Can run a draw by hand"), ("void_draw", "Can void a draw")]
        constraints = [
            models.UniqueConstraint(fields=["game", "date"], name="one_draw_per_game_and_date"),
            models.CheckConstraint(
                condition=~Q(status=DrawStatus.VOID) | ~Q(void_reason=""),
                name="void_draw_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "close_at"], name="draw_due_idx"),
            models.Index(fields=["date"], name="draw_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.game.slug} {self.date:%Y-%m-%d}"

    @property
    def is_revealed(self) -> bool:
        return self.status in (DrawStatus.DRAWN, DrawStatus.NO_ENTRIES) or (
            self.status == DrawStatus.VOID and self.drawn_at is not None
        )


class Ballot(models.Model):
    """A player's five numbers for one draw. Immutable once written."""

    uuid = models.UUIDField("UUID", default=uuid.uuid4, unique=True, editable=False)
    player = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ballots"
    )
    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="ballots")
    # Sorted, decimal, "-" joined: exactly the text hashed into the draw's Merkle leaf.
    numbers = models.CharField("numbers", max_length=128)
    created_at = models.DateTimeField("played at", db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # Serial order of a draw (SPEC §2 step 1) and the per-player count.
            models.Index(fields=["draw", "created_at", "uuid"], name="ballot_serial_idx"),
            models.Index(fields=["player", "draw"], name="ballot_player_draw_idx"),
            # A player's list, newest first: the exact order the API pages through.
            models.Index(fields=["player", "-created_at", "-id"], name="ballot_player_recent_idx"),
            # Tie rules look up every ballot of a draw with the picked numbers.
            models.Index(fields=["draw", "numbers"], name="ballot_numbers_idx"),
        ]

    def __str__(self) -> str:
        return str(self.uuid)

    @property
    def numbers_list(self) -> list[int]:
        return draws.numbers_list(self.numbers)


class DrawTree(models.Model):
    """What an audit path needs, stored once per closed draw (lottery.draws, "Audit paths in
    O(log N) reads"): the tree's levels from ``block_bits`` up, concatenated, 32 bytes a node."""

    draw = models.OneToOneField(
        Draw, on_delete=models.CASCADE, primary_key=True, related_name="tree"
    )
    size = models.PositiveIntegerField("leaves")
    block_bits = models.PositiveSmallIntegerField("block size (power of two)")
    upper = models.BinaryField("levels from the block roots up")
    created_at = models.DateTimeField("stored at", auto_now_add=True)

    class Meta:
        verbose_name = "draw proof tree"

    def __str__(self) -> str:
        return f"Proof tree of draw {self.draw_id}"


class DrawTreeBlock(models.Model):
    """The first ballot of each block of 2**block_bits serials: a ballot's block, and so its
    serial, is one indexed lookup by its (created_at, uuid)."""

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField("block")
    created_at = models.DateTimeField("first ballot played at")
    ballot_uuid = models.UUIDField("first ballot")

    class Meta:
        verbose_name = "draw proof block"
        constraints = [
            models.UniqueConstraint(fields=["draw", "number"], name="one_block_per_number"),
        ]
        indexes = [
            models.Index(fields=["draw", "created_at", "ballot_uuid"], name="tree_block_key_idx")
        ]

    def __str__(self) -> str:
        return f"Block {self.number} of draw {self.draw_id}"


class PickKind(models.TextChoices):
    WINNER = "winner", "Winner"
    ALTERNATE = "alternate", "Alternate"


class Pick(models.Model):
    """A ballot the draw chose, as a winner or an alternate, in the order it was chosen."""

    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="picks")
    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="picks")
    kind = models.CharField("kind", max_length=10, choices=PickKind.choices)
    rank = models.PositiveSmallIntegerField("rank")
    serial = models.PositiveIntegerField("serial")
    disqualified_at = models.DateTimeField("disqualified at", null=True, blank=True)
    promoted_at = models.DateTimeField("promoted at", null=True, blank=True)
    notified_at = models.DateTimeField("winner notified at", null=True, blank=True)

    class Meta:
        ordering = ["draw", "kind", "rank", "serial"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "ballot"], name="one_pick_per_ballot"),
        ]
        indexes = [models.Index(fields=["ballot"], name="pick_ballot_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.rank} of {self.draw}"

    @property
    def is_winning(self) -> bool:
        """Wins now: an undisqualified winner, or an alternate promoted by a redraw."""
        if self.disqualified_at is not None:
            return False
        return self.kind == PickKind.WINNER or self.promoted_at is not None


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
