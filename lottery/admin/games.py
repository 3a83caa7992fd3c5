"""Games: the lottery products and their rules (draws copy the rules when they close)."""

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from unfold.admin import ModelAdmin
from unfold.decorators import display

from accounts.http import StaffRequest
from core.admin import CountedPaginator, SafeSearchMixin
from lottery.audit import audit_entry_create
from lottery.models import AuditAction, Game


@admin.register(Game)
class GameAdmin(SafeSearchMixin, ModelAdmin):
    list_display = [
        "slug",
        "name",
        "display_numbers",
        "winners_per_draw",
        "alternates_per_draw",
        "tie_rule",
        "time_zone",
        "is_active",
    ]
    list_filter = ["is_active"]
    paginator = CountedPaginator
    search_fields = ["slug", "name"]
    fieldsets = [
        (None, {"fields": ["slug", "name", "time_zone", "is_active"]}),
        (
            "Ballots",
            {
                "fields": [
                    "numbers_per_ballot",
                    "min_number",
                    "max_number",
                    "max_ballots_per_player",
                    "horizon_days",
                ]
            },
        ),
        ("Draw", {"fields": ["winners_per_draw", "alternates_per_draw", "tie_rule"]}),
    ]

    @display(description="numbers")
    def display_numbers(self, obj: Game) -> str:
        return f"{obj.numbers_per_ballot} of {obj.min_number}..{obj.max_number}"

    def get_readonly_fields(self, request: HttpRequest, obj: Game | None = None) -> list[str]:
        # Draws and the public API name a game by its slug: it never changes once created.
        return ["slug"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Game | None = None) -> bool:
        return False  # draws keep their game; deactivate it instead

    def save_model(  # type: ignore[override]  # admin requests are staff's (StaffRequest)
        self, request: StaffRequest, obj: Game, form: forms.ModelForm, change: bool
    ) -> None:
        """Save and audit the fields that changed, before and after (the admin's change view
        runs in one transaction, so the entry and the change commit together)."""
        changed = form.changed_data
        super().save_model(request, obj, form, change)
        if changed:
            audit_entry_create(
                action=AuditAction.GAME_CHANGE,
                actor=request.user,
                target=obj.slug,
                before={name: form.initial.get(name) for name in changed} if change else {},
                after={name: form.cleaned_data[name] for name in changed},
            )
