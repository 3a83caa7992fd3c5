"""Page-number pagination with bounds, so no page number can overflow the database."""

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

MAX_PAGE = 1_000_000


class Pagination(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description=f"1..{MAX_PAGE}")
        page_size: int | None = Field(None, ge=1, le=100, description="1..100 (default 20)")
