"""The audit log: append-only, read-only for everyone, filterable by who, what and when."""

from typing import cast

from django.contrib import admin
from django.contrib.admin import ShowFacets
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import AutocompleteSelectFilter, ChoicesDropdownFilter
from unfold.decorators import display

from core.admin import (
    CountedPaginator,
    ReadOnlyMixin,
    SafeSearchMixin,
    change_url,
    link,
)
from lottery.admin.filters import DayRangeFilter
from lottery.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyMixin, SafeSearchMixin, ModelAdmin):
    list_display = [
        "created_at",
        "action",
        "display_actor",
        "display_draw",
        "target",
        "display_reason",
    ]
    list_filter = [
        ("actor", AutocompleteSelectFilter),
        ("action", ChoicesDropdownFilter),
        ("created_at", DayRangeFilter),
    ]
    list_filter_submit = True
    list_select_related = ["actor", "draw__game"]
    search_fields = ["target", "reason"]
    paginator = CountedPaginator
    show_facets = ShowFacets.NEVER
    sortable_by = ["created_at"]
    fields = [
        "created_at",
        "action",
        "actor",
        "actor_label",
        "display_draw",
        "target",
        "reason",
        "before",
        "after",
    ]
    readonly_fields = cast(list[str], fields)  # flat names above, no grouped tuples

    @display(description="who")
    def display_actor(self, obj: AuditEntry) -> str:
        return obj.who

    @display(description="draw")
    def display_draw(self, obj: AuditEntry) -> str:
        if obj.draw is None:
            return "-"
        return link(change_url(obj.draw), obj.draw)

    @display(description="why")
    def display_reason(self, obj: AuditEntry) -> str:
        return obj.reason if len(obj.reason) <= 80 else f"{obj.reason[:79]}…"
