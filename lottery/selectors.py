"""Every read the API, the admin and the tasks share."""

from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import chain
from typing import TYPE_CHECKING
from uuid import UUID

from django.core import signing
from django.db import connection, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils.dateparse import parse_datetime

from accounts.models import User
from core.errors import ServiceError
from lottery import draws
from lottery.models import Ballot, Draw, DrawStatus, Game, Pick, PickKind

if TYPE_CHECKING:
    from psycopg import ServerCursor

LEAVES_PAGE_MAX = 1000


def winning_picks() -> QuerySet[Pick]:
    """Picks that win now: undisqualified winners and promoted alternates."""
    return Pick.objects.filter(disqualified_at__isnull=True).filter(
        Q(kind=PickKind.WINNER) | Q(promoted_at__isnull=False)
    )


def ballots_of(*, player: User) -> QuerySet[Ballot]:
    """A player's ballots, newest first (the API's FilterSet narrows it further)."""
    return Ballot.objects.filter(player=player).order_by("-created_at", "-id")


# What BallotOut publishes, read as plain values: building model instances and an EXISTS
# annotation cost more CPU than the rest of the request (bench/api_load.sh, PROFILE=1).
_BALLOT_VALUES = ("id", "uuid", "draw__game__slug", "draw__date", "numbers", "created_at")


def ballot_rows(ballots: QuerySet[Ballot]) -> list[dict]:
    """Ballots as the API publishes them (BallotOut), in two queries at most: the rows with
    their draw's columns, then which of those in drawn draws won."""
    rows = list(ballots.values_list(*_BALLOT_VALUES, "draw__status"))
    drawn = [row[0] for row in rows if row[-1] == DrawStatus.DRAWN]
    won = set()
    if drawn:
        won = set(winning_picks().filter(ballot_id__in=drawn).values_list("ballot_id", flat=True))
    return [_published(*row, won=won) for row in rows]


def ballot_row(ballot: Ballot) -> dict:
    """One ballot as published; ``ballot.draw`` and its game are already loaded."""
    draw = ballot.draw
    won = set()
    if draw.status == DrawStatus.DRAWN and winning_picks().filter(ballot=ballot).exists():
        won = {ballot.pk}
    return _published(
        ballot.pk,
        ballot.uuid,
        draw.game.slug,
        draw.date,
        ballot.numbers,
        ballot.created_at,
        draw.status,
        won=won,
    )


def _published(
    pk: int,
    uuid_: object,
    game: str,
    day: date,
    numbers: str,
    created_at: datetime,
    status: str,
    *,
    won: set[int],
) -> dict:
    return {
        "uuid": uuid_,
        "game": game,
        "game_date": day,
        "numbers": draws.numbers_list(numbers),
        "created_at": created_at,
        "draw_status": status,
        "won": pk in won if status == DrawStatus.DRAWN else None,  # unknown until drawn
    }


def games_active() -> QuerySet[Game]:
    return Game.objects.filter(is_active=True).order_by("slug")


def draws_due(*, now: datetime) -> list[int]:
    """Draws whose close time has passed and that are not drawn yet, oldest first."""
    return list(
        Draw.objects.filter(status__in=[DrawStatus.OPEN, DrawStatus.CLOSED], close_at__lte=now)
        .order_by("close_at", "id")
        .values_list("id", flat=True)
    )


def distinct_numbers(*, draw: Draw, cap: int) -> int:
    """How many different number sets a draw holds, counted up to ``cap`` (enough to stop)."""
    # order_by() drops the model's default ordering, which DISTINCT would otherwise include.
    numbers = Ballot.objects.filter(draw=draw).order_by().values_list("numbers", flat=True)
    return len(numbers.distinct()[:cap])


def draws_drawn() -> QuerySet[Draw]:
    """Drawn draws with their current winners, in a constant number of queries."""
    return (
        Draw.objects.filter(status=DrawStatus.DRAWN)
        .select_related("game")
        .prefetch_related(
            Prefetch(
                "picks",
                queryset=winning_picks().select_related("ballot__player").order_by("kind", "rank"),
                to_attr="winning",
            )
        )
        .order_by("-date", "game__slug")
    )


def draw_public(*, game: str, day: date) -> Draw:
    draw = (
        Draw.objects.select_related("game")
        .prefetch_related(
            Prefetch(
                "picks",
                queryset=Pick.objects.select_related("ballot").order_by("rank", "serial"),
                to_attr="all_picks",
            )
        )
        .filter(game__slug=game, date=day)
        .first()
    )
    if draw is None:
        raise ServiceError(f"No draw for {game} on {day}.", status=404)
    return draw


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
                "SELECT id, uuid::text, numbers FROM lottery_ballot WHERE draw_id = %s "
                "ORDER BY created_at, lottery_ballot.uuid",
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
    sql = "SELECT id FROM lottery_ballot WHERE draw_id = %s ORDER BY created_at, uuid"
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


def _closed(draw: Draw) -> None:
    if draw.ballots_count is None:
        raise ServiceError(
            f"{draw} is still open: its ballots are published when it closes.", status=409
        )


def leaf_item(serial: int, ballot: str, numbers: str, created_at: datetime) -> dict:
    """One published leaf, as the pages and the leaves file give it."""
    return {
        "serial": serial,
        "ballot": ballot,
        "numbers": draws.numbers_list(numbers),
        # Microseconds matter: they order the serials (ninja's encoder keeps only ms).
        "created_at": created_at.isoformat(),
        "leaf": draws.leaf_hash(ballot, numbers).hex(),
    }


def draw_leaves(*, draw: Draw, cursor: str | None, limit: int) -> LeavesPage:
    """One page of a closed draw's ballots in serial order (keyset: fast at any depth)."""
    _closed(draw)
    rows = Ballot.objects.filter(draw=draw).order_by("created_at", "uuid")
    serial = 0
    if cursor:
        created_at, uuid, serial = _decode_cursor(draw, cursor)
        rows = rows.filter(Q(created_at__gt=created_at) | Q(created_at=created_at, uuid__gt=uuid))
    items = []
    for uuid_, numbers, created_at in rows.values_list("uuid", "numbers", "created_at")[:limit]:
        serial += 1
        items.append(leaf_item(serial, str(uuid_), numbers, created_at))
    more = items and serial < (draw.ballots_count or 0)
    next_cursor = _encode_cursor(draw, created_at, items[-1]["ballot"], serial) if more else None
    return LeavesPage(count=draw.ballots_count or 0, items=items, next_cursor=next_cursor)


@dataclass(frozen=True)
class Proof:
    serial: int
    leaf: str
    merkle_root: str
    tree_size: int
    path: list[str]


# The block of a ballot: the last stored first-of-block key at or before the ballot's
# (created_at, uuid), then the block's ballots from the serial index; row values compare
# keys on both databases and let each use its index (O(log N) for any N).
_BLOCK_OF = (
    "SELECT {number} FROM lottery_drawtreeblock WHERE draw_id = %s "
    "AND (created_at, ballot_uuid) <= (%s, %s) ORDER BY created_at DESC, ballot_uuid DESC LIMIT 1"
)
_BLOCK_SQL = (
    "SELECT ("  # noqa: S608 (constants only; every value is a parameter)
    + _BLOCK_OF.format(number="number")
    + "), {uuid}, numbers FROM lottery_ballot "
    "WHERE draw_id = %s AND (created_at, lottery_ballot.uuid) >= ("
    + _BLOCK_OF.format(number="created_at, ballot_uuid")
    + ") ORDER BY created_at, lottery_ballot.uuid LIMIT %s"
)


def _block_of(draw: Draw, ballot: Ballot, block_bits: int) -> list[tuple[int, str, str]]:
    """(block number, uuid text, numbers) of the ballots in the block holding ``ballot``."""
    fields = Ballot._meta
    key = (
        draw.pk,
        fields.get_field("created_at").get_db_prep_value(ballot.created_at, connection),
        fields.get_field("uuid").get_db_prep_value(ballot.uuid, connection),
    )
    uuid_text = "lottery_ballot.uuid::text" if connection.vendor == "postgresql" else "uuid"
    with connection.cursor() as cursor:
        cursor.execute(_BLOCK_SQL.format(uuid=uuid_text), [*key, draw.pk, *key, 1 << block_bits])
        rows = cursor.fetchall()
    if connection.vendor != "postgresql":  # SQLite stores the uuid as 32 hex digits
        rows = [(number, str(UUID(u)), numbers) for number, u, numbers in rows]
    return rows


def _upper_nodes(draw: Draw, offsets: list[int]) -> tuple[int, int, list[bytes]] | None:
    """(block_bits, size, the stored nodes at these byte offsets), or None if not stored."""
    nodes = ", ".join(["substr(upper, %s, 32)"] * len(offsets))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT block_bits, size{', ' if nodes else ''}{nodes} "  # noqa: S608 (no input)
            "FROM lottery_drawtree WHERE draw_id = %s",
            [*(offset + 1 for offset in offsets), draw.pk],
        )
        row = cursor.fetchone()
    return None if row is None else (row[0], row[1], [bytes(node) for node in row[2:]])


def ballot_proof(*, draw: Draw, ballot: Ballot) -> Proof:
    """RFC 6962 audit path of one ballot in its closed draw's tree, from one block of
    ballots and O(log N) stored hashes: a constant number of indexed queries."""
    _closed(draw)
    size = draw.ballots_count or 0
    bits = draws.block_bits_for(size)
    rows = _block_of(draw, ballot, bits)
    if not rows:  # closed before proof trees were stored: store it once, then answer
        from lottery import proofs  # proofs reads the serials through this module

        proofs.tree_ensure(draw_id=draw.pk)
        rows = _block_of(draw, ballot, bits)
    target = str(ballot.uuid)
    local = next((i for i, (_n, u, _) in enumerate(rows) if u == target), None)
    if local is None:
        raise ServiceError("This ballot is not in the draw's stored tree.", status=409)
    index = (rows[0][0] << bits) + local
    stored = _upper_nodes(draw, draws.upper_path_offsets(index, size, bits))
    if stored is None or stored[:2] != (bits, size):
        raise ServiceError("The draw's proof tree does not match its ballots count.", status=409)
    leaves = [draws.leaf_hash(u, numbers) for _n, u, numbers in rows]
    path = draws.audit_path_in_block(leaves, index, stored[2], bits)
    return Proof(
        serial=index + 1,
        leaf=leaves[local].hex(),
        merkle_root=draw.merkle_root,
        tree_size=size,
        path=[node.hex() for node in path],
    )


# Public results pages and the API list of draws.

PUBLIC_PAST = (DrawStatus.DRAWN, DrawStatus.NO_ENTRIES, DrawStatus.VOID, DrawStatus.CLOSED)


def draws_listed(
    *,
    status: str | None = None,
    game: str | None = None,
    first: date | None = None,
    last: date | None = None,
) -> QuerySet[Draw]:
    """Draws newest first (by date, then game), narrowed by status, game slug and date range."""
    rows = Draw.objects.select_related("game").order_by("-date", "game__slug", "-id")
    if status:
        rows = rows.filter(status=status)
    if game:
        rows = rows.filter(game__slug=game)
    if first:
        rows = rows.filter(date__gte=first)
    if last:
        rows = rows.filter(date__lte=last)
    return rows


def draws_recent_with_winners(*, limit: int) -> list[Draw]:
    """The latest closed-or-later draws, each with ``winning`` (current winners and their
    players) prefetched: two queries whatever the number of draws or ballots."""
    return list(
        draws_listed()
        .filter(status__in=PUBLIC_PAST)
        .prefetch_related(
            Prefetch(
                "picks",
                queryset=winning_picks().select_related("ballot__player").order_by("kind", "rank"),
                to_attr="winning",
            )
        )[:limit]
    )


def draws_upcoming(*, limit: int) -> list[Draw]:
    """Open draws, soonest close first."""
    return list(
        Draw.objects.select_related("game")
        .filter(status=DrawStatus.OPEN)
        .order_by("close_at", "game__slug")[:limit]
    )


def draw_page(*, game: str, day: date) -> Draw:
    """One published draw whose picks know their player (for display names): 3 queries."""
    draw = draw_public(game=game, day=day)
    picks = getattr(draw, "all_picks", [])
    players = User.objects.in_bulk({pick.ballot.player_id for pick in picks})
    for pick in picks:
        pick.ballot.player = players[pick.ballot.player_id]
    return draw
