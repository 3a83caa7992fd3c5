"""The API's list filters, declared once: the query schemas ninja validates and documents
are derived from these FilterSets (core.filters.query_schema)."""

import django_filters
from django.db.models import QuerySet

from lottery.models import Ballot, Draw, DrawStatus
from lottery.selectors.ballots import winning_picks


class BallotFilter(django_filters.FilterSet):
    from_date = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label="Played at or after (ISO datetime)."
    )
    to_date = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lte", label="Played at or before (ISO datetime)."
    )
    game_date = django_filters.DateFilter(field_name="draw__date", label="Draw date.")
    game = django_filters.CharFilter(field_name="draw__game__slug", label="Game slug.")
    won = django_filters.BooleanFilter(
        method="filter_won",
        label="true: the ballots that win now; false: those of drawn draws that do not.",
    )

    class Meta:
        model = Ballot
        fields = ["from_date", "to_date", "game_date", "game", "won"]

    def filter_won(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        drawn = queryset.filter(draw__status=DrawStatus.DRAWN)
        winning = winning_picks().values("ballot_id")
        return drawn.filter(id__in=winning) if value else drawn.exclude(id__in=winning)


class WinningDrawFilter(django_filters.FilterSet):
    from_date = django_filters.IsoDateTimeFilter(
        field_name="drawn_at", lookup_expr="gte", label="Drawn at or after (ISO datetime)."
    )
    to_date = django_filters.IsoDateTimeFilter(
        field_name="drawn_at", lookup_expr="lte", label="Drawn at or before (ISO datetime)."
    )
    game = django_filters.CharFilter(field_name="game__slug")

    class Meta:
        model = Draw
        fields = ["from_date", "to_date", "game"]


class DrawFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=DrawStatus.choices, label="Only draws in this status."
    )
    game = django_filters.CharFilter(field_name="game__slug", label="Game slug.")
    from_ = django_filters.DateFilter(
        field_name="date", lookup_expr="gte", label="Draw date on or after."
    )
    to = django_filters.DateFilter(
        field_name="date", lookup_expr="lte", label="Draw date on or before."
    )

    class Meta:
        model = Draw
        fields = ["status", "game", "from_", "to"]
        types = {"status": DrawStatus}
