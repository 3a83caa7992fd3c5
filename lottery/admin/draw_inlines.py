"""Inlines of a draw's page: its winners and alternates, and the redraws asked for."""

from django.db.models import QuerySet
from django.http import HttpRequest
from unfold.admin import TabularInline
from unfold.decorators import display

from core.admin import (
    ReadOnlyMixin,
    change_url,
    link,
)
from lottery.models import Pick, RedrawRequest


class PickInline(ReadOnlyMixin, TabularInline):
    model = Pick
    verbose_name = "winner or alternate"
    verbose_name_plural = "winners and alternates"
    fields = [
        "kind",
        "rank",
        "serial",
        "display_ballot",
        "display_numbers",
        "display_player",
        "disqualified_at",
        "promoted_at",
        "display_wins",
    ]
    readonly_fields = fields
    ordering = ["-kind", "rank", "serial"]  # winners first
    hide_title = True
    extra = 0
    can_delete = False

    @display(description="ballot")
    def display_ballot(self, obj: Pick) -> str:
        return link(change_url(obj.ballot), obj.ballot.uuid)

    @display(description="numbers")
    def display_numbers(self, obj: Pick) -> str:
        return obj.ballot.numbers.replace("-", " ")

    @display(description="player")
    def display_player(self, obj: Pick) -> str:
        return obj.ballot.player.email

    @display(description="wins now", boolean=True)
    def display_wins(self, obj: Pick) -> bool:
        return obj.is_winning

    def get_queryset(self, request: HttpRequest) -> QuerySet[Pick]:
        return super().get_queryset(request).select_related("ballot__player")


class RedrawRequestInline(ReadOnlyMixin, TabularInline):
    model = RedrawRequest
    fields = [
        "display_request",
        "status",
        "display_winner",
        "reason",
        "requested_by",
        "requested_at",
        "decided_by",
        "decision_note",
    ]
    readonly_fields = fields
    hide_title = True
    extra = 0
    can_delete = False

    @display(description="request")
    def display_request(self, obj: RedrawRequest) -> str:
        return link(change_url(obj), f"#{obj.pk}")

    @display(description="winner")
    def display_winner(self, obj: RedrawRequest) -> str:
        return f"#{obj.pick.rank} {obj.pick.ballot.numbers} ({obj.pick.ballot.uuid})"

    def get_queryset(self, request: HttpRequest) -> QuerySet[RedrawRequest]:
        return (
            super()
            .get_queryset(request)
            .select_related("pick__ballot", "requested_by", "decided_by")
        )
