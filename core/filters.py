"""The API's list filters are declared once, as django-filter FilterSets; the typed query
schema that ninja validates and documents is derived from them (``query_schema``).

A filter named with a trailing underscore (``from_``) is published without it (``from``):
Python keywords make good parameter names. ``FilterSet.Meta.types`` may give a filter's type
(e.g. a TextChoices enum) where the filter class alone does not say it.
"""

from datetime import date
from typing import Any

import django_filters
from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import create_model

from core.errors import ServiceError
from core.types import Text, UtcDateTime

TEXT_MAX = 40  # no slug or name filter is longer

# Most specific first: IsoDateTimeFilter is a DateTimeFilter is a Filter.
_TYPES: list[tuple[type, Any]] = [
    (django_filters.IsoDateTimeFilter, UtcDateTime),
    (django_filters.DateFilter, date),
    (django_filters.BooleanFilter, bool),
    (django_filters.CharFilter, Text),
]


def query_schema(filterset: type[django_filters.FilterSet]) -> type[Schema]:
    """The ninja Query schema of a FilterSet: one optional field per filter, typed by the
    filter's class, described by its label."""
    declared = getattr(filterset.Meta, "types", {})  # type: ignore[attr-defined]  # ours all have one
    fields: dict[str, Any] = {}
    for name, spec in filterset.base_filters.items():
        kind = declared.get(name) or next(t for cls, t in _TYPES if isinstance(spec, cls))
        extra: dict[str, Any] = {"description": str(spec.label)} if spec.label else {}
        if kind is Text:
            extra["max_length"] = TEXT_MAX
        if name.endswith("_"):
            extra["alias"] = name.removesuffix("_")
        fields[name] = (kind | None, Field(None, **extra))
    return create_model(f"{filterset.__name__}Query", __base__=Schema, **fields)


def filtered(
    filterset: type[django_filters.FilterSet], query: Schema, queryset: QuerySet
) -> QuerySet:
    """``queryset`` narrowed by the filters given in ``query`` (none given: untouched)."""
    data = {name: value for name, value in query.dict().items() if value is not None}
    if not data:  # nothing to filter: skip building a FilterSet and its form
        return queryset
    bound = filterset(data=data, queryset=queryset)
    if not bound.is_valid():
        raise ServiceError(f"Invalid filter: {dict(bound.errors)}")
    return bound.qs
