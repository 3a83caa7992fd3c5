"""Players and staff: find them, see what they played, deactivate them (kills every token)."""

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from unfold import forms as unfold_forms
from unfold.admin import ModelAdmin
from unfold.decorators import action, display
from unfold.enums import ActionVariant

from accounts.models import User
from accounts.services import user_deactivate
from backoffice.errors import ServiceError
from lottery.admin.base import (
    SafeSearchMixin,
    confirm_action,
    object_or_404,
)
from lottery.forms import ConfirmForm
from lottery.models import AuditAction, Ballot
from lottery.services import audit

PRIVILEGES = ["is_staff", "is_superuser", "groups", "user_permissions"]


class UserCreationForm(unfold_forms.UserCreationForm):
    class Meta(unfold_forms.UserCreationForm.Meta):
        model = User
        fields = ("email",)
        field_classes: dict = {}

    def clean_email(self) -> str:
        return User.objects.normalize_email(self.cleaned_data["email"]).lower()


class UserChangeForm(unfold_forms.UserChangeForm):
    class Meta(unfold_forms.UserChangeForm.Meta):
        model = User
        fields = "__all__"
        field_classes: dict = {}


def _deactivate(*, actor: User, user: User) -> None:
    """Deactivate one account and record who did it; staff accounts need a superuser."""
    if user.pk == actor.pk:
        raise ServiceError("You cannot deactivate your own account.")
    if (user.is_staff or user.is_superuser) and not actor.is_superuser:
        raise ServiceError(f"Only a superuser can deactivate the staff account {user.email}.")
    with transaction.atomic():
        user_deactivate(user=user)
        audit(action=AuditAction.PLAYER_DEACTIVATE, actor=actor, target=user.email)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    pass


@admin.register(User)
class UserAdmin(SafeSearchMixin, BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = unfold_forms.AdminPasswordChangeForm
    list_display = [
        "email",
        "first_name",
        "last_name",
        "display_ballots",
        "is_active",
        "is_staff",
        "date_joined",
    ]
    list_filter = ["is_staff", "is_active", "is_superuser"]
    search_fields = ["email", "first_name", "last_name"]
    search_help_text = "Email, first or last name."
    ordering = ["-date_joined"]
    sortable_by = ["email", "date_joined"]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Name", {"fields": ["first_name", "last_name"]}),
        ("Access", {"fields": ["is_active", *PRIVILEGES]}),
        ("Dates", {"fields": ["date_joined", "last_login", "tokens_revoked_at", "erased_at"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]
    readonly_fields = ["date_joined", "last_login", "tokens_revoked_at", "erased_at"]
    filter_horizontal = ["groups", "user_permissions"]
    actions = ["deactivate_selected"]
    actions_detail = ["deactivate"]

    @display(description="ballots")
    def display_ballots(self, obj: User) -> int:
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

    def has_deactivate_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm("accounts.change_user")

    @action(description="Deactivate selected players", permissions=["deactivate"])
    def deactivate_selected(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        done = 0
        for user in queryset.filter(is_active=True):
            try:
                _deactivate(actor=request.user, user=user)
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
    def deactivate(self, request: HttpRequest, object_id: str) -> HttpResponse:
        user = object_or_404(User.objects.all(), object_id)
        return confirm_action(
            self,
            request,
            obj=user,
            form=ConfirmForm,
            run=lambda data: _deactivate(actor=request.user, user=user),
            success=f"{user.email} is deactivated; every token they held is dead.",
            title=f"Deactivate {user.email}",
            submit="Deactivate",
            danger=True,
            description="The player can no longer sign in and every access and refresh token "
            "they hold stops working at once. Their ballots stay.",
        )
