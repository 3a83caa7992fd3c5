"""A closed draw's ballots in serial order (by ``(created_at, uuid)``): streamed for the
close and the draw, and paged for the public ``/leaves``."""

from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from typing import TYPE_CHECKING
from uuid import UUID

from django.core import signing
from django.db import connection, transaction
from django.db.models import Q
from django.utils.dateparse import parse_datetime

from core.errors import ServiceError
from lottery import published
from lottery.models import Ballot, Draw

if TYPE_CHECKING:
    from psycopg import ServerCursor

LEAVES_PAGE_MAX = 1000
_BALLOT = Ballot._meta.db_table


@contextmanager
def _server_side_cursor(name: str) -> Iterator["ServerCursor"]:
    """A PostgreSQL named cursor, inside a transaction whoever calls it (DECLARE and CLOSE
    need one: the API runs in autocommit, the draw services inside their own atomic block)."""
    # A savepoint inside an outer block, so that a stream abandoned half-read (GeneratorExit)
    # rolls back only its own read, not the caller's transaction.
    with transaction.atomic(), connection.connection.cursor(name=name) as cursor:
        yield cursor


def serial_rows(*, draw: Draw) -> Iterator[tuple[int, str, str]]:
    """(pk, uuid text, numbers) of a draw's ballots in serial order, streamed as plain values."""
    if connection.vendor == "postgresql":
        # uuid::text skips building 1M UUID objects; a named cursor streams the rows.
        with _server_side_cursor(f"serials_{draw.pk}") as cursor:
            cursor.itersize = 20000
            cursor.execute(
                # Qualified: a bare "uuid" would sort by the uuid::text output column,
                # by collation and without the serial index.
                f"SELECT id, uuid::text, numbers FROM {_BALLOT} WHERE draw_id = %s "  # noqa: S608
                f"ORDER BY created_at, {_BALLOT}.uuid",
                [draw.pk],
            )
            yield from cursor
        return
    rows = (
        Ballot.objects.filter(draw=draw)
        .order_by("created_at", "uuid")
        .values_list("id", "uuid", "numbers")
        .iterator(chunk_size=20000)
    )
    for pk, uuid_, numbers in rows:
        yield pk, str(uuid_), numbers


def serial_ids(*, draw: Draw) -> array:
    """Primary keys of a draw's ballots in serial order: serial k is ids[k - 1] (8 MB per 1M)."""
    ids = array("q")
    sql = f"SELECT id FROM {_BALLOT} WHERE draw_id = %s ORDER BY created_at, uuid"  # noqa: S608
    if connection.vendor == "postgresql":
        with _server_side_cursor(f"serial_ids_{draw.pk}") as cursor:
            cursor.execute(sql, [draw.pk])
            while rows := cursor.fetchmany(50_000):
                ids.extend(chain.from_iterable(rows))
        return ids
    with connection.cursor() as cursor:
        cursor.execute(sql, [draw.pk])
        while rows := cursor.fetchmany(50_000):
            ids.extend(chain.from_iterable(rows))
    return ids


@dataclass(frozen=True)
class LeavesPage:
    count: int
    items: list[dict]
    next_cursor: str | None


# Published serials must never depend on client input: the cursor carries the position
# and the serial reached, signed with the server's key (and bound to its draw), so a client
# can only hand back a cursor this server gave out.
_CURSOR_SALT = "lottery.selectors.draw_leaves"


def _encode_cursor(draw: Draw, created_at: datetime, uuid: str, serial: int) -> str:
    return signing.dumps([draw.pk, created_at.isoformat(), uuid, serial], salt=_CURSOR_SALT)


def _decode_cursor(draw: Draw, cursor: str) -> tuple[datetime, str, int]:
    try:
        draw_pk, created, uuid, serial = signing.loads(cursor, salt=_CURSOR_SALT)
        moment = parse_datetime(created)
        if draw_pk != draw.pk or moment is None or not isinstance(serial, int) or serial < 0:
            raise ValueError
        return moment.astimezone(UTC), str(UUID(uuid)), serial
    except (signing.BadSignature, ValueError, TypeError, AttributeError) as exc:
        raise ServiceError("The cursor is not one this server gave out for this draw.") from exc


def draw_closed_check(draw: Draw) -> None:
    """Refuse (409) to publish the ballots of a draw that has not closed."""
    if draw.ballots_count is None:
        raise ServiceError(
            f"{draw} is still open: its ballots are published when it closes.", status=409
        )


def draw_leaves(*, draw: Draw, cursor: str | None, limit: int) -> LeavesPage:
    """One page of a closed draw's ballots in serial order (keyset: fast at any depth)."""
    draw_closed_check(draw)
    rows = Ballot.objects.filter(draw=draw).order_by("created_at", "uuid")
    serial = 0
    if cursor:
        created_at, uuid, serial = _decode_cursor(draw, cursor)
        rows = rows.filter(Q(created_at__gt=created_at) | Q(created_at=created_at, uuid__gt=uuid))
    items = []
    for uuid_, numbers, created_at in rows.values_list("uuid", "numbers", "created_at")[:limit]:
        serial += 1
        items.append(published.leaf(serial, str(uuid_), numbers, created_at))
    more = items and serial < (draw.ballots_count or 0)
    next_cursor = _encode_cursor(draw, created_at, items[-1]["ballot"], serial) if more else None
    return LeavesPage(count=draw.ballots_count or 0, items=items, next_cursor=next_cursor)
