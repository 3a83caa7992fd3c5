"""Players and staff: find them, see what they played and the limits they set themselves,
deactivate them (kills every token)."""

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypedDict

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from unfold.admin import ModelAdmin
from unfold.decorators import action, display
from unfold.enums import ActionVariant

from accounts.forms import UserChangeForm, UserCreationForm
from accounts.http import StaffRequest
from accounts.models import User
from accounts.play_limits import self_exclusion_end
from accounts.services import user_deactivate, user_password_reset_send
from core.admin import (
    ConfirmForm,
    CountedPaginator,
    ReasonForm,
    SafeSearchMixin,
    confirm_action,
    object_or_404,
)
from core.errors import ServiceError
from lottery.models import Ballot

if TYPE_CHECKING:
    from django.contrib.admin.filters import _ListFilterChoices
    from django_stubs_ext import WithAnnotations

PRIVILEGES = ["is_staff", "is_superuser", "groups", "user_permissions"]
RESPONSIBLE_PLAY = (
    "daily_ballot_limit",
    "daily_ballot_limit_next",
    "daily_ballot_limit_next_at",
    "self_excluded_until",
)


class SelfExcludedFilter(admin.SimpleListFilter):
    title = "self-excluded"
    parameter_name = "self_excluded"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [("yes", "Now")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(self_excluded_until__gt=timezone.now())
        return queryset


class BallotsPlayed(TypedDict):
    """What UserAdmin.get_queryset annotates each listed user with."""

    ballots_played: int


class AccountKindFilter(admin.SimpleListFilter):
    """The users list shows players unless asked for staff (or everyone): staff accounts are
    a handful that an operator looks for on purpose, players the thousands they work on."""

    title = "accounts"
    parameter_name = "kind"
    default = "players"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [("players", "Players"), ("staff", "Staff"), ("all", "Everyone")]

    def value(self) -> str:
        value = super().value()
        return value if value in ("players", "staff", "all") else self.default

    def choices(self, changelist: ChangeList) -> "Iterator[_ListFilterChoices]":
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        staff = Q(is_staff=True) | Q(is_superuser=True)
        if self.value() == "players":
            return queryset.exclude(staff)
        if self.value() == "staff":
            return queryset.filter(staff)
        return queryset


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    pass


@admin.register(User)
class UserAdmin(SafeSearchMixin, BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = [
        "email",
        "first_name",
        "last_name",
        "display_ballots",
        "is_active",
        "is_staff",
        "date_joined",
    ]
    list_filter = [AccountKindFilter, "is_active", "is_superuser", SelfExcludedFilter]
    search_fields = ["email", "first_name", "last_name"]
    search_help_text = "Email, first or last name."
    ordering = ["-date_joined"]
    sortable_by = ["email", "date_joined"]
    show_full_result_count = False
    paginator = CountedPaginator
    fieldsets = [
        (None, {"fields": ["email"]}),
        ("Name", {"fields": ["first_name", "last_name"]}),
        ("Access", {"fields": ["is_active", *PRIVILEGES]}),
        ("Dates", {"fields": ["date_joined", "last_login", "tokens_revoked_at", "erased_at"]}),
        ("Responsible play (set by the player)", {"fields": RESPONSIBLE_PLAY}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]
    # "active" changes only through the Deactivate action, which kills tokens and audits.
    readonly_fields = [
        "is_active",
        "date_joined",
        "last_login",
        "tokens_revoked_at",
        "erased_at",
        *RESPONSIBLE_PLAY,  # the player's own decisions: never edited by staff
    ]
    filter_horizontal = ["groups", "user_permissions"]
    actions = ["deactivate_selected"]
    actions_detail = ["password_reset_send", "deactivate", "end_self_exclusion"]

    @display(description="ballots")
    def display_ballots(self, obj: "WithAnnotations[User, BallotsPlayed]") -> int:
        return obj.ballots_played

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        # One correlated COUNT per listed row, inside the page's single query
        # (ballot_player_draw_idx answers it), instead of grouping every ballot.
        played = (
            Ballot.objects.filter(player=OuterRef("pk"))
            .order_by()
            .values("player")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return super().get_queryset(request).annotate(ballots_played=Coalesce(Subquery(played), 0))

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += PRIVILEGES  # only a superuser hands out staff rights
        return fields

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        staff = obj is not None and (obj.is_staff or obj.is_superuser)
        return request.user.is_superuser or not staff

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """No one sets another account's password here: players and staff get a reset email
        (the action below); staff change their own at the admin's "Change password"."""
        raise Http404("Passwords are not set in the admin.")

    def has_deactivate_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return request.user.has_perm("accounts.change_user")

    def has_password_reset_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return request.user.has_perm("accounts.change_user")

    def has_end_self_exclusion_permission(
        self, request: StaffRequest, obj: User | None = None
    ) -> bool:
        return request.user.is_superuser  # not Operators: the service says the same

    @action(description="Deactivate selected players", permissions=["deactivate"])
    def deactivate_selected(self, request: StaffRequest, queryset: QuerySet[User]) -> None:
        done = 0
        for user in queryset.filter(is_active=True):
            try:
                user_deactivate(user=user, actor=request.user)
            except ServiceError as exc:
                messages.error(request, exc.detail)
            else:
                done += 1
        messages.success(request, f"{done} player(s) deactivated; their tokens are dead.")

    @action(
        description="Deactivate",
        url_path="deactivate",
        icon="block",
        permissions=["deactivate"],
        variant=ActionVariant.DANGER,
    )
    def deactivate(self, request: StaffRequest, object_id: str) -> HttpResponse:
        return self._confirm(
            request,
            object_id,
            service=user_deactivate,
            page=lambda user: {
                "success": f"{user.email} is deactivated; every token they held is dead.",
                "title": f"Deactivate {user.email}",
                "submit": "Deactivate",
                "danger": True,
                "description": "The player can no longer sign in and every access and refresh "
                "token they hold stops working at once. Their ballots stay.",
            },
        )

    @action(
        description="Send password reset email",
        url_path="password-reset",
        icon="lock_reset",
        permissions=["password_reset"],
    )
    def password_reset_send(self, request: StaffRequest, object_id: str) -> HttpResponse:
        return self._confirm(
            request,
            object_id,
            service=user_password_reset_send,
            page=lambda user: {
                "success": f"A password reset link is on its way to {user.email}.",
                "title": f"Send {user.email} a password reset email",
                "submit": "Send the email",
                "description": "They get a link that works once and expires; with it they "
                "choose a new password themselves, and every token they hold stops working. "
                "You never see the link. Recorded in the audit log.",
            },
        )

    @action(
        description="End self-exclusion",
        url_path="end-self-exclusion",
        icon="lock_open",
        permissions=["end_self_exclusion"],
        variant=ActionVariant.DANGER,
    )
    def end_self_exclusion(self, request: StaffRequest, object_id: str) -> HttpResponse:
        return self._confirm(
            request,
            object_id,
            service=self_exclusion_end,
            form=ReasonForm,
            page=lambda user: {
                "success": f"{user.email} may play again: their self-exclusion has ended.",
                "title": f"End {user.email}'s self-exclusion early",
                "submit": "End the self-exclusion",
                "danger": True,
                "description": f"{user.email} excluded themself from play until "
                f"{user.self_excluded_until:%Y-%m-%d %H:%M} UTC. Ending it early is for a "
                "documented reason only (e.g. a mistaken exclusion confirmed with the player); "
                "it is recorded in the audit log with your reason."
                if user.self_excluded_until
                else f"{user.email} is not self-excluded.",
            },
        )

    def _confirm(
        self,
        request: StaffRequest,
        object_id: str,
        *,
        service: Callable[..., object],
        page: Callable[[User], dict[str, Any]],
        form: type[forms.Form] = ConfirmForm,
    ) -> HttpResponse:
        """Confirm, then call ``service(user=…, actor=…, **the form's data)`` on the account
        the URL names."""
        user = object_or_404(User.objects.all(), object_id)
        return confirm_action(
            self,
            request,
            obj=user,
            form=form,
            run=lambda data: service(user=user, actor=request.user, **data),
            **page(user),
        )
