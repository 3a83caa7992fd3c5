"""django-filter FilterSets behind the API's list filters (and reusable by the admin)."""

import django_filters

from lottery.models import Ballot, Draw


class BallotFilter(django_filters.FilterSet):
    from_date = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    to_date = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")
    game_date = django_filters.DateFilter(field_name="draw__date")

    class Meta:
        model = Ballot
        fields = ["from_date", "to_date", "game_date"]


class WinningDrawFilter(django_filters.FilterSet):
    from_date = django_filters.IsoDateTimeFilter(field_name="drawn_at", lookup_expr="gte")
    to_date = django_filters.IsoDateTimeFilter(field_name="drawn_at", lookup_expr="lte")
    game = django_filters.CharFilter(field_name="game__slug")

    class Meta:
        model = Draw
        fields = ["from_date", "to_date", "game"]
