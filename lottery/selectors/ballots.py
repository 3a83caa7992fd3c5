"""Reads of ballots: a player's list, as published, and which of them win."""

import functools
from typing import Literal

from django.db import connection
from django.db.models import Expression, Prefetch, Q, QuerySet

from accounts.auth import Claims, account_of, bearer_account_sql
from accounts.models import User
from core import rawsql
from lottery import published
from lottery.models import Ballot, Draw, DrawStatus, Game, Pick, PickKind


def winning_picks() -> QuerySet[Pick]:
    """Picks that win now: undisqualified winners and promoted alternates."""
    return Pick.objects.filter(disqualified_at__isnull=True).filter(
        Q(kind=PickKind.WINNER) | Q(promoted_at__isnull=False)
    )


def winning_prefetch() -> 'Prefetch[str, QuerySet[Pick], Literal["winning"]]':
    """Each draw's current winners and their players, as ``draw.winning`` (one query for any
    number of draws)."""
    return Prefetch(
        "picks",
        queryset=winning_picks().select_related("ballot__player").order_by("kind", "rank"),
        to_attr="winning",
    )


def ballots_of(*, player: User) -> QuerySet[Ballot]:
    """A player's ballots, newest first (the API's FilterSet narrows it further)."""
    return Ballot.objects.filter(player=player).order_by("-created_at", "-id")


# What BallotOut publishes, read as plain values: building model instances and an EXISTS
# annotation cost more CPU than the rest of the request (bench/api_load.sh, PROFILE=1).
# (ORM lookup from a ballot, the model and field it reads): the ORM path reads the lookups,
# PlayerBallots' statement the same columns in the same order.
_BALLOT_COLUMNS = (
    ("id", Ballot, "id"),
    ("uuid", Ballot, "uuid"),
    ("draw__game__slug", Game, "slug"),
    ("draw__date", Draw, "date"),
    ("numbers", Ballot, "numbers"),
    ("created_at", Ballot, "created_at"),
    ("draw__status", Draw, "status"),
    ("quick_pick", Ballot, "quick_pick"),
)
_BALLOT_VALUES = tuple(lookup for lookup, _model, _name in _BALLOT_COLUMNS)


def ballot_rows(ballots: QuerySet[Ballot]) -> list[dict]:
    """Ballots as the API publishes them (BallotOut), in two queries at most: the rows with
    their draw's columns, then which of those in drawn draws won."""
    rows = list(ballots.values_list(*_BALLOT_VALUES))
    drawn = [row[0] for row in rows if row[6] == DrawStatus.DRAWN]
    won = set()
    if drawn:
        won = set(winning_picks().filter(ballot_id__in=drawn).values_list("ballot_id", flat=True))
    return [published.ballot(*row, won=won) for row in rows]


class PlayerBallots:
    """A player's ballots newest first, with no filter: the list a player's app asks for on
    every visit. The API's paginator slices it into published rows (BallotOut) in one
    statement written once: the rows, their draw's columns, whether each wins and how many
    ballots the player has (read in the same snapshot as the page); a COUNT of its own only
    for a page past the end. The same rows, in the same order, as
    ``ballot_rows(ballots_of(player=...))`` (tested), without building and compiling their
    querysets on every request. A filtered list keeps the FilterSet and the ORM.

    ``player`` may be the Claims of an access token whose account was not read yet
    (JWTAuth(deferred=True)): the page's statement then reads only if the account may still
    sign in (accounts.auth.user_for, in SQL), and an empty page asks ``account_of``, which
    answers the same 401 as JWTAuth when it may not."""

    def __init__(self, *, player: User | Claims):
        self._claims = player if isinstance(player, Claims) else None
        pk = player.user_id if isinstance(player, Claims) else player.pk
        self._player = Ballot._meta.get_field("player").get_db_prep_value(pk, connection)
        self._count: int | None = None

    def all(self) -> "PlayerBallots":  # the paginator counts through .all().count()
        return self

    def count(self) -> int:
        if self._count is None:
            self._count = rawsql.scalar(_player_count_sql(), [self._player])
        return self._count

    def __getitem__(self, page: slice) -> list[dict]:
        offset, limit = page.start or 0, page.stop - (page.start or 0)
        sql, winning_params = _player_page_sql(bearer=self._claims is not None)
        params = [DrawStatus.DRAWN, *winning_params, self._player, self._player]
        if self._claims is not None:
            issued = connection.ops.adapt_datetimefield_value(self._claims.issued_at)
            params += [self._player, issued]
        # LIMIT and OFFSET as numbers in the text (whole numbers the paginator bounded): with
        # them as parameters PostgreSQL costs the prepared statement's generic plan for any
        # page size, finds it dearer than a plan for this one, and plans every request anew
        # (pg_prepared_statements: 0 generic, all custom; ~0.25 ms of the server's CPU each).
        sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        rows = rawsql.fetch(sql, params, _player_page_columns())
        if not rows:
            if self._claims is not None:
                account_of(self._claims)  # the same 401 as JWTAuth, or truly no ballots here
            return []
        self._count = rows[0][9]
        return [published.ballot(*row[:8], won={row[0]} if row[8] else set()) for row in rows]


@functools.cache
def _player_page_columns() -> list[Expression]:
    fields = [rawsql.field(model, name) for _lookup, model, name in _BALLOT_COLUMNS]
    return [*map(rawsql.column, fields), rawsql.BOOLEAN, rawsql.COUNT]


@functools.cache
def _player_page_sql(*, bearer: bool) -> tuple[str, tuple]:
    """The page statement and the parameters of its winning-picks subquery (compiled once,
    from winning_picks(): one definition of who wins)."""
    col = rawsql.col
    winning_ids = winning_picks().order_by().values("ballot_id")
    winning, winning_params = winning_ids.query.sql_with_params()
    columns = ", ".join(col(model, name) for _lookup, model, name in _BALLOT_COLUMNS)
    account = f" AND EXISTS ({bearer_account_sql()})" if bearer else ""
    sql = (
        f"SELECT {columns}, CASE WHEN {col(Draw, 'status')} = %s "  # noqa: S608
        f"THEN {col(Ballot, 'id')} IN ({winning}) END, ({_player_count_sql()}) "
        f"FROM {rawsql.table(Ballot)} "
        f"INNER JOIN {rawsql.table(Draw)} ON {col(Draw, 'id')} = {col(Ballot, 'draw')} "
        f"INNER JOIN {rawsql.table(Game)} ON {col(Game, 'id')} = {col(Draw, 'game')} "
        f"WHERE {col(Ballot, 'player')} = %s{account} "
        f"ORDER BY {col(Ballot, 'created_at')} DESC, {col(Ballot, 'id')} DESC"
    )
    return sql, winning_params


@functools.cache
def _player_count_sql() -> str:
    where = rawsql.col(Ballot, "player")
    return f"SELECT COUNT(*) FROM {rawsql.table(Ballot)} WHERE {where} = %s"  # noqa: S608


def ballot_row(ballot: Ballot) -> dict:
    """One ballot as published; ``ballot.draw`` and its game are already loaded."""
    draw = ballot.draw
    won = set()
    if draw.status == DrawStatus.DRAWN and winning_picks().filter(ballot=ballot).exists():
        won = {ballot.pk}
    return published.ballot(
        ballot.pk,
        ballot.uuid,
        draw.game.slug,
        draw.date,
        ballot.numbers,
        ballot.created_at,
        draw.status,
        ballot.quick_pick,
        won=won,
    )


def distinct_numbers(*, draw: Draw, cap: int) -> int:
    """How many different number sets a draw holds, counted up to ``cap`` (enough to stop)."""
    # order_by() drops the model's default ordering, which DISTINCT would otherwise include.
    numbers = Ballot.objects.filter(draw=draw).order_by().values_list("numbers", flat=True)
    return len(numbers.distinct()[:cap])
