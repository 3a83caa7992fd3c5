"""Ballots: read-only, and fast at millions of rows (no COUNT, no query per row)."""

import uuid
from typing import TYPE_CHECKING, TypedDict, cast

from django.contrib import admin
from django.contrib.admin import ShowFacets
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import AutocompleteSelectFilter
from unfold.decorators import display

from accounts.models import User
from core.admin import (
    InfinitePaginator,
    ReadOnlyMixin,
    SafeSearchMixin,
    change_url,
    clean_search_term,
    link,
)
from lottery.admin.filters import DrawDateFilter, GameFilter, WinnerFilter
from lottery.models import Ballot, DrawStatus, Pick, PickKind
from lottery.selectors.ballots import winning_picks

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class Won(TypedDict):
    """What BallotAdmin.get_queryset annotates each listed ballot with."""

    won: bool


# The winner column: a neutral "pending" until the ballot's draw is drawn.
WINNER_LABELS = {"winner": "success", "pending": "info", "no": ""}


@admin.register(Ballot)
class BallotAdmin(ReadOnlyMixin, SafeSearchMixin, ModelAdmin):
    list_display = [
        "display_short_id",
        "display_numbers",
        "display_draw",
        "player",
        "created_at",
        "display_won",
    ]
    list_select_related = ["draw__game", "player"]
    list_filter = [
        ("draw__date", DrawDateFilter),
        GameFilter,
        WinnerFilter,
        ("player", AutocompleteSelectFilter),
    ]
    list_filter_submit = True
    # Overridden by get_search_results: an exact UUID, an email, or an email prefix.
    search_fields = ["uuid", "player__email"]
    search_help_text = "A ballot UUID, a player's email, or the start of one."
    # No COUNT(*) over millions of rows: the infinite paginator only asks for the page.
    paginator = InfinitePaginator
    show_full_result_count = False
    show_facets = ShowFacets.NEVER
    list_per_page = 50
    # (created_at, uuid) is a total order served by the created_at and serial indexes.
    ordering = ["-created_at", "-uuid"]
    sortable_by = ["created_at"]
    fields = [
        "uuid",
        "numbers",
        "draw",
        "player",
        "created_at",
        "display_serial",
        "display_result",
    ]
    readonly_fields = cast(list[str], fields)  # flat names above, no grouped tuples

    @display(description="ballot", ordering="created_at")
    def display_short_id(self, obj: Ballot) -> str:
        """The uuid's first 8 characters (the full one is on the ballot's page and searchable);
        as the first column the admin links it to the ballot."""
        return str(obj.uuid)[:8]

    @display(description="numbers")
    def display_numbers(self, obj: Ballot) -> str:
        return obj.numbers.replace("-", " ")

    @display(description="draw")
    def display_draw(self, obj: Ballot) -> str:
        return link(change_url(obj.draw), obj.draw)

    @display(description="winner", label=WINNER_LABELS)
    def display_won(self, obj: "WithAnnotations[Ballot, Won]") -> str:
        if obj.draw.status != DrawStatus.DRAWN:
            return "pending"
        return "winner" if obj.won else "no"

    @display(description="serial")
    def display_serial(self, obj: Ballot) -> str:
        if obj.draw.ballots_count is None:
            return "fixed when the draw closes"
        before = Ballot.objects.filter(draw_id=obj.draw_id, created_at__lt=obj.created_at).count()
        ties = Ballot.objects.filter(
            draw_id=obj.draw_id, created_at=obj.created_at, uuid__lt=obj.uuid
        ).count()
        return f"{before + ties + 1} of {obj.draw.ballots_count}"

    @display(description="result")
    def display_result(self, obj: Ballot) -> str:
        picks = list(Pick.objects.filter(ballot=obj))
        if not picks:
            return "not picked"
        pick = picks[0]
        role = "winner" if pick.kind == PickKind.WINNER else "alternate"
        notes = []
        if pick.disqualified_at:
            notes.append(f"disqualified {pick.disqualified_at:%Y-%m-%d %H:%M:%S}")
        if pick.promoted_at:
            notes.append(f"promoted {pick.promoted_at:%Y-%m-%d %H:%M:%S}")
        state = "wins" if pick.is_winning else "does not win"
        return f"{role} #{pick.rank} ({state}{', ' if notes else ''}{', '.join(notes)})"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ballot]:
        return (
            super()
            .get_queryset(request)
            .annotate(won=Exists(winning_picks().filter(ballot=OuterRef("pk"))))
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        """One indexed lookup per kind of term, never an OR across the ballot-user join."""
        term = clean_search_term(search_term)
        if term is None:
            return queryset.none(), False
        if not term:
            return queryset, False
        try:
            return queryset.filter(uuid=uuid.UUID(term)), False
        except ValueError:
            pass
        email = term.lower()
        if "@" in email:
            players = User.objects.filter(email=email)
        else:
            players = User.objects.filter(email__startswith=email)
        return queryset.filter(player_id__in=players.values("pk")), False
