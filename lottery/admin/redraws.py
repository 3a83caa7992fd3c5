"""Redraw requests: read-only records, approved or refused by a second staff member."""

from typing import cast

from django.contrib import admin
from django.contrib.admin import ShowFacets
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RelatedDropdownFilter
from unfold.decorators import action, display
from unfold.enums import ActionVariant

from accounts.http import StaffRequest
from core.admin import (
    CountedPaginator,
    ReadOnlyMixin,
    SafeSearchMixin,
    change_url,
    confirm_action,
    link,
    object_or_404,
    object_or_none,
)
from lottery.forms import DecisionForm
from lottery.models import RedrawRequest, RedrawStatus
from lottery.rules import redraw_decision_refusal
from lottery.services.redraws import redraw_approve, redraw_refuse

STATUS_LABELS = {
    RedrawStatus.PENDING: "warning",
    RedrawStatus.APPROVED: "success",
    RedrawStatus.REFUSED: "danger",
}


@admin.register(RedrawRequest)
# Requests are made from the draw's page and decided by the actions below.
class RedrawRequestAdmin(ReadOnlyMixin, SafeSearchMixin, ModelAdmin):
    list_display = [
        "id",
        "display_draw",
        "display_winner",
        "display_status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
    ]
    list_filter = [("status", ChoicesDropdownFilter), ("draw__game", RelatedDropdownFilter)]
    list_filter_submit = True
    list_select_related = ["draw__game", "pick__ballot", "requested_by", "decided_by"]
    show_facets = ShowFacets.NEVER
    paginator = CountedPaginator
    sortable_by = ["id", "requested_at", "decided_at"]
    fields = [
        "display_draw",
        "display_winner",
        "reason",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "decision_note",
    ]
    readonly_fields = cast(list[str], fields)  # flat names above, no grouped tuples
    actions_detail = ["redraw_approve", "redraw_refuse"]

    @display(description="draw")
    def display_draw(self, obj: RedrawRequest) -> str:
        return link(change_url(obj.draw), obj.draw)

    @display(description="winner to disqualify")
    def display_winner(self, obj: RedrawRequest) -> str:
        ballot = obj.pick.ballot
        return format_html("#{} {}", obj.pick.rank, link(change_url(ballot), ballot.numbers))

    @display(description="status", label=STATUS_LABELS)
    def display_status(self, obj: RedrawRequest) -> tuple[str, str]:
        return obj.status, obj.get_status_display()

    def get_queryset(self, request: HttpRequest) -> QuerySet[RedrawRequest]:
        return (
            super()
            .get_queryset(request)
            .select_related(
                "draw__game", "pick__ballot", "pick__draw__game", "requested_by", "decided_by"
            )
        )

    def get_actions_detail(self, request: StaffRequest, object_id: str) -> list:
        """Offer a decision only on a pending request, and not to its own requester."""
        actions = super().get_actions_detail(request, object_id)
        redraw = object_or_none(RedrawRequest.objects.all(), object_id)
        if redraw is None or redraw_decision_refusal(redraw, request.user):
            return []
        return actions

    def has_approve_redraw_permission(
        self, request: HttpRequest, obj: RedrawRequest | None = None
    ) -> bool:
        return request.user.has_perm("lottery.approve_redraw")

    def _redraw(self, object_id: str) -> RedrawRequest:
        related = RedrawRequest.objects.select_related("draw__game", "pick__ballot")
        return object_or_404(related, object_id)

    @action(
        description="Approve",
        url_path="approve",
        icon="check_circle",
        permissions=["approve_redraw"],
        variant=ActionVariant.SUCCESS,
    )
    def redraw_approve(self, request: StaffRequest, object_id: str) -> HttpResponse:
        redraw = self._redraw(object_id)
        return confirm_action(
            self,
            request,
            obj=redraw,
            form=DecisionForm,
            run=lambda data: redraw_approve(
                request_id=redraw.pk, actor=request.user, note=data["note"]
            ),
            success="Redraw approved: the winner is disqualified and the next alternate promoted.",
            title=f"Approve redraw #{redraw.pk}",
            submit="Approve redraw",
            description=f"Disqualify ballot {redraw.pick.ballot.uuid} of {redraw.draw} "
            f"(reason given: {redraw.reason}) and promote the next unused alternate.",
        )

    @action(
        description="Refuse",
        url_path="refuse",
        icon="cancel",
        permissions=["approve_redraw"],
        variant=ActionVariant.DANGER,
    )
    def redraw_refuse(self, request: StaffRequest, object_id: str) -> HttpResponse:
        redraw = self._redraw(object_id)
        return confirm_action(
            self,
            request,
            obj=redraw,
            form=DecisionForm,
            form_kwargs={"note_required": True},
            run=lambda data: redraw_refuse(
                request_id=redraw.pk, actor=request.user, note=data["note"]
            ),
            success="Redraw refused: the winner stays.",
            title=f"Refuse redraw #{redraw.pk}",
            submit="Refuse redraw",
            danger=True,
            description=f"Keep ballot {redraw.pick.ballot.uuid} as a winner of {redraw.draw}.",
        )
