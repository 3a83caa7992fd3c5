"""Draws ("winning ballots"): what was committed and drawn, and the staff actions on a draw."""

from collections.abc import Callable
from datetime import datetime
from typing import cast

from django.conf import settings
from django.contrib import admin
from django.contrib.admin import ShowFacets
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import (
    ChoicesDropdownFilter,
    RangeDateFilter,
    RelatedDropdownFilter,
)
from unfold.decorators import action, display
from unfold.enums import ActionVariant

from accounts.http import StaffRequest
from core.admin import (
    LINK_CLASSES,
    ConfirmForm,
    CountedPaginator,
    ReadOnlyMixin,
    SafeSearchMixin,
    change_url,
    confirm_action,
    link,
    object_or_404,
    object_or_none,
)
from lottery import rules
from lottery.admin.draw_inlines import PickInline, RedrawRequestInline
from lottery.admin.export import draw_csv_response
from lottery.forms import ReasonForm, RedrawRequestForm
from lottery.models import Ballot, Draw, DrawStatus, RedrawStatus
from lottery.selectors.ballots import winning_picks
from lottery.services.draws import draw_now, draw_void
from lottery.services.redraws import redraw_request

STATUS_LABELS = {
    DrawStatus.OPEN: "info",
    DrawStatus.CLOSED: "warning",
    DrawStatus.DRAWN: "success",
    DrawStatus.NO_ENTRIES: "warning",
    DrawStatus.VOID: "danger",
}

# When each action applies (lottery.rules); the services ask the same under the row lock.
APPLIES: dict[str, Callable[[Draw, datetime], bool]] = {
    "draw_now": rules.draw_may_be_drawn,
    "redraw_request": lambda draw, now: rules.draw_may_be_redrawn(draw),
    "draw_void": lambda draw, now: rules.draw_may_be_voided(draw),
    "export_csv": lambda draw, now: rules.draw_ballots_published(draw),
}


@admin.register(Draw)
# Draws are created by the first ballot or the scheduler, and change only through the
# actions below.
class DrawAdmin(ReadOnlyMixin, SafeSearchMixin, ModelAdmin):
    list_display = [
        "date",
        "game",
        "display_status",
        "ballots_count",
        "display_winners",
        "close_at",
        "drawn_at",
    ]
    list_display_links = ["date"]
    list_filter = [
        ("date", RangeDateFilter),
        ("game", RelatedDropdownFilter),
        ("status", ChoicesDropdownFilter),
    ]
    list_filter_submit = True
    list_select_related = ["game"]
    list_per_page = 50
    paginator = CountedPaginator
    show_facets = ShowFacets.NEVER
    sortable_by = ["date", "close_at", "drawn_at"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "game",
                    "date",
                    "status",
                    "close_at",
                    "display_ballots",
                    "void_reason",
                ]
            },
        ),
        (
            "Verification",
            {
                "fields": [
                    "display_verification",
                    "commitment",
                    "merkle_root",
                    "display_seed",
                    "beacon",
                    "material",
                    "tie_rule",
                    "winners_per_draw",
                    "alternates_per_draw",
                ]
            },
        ),
        ("Timeline", {"fields": ["created_at", "closed_at", "drawn_at"]}),
    ]
    # The fieldsets above are flat lists of names (no grouped tuples).
    readonly_fields = [f for _, opts in fieldsets for f in cast(list[str], opts["fields"])]
    inlines = [PickInline, RedrawRequestInline]
    actions_detail = ["draw_now", "redraw_request", "draw_void", "export_csv"]

    @display(description="status", label=STATUS_LABELS)
    def display_status(self, obj: Draw) -> tuple[str, str]:
        return obj.status, obj.get_status_display()

    @display(description="winners")
    def display_winners(self, obj: Draw) -> str:
        winning = getattr(obj, "winning", [])
        if not winning:
            return "-"
        return format_html_join(
            ", ",
            '<a class="{}" href="{}">{}</a>',
            ((LINK_CLASSES, change_url(pick.ballot), pick.ballot.numbers) for pick in winning),
        )

    @display(description="ballots")
    def display_ballots(self, obj: Draw) -> str:
        """Fixed at close; while open, counted live (one COUNT on the ballot_draw index)."""
        if obj.ballots_count is not None:
            return str(obj.ballots_count)
        return f"{Ballot.objects.filter(draw_id=obj.pk).count()} so far (counted live)"

    @display(description="seed")
    def display_seed(self, obj: Draw) -> str:
        return bytes(obj.seed).hex() if obj.is_revealed else "secret until the draw"

    @display(description="public verification data")
    def display_verification(self, obj: Draw) -> str:
        args = {"game": obj.game.slug, "day": obj.date.isoformat()}
        return format_html(
            "{} · {} · check it with <code>python -m lottery.verify {} {} {}</code>",
            link(reverse("api-v1:draw_detail", kwargs=args), "draw JSON"),
            link(reverse("api-v1:draw_leaves", kwargs=args), "leaves"),
            getattr(obj, "site_url", settings.SITE_URL),
            obj.game.slug,
            args["day"],
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Draw]:
        winning = winning_picks().select_related("ballot").order_by("kind", "rank")
        return (
            super()
            .get_queryset(request)
            .select_related("game")
            .prefetch_related(Prefetch("picks", queryset=winning, to_attr="winning"))
        )

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        """The draw, with the base URL its verify hint names: SITE_URL when set, else this
        request's own address (what the staff member typed to get here)."""
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            base = settings.SITE_URL if settings.SITE_URL_SET else request.build_absolute_uri("/")
            obj.site_url = base.rstrip("/")
        return obj

    def get_actions_detail(self, request: HttpRequest, object_id: str) -> list:
        """Offer only the actions that apply to the draw's current status."""
        actions = super().get_actions_detail(request, object_id)
        draw = object_or_none(Draw.objects.all(), object_id)
        if draw is None:
            return []
        now = timezone.now()
        prefix = f"{self.opts.app_label}_{self.opts.model_name}_"
        return [a for a in actions if APPLIES[a.action_name.removeprefix(prefix)](draw, now)]

    def has_draw_now_permission(self, request: HttpRequest, obj: Draw | None = None) -> bool:
        return request.user.has_perm("lottery.draw_now")

    def has_request_redraw_permission(self, request: HttpRequest, obj: Draw | None = None) -> bool:
        return request.user.has_perm("lottery.request_redraw")

    def has_void_draw_permission(self, request: HttpRequest, obj: Draw | None = None) -> bool:
        return request.user.has_perm("lottery.void_draw")

    def _draw(self, object_id: str) -> Draw:
        return object_or_404(Draw.objects.select_related("game"), object_id)

    @action(
        description="Draw now",
        url_path="draw-now",
        icon="casino",
        permissions=["draw_now"],
        variant=ActionVariant.PRIMARY,
    )
    def draw_now(self, request: StaffRequest, object_id: str) -> HttpResponse:
        draw = self._draw(object_id)
        return confirm_action(
            self,
            request,
            obj=draw,
            form=ConfirmForm,
            run=lambda data: draw_now(draw_id=draw.pk, actor=request.user),
            success=lambda done: f"{done} is {done.get_status_display().lower()}.",
            title=f"Draw {draw} now",
            submit="Draw now",
            description="Close the draw if it is due, fix its ballots and Merkle root, and draw "
            "the winners from the seed committed at creation. Recorded in the audit log.",
        )

    @action(
        description="Request redraw",
        url_path="redraw-request",
        icon="published_with_changes",
        permissions=["request_redraw"],
    )
    def redraw_request(self, request: StaffRequest, object_id: str) -> HttpResponse:
        draw = self._draw(object_id)
        return confirm_action(
            self,
            request,
            obj=draw,
            form=RedrawRequestForm,
            form_kwargs={"draw": draw},
            run=lambda data: redraw_request(
                pick_id=data["pick"].pk, actor=request.user, reason=data["reason"]
            ),
            success=lambda done: (
                "Redraw approved: the next alternate wins."
                if done.status == RedrawStatus.APPROVED
                else "Redraw requested: another staff member must approve it."
            ),
            title=f"Request a redraw of {draw}",
            submit="Request redraw",
            description="Disqualify one winner; on approval the next unused alternate is "
            "promoted. No new randomness is used.",
        )

    @action(
        description="Void",
        url_path="void",
        icon="block",
        permissions=["void_draw"],
        variant=ActionVariant.DANGER,
    )
    def draw_void(self, request: StaffRequest, object_id: str) -> HttpResponse:
        draw = self._draw(object_id)
        return confirm_action(
            self,
            request,
            obj=draw,
            form=ReasonForm,
            run=lambda data: draw_void(draw_id=draw.pk, actor=request.user, reason=data["reason"]),
            success=f"{draw} is void.",
            title=f"Void {draw}",
            submit="Void the draw",
            danger=True,
            description="No one wins a void draw; its ballots stay for the record.",
        )

    @action(description="Export CSV", url_path="export-csv", icon="download", permissions=["view"])
    def export_csv(self, request: HttpRequest, object_id: str) -> StreamingHttpResponse:
        return draw_csv_response(self._draw(object_id))
