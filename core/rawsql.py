"""The hottest reads, written once as SQL instead of compiled by the ORM on every request, with
their values converted exactly as the ORM would convert them (UUIDs, datetimes and booleans
differ between SQLite and PostgreSQL; Django's own converters decide).

Building and compiling a queryset costs more CPU than PostgreSQL spends answering it on the
API's list and bearer lookup (bench/_load_setup.py inproc, py-spy); everything else keeps the
ORM. Names come from the models' metadata, values are parameters: nothing from a request is
ever formatted into the SQL.
"""

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import BigIntegerField, BooleanField, Expression, Field, Model, Value

Converter = Callable[[Any, Expression, Any], Any]

BOOLEAN = Value(None, output_field=BooleanField())  # a computed yes/no column (EXISTS, CASE)
COUNT = Value(None, output_field=BigIntegerField())  # a computed COUNT(*) column


def field(model: type[Model], name: str) -> Field:
    """A model's concrete field by name (a column to read)."""
    found = model._meta.get_field(name)
    if not isinstance(found, Field):
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return found


def column(field: Field) -> Expression:
    """The expression a model field's column is read as (for its converters)."""
    return field.cached_col


def names(fields: Iterable[Field]) -> str:
    """Quoted ``table.column`` names of model fields, for a SELECT list."""
    quote = connection.ops.quote_name
    return ", ".join(f"{quote(f.model._meta.db_table)}.{quote(f.column)}" for f in fields)


def col(model: type[Model], name: str) -> str:
    """The quoted ``table.column`` of one model field."""
    return names([field(model, name)])


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _converters(columns: Sequence[Expression]) -> list[tuple[int, list[Converter], Expression]]:
    """Each column's converter chain (Django asks every field and the backend each time: a
    few percent of a request; the columns of a statement written once are always the same
    expressions, so the chain is kept per backend and columns)."""
    return _converters_of(connection.vendor, tuple(columns))


@functools.lru_cache(maxsize=256)
def _converters_of(
    vendor: str, columns: tuple[Expression, ...]
) -> list[tuple[int, list[Converter], Expression]]:
    found = []
    for i, expression in enumerate(columns):
        chain = connection.ops.get_db_converters(expression) + expression.get_db_converters(
            connection
        )
        if chain:
            found.append((i, chain, expression))
    return found


def fetch(sql: str, params: Sequence[Any], columns: Sequence[Expression]) -> list[list[Any]]:
    """Run one statement; its rows as lists, each value converted as the ORM converts the
    column (``columns`` names what each position holds)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [list(row) for row in cursor.fetchall()]
    for i, chain, expression in _converters(columns):
        for row in rows:
            value = row[i]
            for convert in chain:
                value = convert(value, expression, connection)
            row[i] = value
    return rows


def scalar(sql: str, params: Sequence[Any]) -> Any:
    """The single value of a one-row, one-column statement (a COUNT)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]
