"""A game's draw of one day, and its stored proof tree."""

import uuid

from django.db import models
from django.db.models import Q

from lottery.models.games import Game, TieRule


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
