"""Page-number pagination with bounds, so no page number can overflow the database."""

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

MAX_PAGE = 1_000_000


class Pagination(PageNumberPagination):
    """``{"items": [...], "count": N}``; ``present`` (optional) turns the page's queryset into
    the published rows in as few queries as it likes, instead of one model instance per row.
    A view may also return any source that slices into published rows itself and counts
    through ``.all().count()`` (lottery.selectors.ballots.PlayerBallots)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description=f"1..{MAX_PAGE}")
        page_size: int | None = Field(None, ge=1, le=100, description="1..100 (default 20)")

    def __init__(self, *, present: Callable[[QuerySet], list] | None = None, **kwargs: Any):
        self.present = present
        super().__init__(**kwargs)

    def paginate_queryset(  # type: ignore[override]  # ninja parses the query into our Input
        self, queryset: QuerySet, pagination: Input, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        page_size = self._get_page_size(pagination.page_size)
        offset = (pagination.page - 1) * page_size
        page = queryset[offset : offset + page_size]
        items = self.present(page) if self.present and isinstance(page, QuerySet) else list(page)
        if len(items) < page_size and (items or offset == 0):
            count = offset + len(items)  # the last page tells the count: no COUNT query
        else:
            count = self._items_count(queryset)
        return {self.items_attribute: items, "count": count}
