"""Ballots, and the picks a draw makes among them."""

import uuid

from django.conf import settings
from django.db import models

from lottery import draws
from lottery.models.draws import Draw


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
    # The server chose the numbers (quick pick); they are hashed like any others.
    quick_pick = models.BooleanField("quick pick", default=False, db_default=False)

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


class BallotTally(models.Model):
    """How many ballots a player has in a draw, kept by the play path in the transaction that
    writes them. The per-draw limit is checked against this one row, found by its unique key,
    instead of counting the player's ballots among the draw's: a count whose plan depends on
    the table's statistics, which lag behind a new day's draw (issue 13)."""

    player = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="+")
    ballots = models.PositiveIntegerField("ballots")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["player", "draw"], name="ballot_tally_player_draw")
        ]

    def __str__(self) -> str:
        return f"{self.ballots} ballot(s) of {self.player_id} in {self.draw_id}"


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
