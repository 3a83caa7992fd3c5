"""The play path's statements, written once: what locks a draw and a player for a ballot,
checks the rules and inserts within the player's tally (lottery.services.ballots decides
which to run and says why a ballot is refused).

Names come from the models' metadata and every value is a parameter; rows come back
converted as the ORM converts them (core.rawsql).
"""

import functools
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.db import connection
from django.db.models import Expression, Field
from django.utils import timezone

from accounts.auth import Claims, bearer_account_valid
from accounts.models import User
from core import rawsql
from lottery.models import Ballot, BallotTally, Draw, DrawStatus, Game

# The rules a ballot is judged by: the statements that lock the draw for a ballot read (or
# compare) these columns too, so a ballot is always judged by the rules stored at that moment.
_PLAY_RULES = (
    "slug",
    "is_active",
    "numbers_per_ballot",
    "min_number",
    "max_number",
    "time_zone",
    "max_ballots_per_player",
    "horizon_days",
)


# Column names from the constant above; every value is a parameter.
_BALLOT_SQL_COLUMNS = ("uuid", "player_id", "draw_id", "numbers", "created_at", "quick_pick")
_DRAW, _GAME, _USER, _BALLOT, _TALLY = (
    model._meta.db_table for model in (Draw, Game, User, Ballot, BallotTally)
)
# The player's own limits (accounts.play_limits), read in the statement that locks them.
_PLAYER_LIMITS = (
    "daily_ballot_limit",
    "daily_ballot_limit_next",
    "daily_ballot_limit_next_at",
    "self_excluded_until",
)
# The draw of a game and day, its game and the player (the first three parameters), and the
# locks a ballot takes on PostgreSQL: FOR SHARE lets ballots go in side by side while the
# close's FOR UPDATE waits for them; the player's row serialises their plays.
_PLAY_LOCK_FROM = (
    f"FROM {_DRAW} d JOIN {_GAME} g ON g.id = d.game_id JOIN {_USER} u ON u.id = %s "
    "WHERE d.game_id = %s AND d.date = %s"
)
_PLAY_LOCKS = "FOR SHARE OF d FOR NO KEY UPDATE OF u"
# The draw's columns the play reads (a Draw with the rest deferred).
_PLAY_LOCK_DRAW_FIELDS = ["id", "game_id", "date", "status", "close_at"]
_PLAY_LOCK_SELECT = (
    "SELECT "
    + ", ".join(f"d.{name}" for name in _PLAY_LOCK_DRAW_FIELDS)
    + ", "
    + ", ".join(f"g.{name} AS game_{name}" for name in _PLAY_RULES)
    + ", "
    + ", ".join(f"u.{name} AS player_{name}" for name in _PLAYER_LIMITS)
    + " "
    + _PLAY_LOCK_FROM
)
_PLAY_LOCK_SQL = _PLAY_LOCK_SELECT
_PLAY_LOCK_SQL_POSTGRESQL = f"{_PLAY_LOCK_SELECT} {_PLAY_LOCKS}"
# Table names from the models' metadata; every value is a parameter. The player's tally in
# the draw grows by the ticket's lines only if it stays within the limit (the last parameter):
# one row found by its unique key, whatever the planner knows of the day's ballots.
_TALLY_WITHIN_LIMIT = (
    f"ON CONFLICT (player_id, draw_id) DO UPDATE SET ballots = {_TALLY}.ballots + "
    f"excluded.ballots WHERE {_TALLY}.ballots + excluded.ballots <= %s"
)
_TALLY_UPSERT_SQL = (
    f"INSERT INTO {_TALLY} (player_id, draw_id, ballots) VALUES (%s, %s, %s) "  # noqa: S608
    f"{_TALLY_WITHIN_LIMIT} RETURNING ballots"
)
_BALLOTS_INSERT_SQL = (
    f"INSERT INTO {_BALLOT} ({', '.join(_BALLOT_SQL_COLUMNS)}) "  # noqa: S608
    "VALUES {rows} RETURNING id, uuid"
)
# PostgreSQL: both in one statement (one round trip, as a single count-guarded INSERT was);
# the ballots go in only if the tally row came back.
_INSERT_WITHIN_LIMIT_SQL_POSTGRESQL = (
    f"WITH tally AS ({_TALLY_UPSERT_SQL}) "  # noqa: S608
    f"INSERT INTO {_BALLOT} ({', '.join(_BALLOT_SQL_COLUMNS)}) "
    "SELECT v.* FROM (VALUES {rows}) AS v, tally RETURNING id, uuid"
)


# PostgreSQL, the common case in one statement and one round trip, outside any transaction
# block (it is its own transaction): lock the draw and the player as lock_for_play does, but
# only if the draw is open until after ``now``, the game's stored rules are those this process
# judged the ticket by, and the player has set no limit or exclusion of their own; then the
# tally-guarded insert. FOR SHARE / FOR NO KEY UPDATE re-read a row changed meanwhile, and
# the conditions are judged again on that version, so a close or a rule change committed first
# is seen. Any other case inserts nothing and the ticket is played the long way, which says why.
_RULES_UNCHANGED = (
    f"({', '.join(f'g.{name}' for name in _PLAY_RULES)}) = ({', '.join(['%s'] * len(_PLAY_RULES))})"
)
_NO_OWN_LIMITS = " AND ".join(f"u.{name} IS NULL" for name in _PLAYER_LIMITS)
# The bearer of an access token whose account no statement read yet (JWTAuth(deferred=True)):
# the account must be active, not erased, and have revoked no token issued at or after this
# one's (accounts.auth.user_for, in SQL; the parameter is the token's issued_at).
_BEARER_VALID = bearer_account_valid("u")


@functools.lru_cache(maxsize=64)
def _play_at_once_sql(*, bearer: bool, lines: int) -> str:
    """The one-statement play for a ticket of ``lines`` lines (one VALUES row each)."""
    row = _values_row(len(_AT_ONCE_BALLOT_COLUMNS))
    account = f" AND {_BEARER_VALID}" if bearer else ""
    return (
        f"WITH lock AS MATERIALIZED (SELECT d.id, d.close_at {_PLAY_LOCK_FROM} "  # noqa: S608
        "AND d.status = %s AND d.close_at > %s "
        f"AND {_RULES_UNCHANGED} AND {_NO_OWN_LIMITS}{account} {_PLAY_LOCKS}), "
        f"tally AS (INSERT INTO {_TALLY} (player_id, draw_id, ballots) "
        f"SELECT %s, lock.id, %s FROM lock {_TALLY_WITHIN_LIMIT} RETURNING draw_id), "
        f"ins AS (INSERT INTO {_BALLOT} ({', '.join(_BALLOT_SQL_COLUMNS)}) "
        "SELECT v.column1, v.column2, tally.draw_id, v.column3, v.column4, v.column5 "
        f"FROM (VALUES {', '.join([row] * lines)}) AS v, tally RETURNING id, uuid) "
        "SELECT ins.id, ins.uuid, lock.id, lock.close_at FROM ins, lock"
    )


def rules_of(obj: Game | Draw, prefix: str = "") -> tuple[object, ...]:
    """The play rules of a game, or those the play lock read beside a draw (``game_``...)."""
    return tuple(getattr(obj, prefix + name) for name in _PLAY_RULES)


def lock_for_play(player: User, game: Game, day: date) -> Draw | None:
    """In one round trip: lock the game's draw of ``day`` against closing until this ballot
    commits, serialise the player's ballots (so the per-draw limit holds under concurrency),
    and read the draw's status and close time and the game's current rules.

    FOR SHARE lets ballots go in side by side while the close's FOR UPDATE waits for them
    (and they wait for it). SQLite serialises writers (IMMEDIATE transactions). Returns None
    when there is no such draw yet.
    """
    user_pk = User._meta.pk.get_db_prep_value(player.pk, connection)
    params = [user_pk, game.pk, connection.ops.adapt_datefield_value(day)]
    sql = _PLAY_LOCK_SQL_POSTGRESQL if connection.vendor == "postgresql" else _PLAY_LOCK_SQL
    # A statement written once (core.rawsql): a Draw with only these fields loaded (the rest
    # deferred), the game's rules and the player's limits beside it, converted as the ORM would.
    rows = rawsql.fetch(sql, params, _play_lock_columns())
    if not rows:
        return None
    row, at = rows[0], len(_PLAY_LOCK_DRAW_FIELDS)
    draw = Draw.from_db(connection.alias, _PLAY_LOCK_DRAW_FIELDS, row[:at])
    rules, limits = row[at : at + len(_PLAY_RULES)], row[at + len(_PLAY_RULES) :]
    for name, value in zip(_PLAY_RULES, rules, strict=True):
        setattr(draw, f"game_{name}", value)
    for name, value in zip(_PLAYER_LIMITS, limits, strict=True):  # as they are now
        setattr(player, name, value)
    return draw


@functools.cache
def _play_lock_columns() -> list[Expression]:
    """What each column of the play lock's row holds (for its converters)."""
    fields = [rawsql.field(Draw, name.removesuffix("_id")) for name in _PLAY_LOCK_DRAW_FIELDS]
    fields += [rawsql.field(Game, name) for name in _PLAY_RULES]
    fields += [rawsql.field(User, name) for name in _PLAYER_LIMITS]
    return [rawsql.column(field) for field in fields]


_BALLOT_COLUMNS = ("uuid", "player", "draw", "numbers", "created_at", "quick_pick")
# The one-statement play sends the same values but the draw's id, which comes from its lock.
_AT_ONCE_BALLOT_COLUMNS = tuple(name for name in _BALLOT_COLUMNS if name != "draw")


def _values_row(columns: int) -> str:
    return "(" + ", ".join(["%s"] * columns) + ")"


def _db_values(ballots: list[Ballot], fields: "list[Field[Any, Any]]") -> list[Any]:
    """The ballots' values for the columns of ``fields``, row after row, as the ORM saves them."""
    return [f.get_db_prep_save(getattr(b, f.attname), connection) for b in ballots for f in fields]


def _stored(ballots: list[Ballot], ids: dict[UUID, int]) -> list[Ballot]:
    """The ballots as rows just inserted: their ids (by uuid), saved to this connection."""
    for ballot in ballots:
        ballot.pk = ids[ballot.uuid]
        ballot._state.adding = False
        ballot._state.db = connection.alias
    return ballots


def insert_within_limit(
    *, player: User, draw: Draw, numbers: list[str], quick: list[bool], now: datetime, limit: int
) -> list[Ballot] | None:
    """INSERT the lines unless the player would then have more than ``limit`` ballots in the
    draw, all or none, with the player's tally (run after lock_for_play, which serialises the
    player's plays; ``len(numbers) <= limit`` is checked before)."""
    ballots = [
        Ballot(player=player, draw=draw, numbers=text, created_at=now, quick_pick=q)
        for text, q in zip(numbers, quick, strict=True)
    ]
    params = _db_values(ballots, [rawsql.field(Ballot, name) for name in _BALLOT_COLUMNS])
    rows = ", ".join([_values_row(len(_BALLOT_COLUMNS))] * len(ballots))
    tally = [params[1], params[2], len(ballots), limit]  # player, draw, lines, limit
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_INSERT_WITHIN_LIMIT_SQL_POSTGRESQL.format(rows=rows), tally + params)
        else:
            cursor.execute(_TALLY_UPSERT_SQL, tally)
            if cursor.fetchone() is None:
                return None
            cursor.execute(_BALLOTS_INSERT_SQL.format(rows=rows), params)
        ids = {UUID(str(uuid_)): pk for pk, uuid_ in cursor.fetchall()}
    return _stored(ballots, ids) if ids else None


def play_at_once(
    player: User | Claims, game: Game, day: date, texts: list[str], quick: list[bool]
) -> list[Ballot] | None:
    """The lines of a one-draw ticket in one statement (PostgreSQL), judged already by
    ``game`` as this process knows it: its ballots, or None when the statement found a reason
    not to insert them (the long way then tells which)."""
    now = timezone.now()  # the instant the ballots count, if the draw is still open then
    player_id = player.user_id if isinstance(player, Claims) else player.pk
    ballots = [
        Ballot(player_id=player_id, numbers=text, created_at=now, quick_pick=q)
        for text, q in zip(texts, quick, strict=True)
    ]
    values = _db_values(ballots, _at_once_ballot_fields())
    player_pk = User._meta.pk.get_db_prep_value(player_id, connection)
    adapt = connection.ops.adapt_datetimefield_value
    # A bearer's account is checked against the token's issued_at (accounts.auth.user_for).
    issued = [adapt(player.issued_at)] if isinstance(player, Claims) else []
    params = [
        player_pk,
        game.pk,
        connection.ops.adapt_datefield_value(day),
        DrawStatus.OPEN.value,
        adapt(now),
        *rules_of(game),
        *issued,
        player_pk,
        len(ballots),
        game.max_ballots_per_player,
        *values,
    ]
    sql = _play_at_once_sql(bearer=bool(issued), lines=len(ballots))
    rows = rawsql.fetch(sql, params, _play_at_once_columns())
    if not rows:
        return None
    draw_pk, close_at = rows[0][2], rows[0][3]
    draw = Draw.from_db(
        connection.alias,
        _PLAY_LOCK_DRAW_FIELDS,
        [draw_pk, game.pk, day, DrawStatus.OPEN.value, close_at],
    )
    draw.game = game  # the answer reads draw.game.slug: no query after COMMIT
    for ballot in ballots:
        ballot.draw = draw
    return _stored(ballots, {uuid_: pk for pk, uuid_, _, _ in rows})


@functools.cache
def _at_once_ballot_fields() -> "list[Field[Any, Any]]":  # django-stubs generic, not Django
    return [rawsql.field(Ballot, name) for name in _AT_ONCE_BALLOT_COLUMNS]


@functools.cache
def _play_at_once_columns() -> list[Expression]:
    """What each column of the one-statement play's rows holds (for its converters)."""
    fields = [rawsql.field(Ballot, "id"), rawsql.field(Ballot, "uuid")]
    fields += [rawsql.field(Draw, "id"), rawsql.field(Draw, "close_at")]
    return [rawsql.column(field) for field in fields]
