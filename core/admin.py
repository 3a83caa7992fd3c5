"""What every admin shares: read-only and NUL-safe lists, and the staff action (a POST-only
form page, one service call, one message)."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from unfold.paginator import InfinitePaginator as UnfoldInfinitePaginator
from unfold.widgets import UnfoldAdminTextareaWidget

from core.errors import ServiceError
from core.types import has_nul

ACTION_TEMPLATE = "admin/lottery/action_form.html"
LINK_CLASSES = "text-primary-600 dark:text-primary-500"

M = TypeVar("M", bound=Model)
R = TypeVar("R")  # what an action's service returns, handed to its success message

if TYPE_CHECKING:
    # What SafeSearchMixin's super() calls reach: the ModelAdmin it is mixed into.
    _ModelAdminBase = admin.ModelAdmin[Any]
else:
    _ModelAdminBase = object


class ReadOnlyMixin:
    """Nothing here is added, changed or deleted by hand: rows change only through services
    (staff actions included). For model admins and inlines alike."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class SafeSearchMixin(_ModelAdminBase):
    """The admin's own list and search, except for what cannot match (PostgreSQL refuses NUL
    in text): a NUL in a filter is a 404 (no such list), in a search term it finds nothing."""

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        filters = (f"{k}{v}" for k, v in request.GET.items() if k != SEARCH_VAR)
        if any(has_nul(text) for text in filters):
            raise Http404("No such list.")
        return super().changelist_view(request, extra_context)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        term = clean_search_term(search_term)
        if term is None:
            return queryset.none(), False
        return super().get_search_results(request, queryset, term)


def change_url(obj: Model) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def object_or_none(queryset: QuerySet[M], object_id: str) -> M | None:
    """The object an admin URL names, or None when there is none or the id is malformed."""
    try:
        pk = queryset.model._meta.pk.to_python(object_id)
    except ValidationError:
        return None
    return queryset.filter(pk=pk).first()


def object_or_404(queryset: QuerySet[M], object_id: str) -> M:
    """The object an action URL names; a malformed id ("abc" for a number) is a 404 too."""
    obj = object_or_none(queryset, object_id)
    if obj is None:
        raise Http404("No such object.")
    return obj


def clean_search_term(term: str) -> str | None:
    """The term to search for; None when it cannot match anything (PostgreSQL text refuses NUL)."""
    term = term.strip()
    return None if has_nul(term) else term


def link(url: str, text: str | UUID | Model) -> SafeString:
    """An admin link styled like unfold's own."""
    return format_html('<a class="{}" href="{}">{}</a>', LINK_CLASSES, url, text)


def action_page(
    model_admin: "admin.ModelAdmin[Any]",
    request: HttpRequest,
    *,
    obj: Model,
    form: forms.Form,
    title: str,
    submit: str,
    description: str = "",
    danger: bool = False,
) -> TemplateResponse:
    """The form an action asks before it acts; it posts back to the action's own URL."""
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        "subtitle": str(obj),
        "object": obj,
        "form": form,
        "description": description,
        "submit_label": submit,
        "danger": danger,
        "cancel_url": change_url(obj),
    }
    return TemplateResponse(request, ACTION_TEMPLATE, context)


def run_service(
    request: HttpRequest,
    call: Callable[[], R],
    *,
    success: str | Callable[[R], str],
    redirect_to: str,
) -> HttpResponse:
    """Call one service; its refusal becomes an error message, never a 500."""
    try:
        result = call()
    except ServiceError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, success(result) if callable(success) else success)
    return HttpResponseRedirect(redirect_to)


def posted(request: HttpRequest) -> QueryDict | None:
    """The data to bind an action form to: the POST, even an empty one; None on a GET."""
    return request.POST if request.method == "POST" else None


def submitted(request: HttpRequest, form: forms.Form) -> bool:
    """True when the action was posted with a valid form (a GET only shows the form)."""
    return request.method == "POST" and form.is_valid()


def confirm_action(
    model_admin: "admin.ModelAdmin[Any]",
    request: HttpRequest,
    *,
    obj: Model,
    form: type[forms.Form],
    run: Callable[[dict[str, Any]], R],
    success: str | Callable[[R], str],
    title: str,
    submit: str,
    description: str = "",
    danger: bool = False,
    form_kwargs: dict[str, Any] | None = None,
) -> HttpResponse:
    """A staff action on ``obj``: a GET shows the form; a valid POST calls ``run`` with the
    form's cleaned data and goes back to the object's page with the outcome as a message."""
    bound = form(posted(request), **(form_kwargs or {}))
    if submitted(request, bound):
        return run_service(
            request,
            lambda: run(bound.cleaned_data),
            success=success,
            redirect_to=change_url(obj),
        )
    return action_page(
        model_admin,
        request,
        obj=obj,
        form=bound,
        title=title,
        submit=submit,
        description=description,
        danger=danger,
    )


class ConfirmForm(forms.Form):
    """An empty form: the action happens on POST only (never on a GET link)."""


class ReasonForm(forms.Form):
    """Why: required, and never only blanks (the audit log keeps it)."""

    reason = forms.CharField(
        label="Reason",
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
        help_text="Kept in the audit log.",
        error_messages={"required": "A reason is required."},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("A reason is required.")
        return reason


class CountedPaginator(Paginator):
    """Numbered pages and "page x of y", for the lists whose COUNT(*) is cheap."""

    template_name = "admin/lottery/pagination_counted.html"


class InfinitePaginator(UnfoldInfinitePaginator):
    """No COUNT(*) (millions of ballots): Previous / Next and "page x" only. It keeps unfold's
    class name: unfold's page header hides its stand-in count (9999999999) by that name."""

    template_name = "admin/lottery/pagination_infinite.html"
