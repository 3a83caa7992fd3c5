"""Playing a ballot: the fast path every player request takes.

One transaction: the rules (from a per-process games cache, checked against the stored ones
under the lock), the play lock on the draw and the player, and the limit-checked insert.
It raises ``ServiceError`` (nothing changed) when it refuses.
"""

import functools
import random
import secrets
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from django.db import connection, transaction
from django.db.models import Count, Expression
from django.utils import timezone

from accounts.auth import Claims, account_of
from accounts.models import User
from accounts.play_limits import play_refusal
from core import rawsql
from core.errors import ServiceError
from lottery import draws
from lottery.models import Ballot, BallotTally, Draw, DrawStatus, Game
from lottery.services.draws import draw_get_or_create

DEFAULT_GAME = "daily"
_CSPRNG = secrets.SystemRandom()  # quick picks: the OS CSPRNG, never a seeded generator


def _check_numbers(game: Game, numbers: list[int]) -> str:
    if len(numbers) != game.numbers_per_ballot:
        raise ServiceError(
            f"A ballot has exactly {game.numbers_per_ballot} numbers; {len(numbers)} were given."
        )
    if len(set(numbers)) != len(numbers):
        raise ServiceError("The numbers of a ballot must all be different.")
    outside = sorted(n for n in numbers if not game.min_number <= n <= game.max_number)
    if outside:
        raise ServiceError(
            f"Numbers must be between {game.min_number} and {game.max_number}; "
            f"{_and_list(outside)} {'is' if len(outside) == 1 else 'are'} out of range."
        )
    return draws.numbers_text(numbers)


def _and_list(items: list[int]) -> str:
    """'7', '0 and 51', '0, 51 and 60'."""
    words = [str(item) for item in items]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


# The rules a ballot is judged by. Each process keeps the games it has seen (slug -> Game);
# the statement that locks the draw for a ballot reads these columns too, so a ballot is
# always judged by the rules stored at that moment: an edit in the admin applies to the very
# next ballot, and a stale copy costs one reload, never a wrong answer.
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
_games: dict[str, Game] = {}


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
# The draw's columns the play reads (a Draw with the rest deferred).
_PLAY_LOCK_DRAW_FIELDS = ["id", "game_id", "date", "status", "close_at"]
_PLAY_LOCK_SELECT = (
    "SELECT "  # noqa: S608
    + ", ".join(f"d.{name}" for name in _PLAY_LOCK_DRAW_FIELDS)
    + ", "
    + ", ".join(f"g.{name} AS game_{name}" for name in _PLAY_RULES)
    + ", "
    + ", ".join(f"u.{name} AS player_{name}" for name in _PLAYER_LIMITS)
    + f" FROM {_DRAW} d JOIN {_GAME} g ON g.id = d.game_id JOIN {_USER} u ON u.id = %s "
    "WHERE d.game_id = %s AND d.date = %s"
)
_PLAY_LOCK_SQL = _PLAY_LOCK_SELECT
_PLAY_LOCK_SQL_POSTGRESQL = _PLAY_LOCK_SELECT + " FOR SHARE OF d FOR NO KEY UPDATE OF u"
# Table names from the models' metadata; every value is a parameter. The player's tally in
# the draw grows by the ticket's lines only if it stays within the limit (the last parameter):
# one row found by its unique key, whatever the planner knows of the day's ballots.
_TALLY_UPSERT_SQL = (
    f"INSERT INTO {_TALLY} (player_id, draw_id, ballots) VALUES (%s, %s, %s) "  # noqa: S608
    f"ON CONFLICT (player_id, draw_id) DO UPDATE SET ballots = {_TALLY}.ballots + "
    f"excluded.ballots WHERE {_TALLY}.ballots + excluded.ballots <= %s RETURNING ballots"
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
# block (it is its own transaction): lock the draw and the player as _lock_for_play does, but
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
_BEARER_VALID = (
    "u.is_active AND u.erased_at IS NULL "
    "AND (u.tokens_revoked_at IS NULL OR u.tokens_revoked_at < %s)"
)


@functools.cache
def _play_at_once_sql(*, bearer: bool) -> str:
    """The one-statement play, its VALUES rows left as ``{rows}``."""
    account = f" AND {_BEARER_VALID}" if bearer else ""
    return (
        "WITH lock AS MATERIALIZED (SELECT d.id, d.close_at "  # noqa: S608
        f"FROM {_DRAW} d JOIN {_GAME} g ON g.id = d.game_id JOIN {_USER} u ON u.id = %s "
        "WHERE d.game_id = %s AND d.date = %s AND d.status = %s AND d.close_at > %s "
        f"AND {_RULES_UNCHANGED} AND {_NO_OWN_LIMITS}{account} "
        "FOR SHARE OF d FOR NO KEY UPDATE OF u), "
        f"tally AS (INSERT INTO {_TALLY} (player_id, draw_id, ballots) "
        "SELECT %s, lock.id, %s FROM lock "
        f"ON CONFLICT (player_id, draw_id) DO UPDATE SET ballots = {_TALLY}.ballots + "
        f"excluded.ballots WHERE {_TALLY}.ballots + excluded.ballots <= %s RETURNING draw_id), "
        f"ins AS (INSERT INTO {_BALLOT} ({', '.join(_BALLOT_SQL_COLUMNS)}) "
        "SELECT v.column1, v.column2, tally.draw_id, v.column3, v.column4, v.column5 "
        "FROM (VALUES {rows}) AS v, tally RETURNING id, uuid) "
        "SELECT ins.id, ins.uuid, lock.id, lock.close_at FROM ins, lock"
    )


class _StaleGame(Exception):
    """The cached game differs from the stored one, or its draw for the day does not exist."""


def _game_load(slug: str) -> Game:
    game = Game.objects.filter(slug=slug, is_active=True).first()
    if game is None:
        _games.pop(slug, None)
        raise ServiceError(f"There is no active game {slug!r}.")
    _games[slug] = game
    return game


def _rules(obj: Game | Draw, prefix: str = "") -> tuple[object, ...]:
    """The play rules of a game, or those the play lock read beside a draw (``game_``...)."""
    return tuple(getattr(obj, prefix + name) for name in _PLAY_RULES)


def _lock_for_play(player: User, game: Game, day: date) -> Draw | None:
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
_VALUES_ROW = "(" + ", ".join(["%s"] * len(_BALLOT_COLUMNS)) + ")"


def _insert_within_limit(
    *, player: User, draw: Draw, numbers: list[str], quick: list[bool], now: datetime, limit: int
) -> list[Ballot] | None:
    """INSERT the lines unless the player would then have more than ``limit`` ballots in the
    draw, all or none, with the player's tally (run after _lock_for_play, which serialises the
    player's plays; ``len(numbers) <= limit`` is checked before)."""
    ballots = [
        Ballot(player=player, draw=draw, numbers=text, created_at=now, quick_pick=q)
        for text, q in zip(numbers, quick, strict=True)
    ]
    by_name = {field.name: field for field in Ballot._meta.concrete_fields}
    fields = [by_name[name] for name in _BALLOT_COLUMNS]
    params = [
        f.get_db_prep_save(getattr(b, f.attname), connection) for b in ballots for f in fields
    ]
    rows = ", ".join([_VALUES_ROW] * len(ballots))
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
    if not ids:
        return None
    for ballot in ballots:
        ballot.pk = ids[ballot.uuid]
        ballot._state.adding = False
        ballot._state.db = connection.alias
    return ballots


def tallies_rebuild(*, draw_ids: list[int]) -> None:
    """Recount the players' tallies of these draws from their ballots: for ballots loaded in
    bulk beside the play path (the demo data)."""
    BallotTally.objects.filter(draw_id__in=draw_ids).delete()
    counts = (
        Ballot.objects.filter(draw_id__in=draw_ids)
        .order_by()
        .values("player_id", "draw_id")
        .annotate(n=Count("id"))
    )
    BallotTally.objects.bulk_create(
        [
            BallotTally(player_id=c["player_id"], draw_id=c["draw_id"], ballots=c["n"])
            for c in counts
        ],
        batch_size=2000,
    )


def quick_pick(game: Game, rng: random.Random | None = None) -> list[int]:
    """Distinct numbers chosen by the server, uniform over the game's range (every set of
    ``numbers_per_ballot`` numbers equally likely), from the operating system's CSPRNG (a
    seeded ``rng`` is for tests only)."""
    return sorted(
        (rng or _CSPRNG).sample(
            range(game.min_number, game.max_number + 1), game.numbers_per_ballot
        )
    )


def ballot_play(
    *,
    player: User | Claims,
    numbers: list[int] | None,
    game_slug: str | None = None,
    day: date | None = None,
) -> Ballot:
    """Record a player's ballot for today or a future day, if every rule allows it; no
    numbers asks for a quick pick."""
    return ticket_play(player=player, lines=[numbers], game_slug=game_slug, day=day)[0]


def ticket_play(
    *,
    player: User | Claims,
    lines: list[list[int] | None],
    game_slug: str | None = None,
    day: date | None = None,
    draws_ahead: int = 1,
    rng: random.Random | None = None,
) -> list[Ballot]:
    """Record a ticket: its lines (None asks for a quick pick) for the draw of ``day`` (today
    by default) and the ``draws_ahead - 1`` draws after it, all or nothing. A quick-picked
    line keeps its numbers in every draw of the ticket, as the same line played again.

    ``player`` may be the Claims of an access token whose account was not read yet
    (JWTAuth(deferred=True)): the account is then checked as JWTAuth checks it, in the
    one-statement play or before the long way, and refused with the same 401."""
    slug = game_slug or DEFAULT_GAME
    game = _games.get(slug)
    if game is not None and draws_ahead == 1 and connection.vendor == "postgresql":
        try:
            ticket = _Ticket.judge(game, lines, day, draws_ahead, rng)
        except ServiceError:
            pass  # judged again below by the stored rules, which may differ
        else:
            ballots = _play_at_once(player, game, ticket)
            if ballots is not None:
                return ballots
    if isinstance(player, Claims):
        player = account_of(player)
    return _ticket_play_locked(
        player=player, slug=slug, lines=lines, day=day, draws_ahead=draws_ahead, rng=rng
    )


@transaction.atomic
def _ticket_play_locked(
    *,
    player: User,
    slug: str,
    lines: list[list[int] | None],
    day: date | None,
    draws_ahead: int,
    rng: random.Random | None,
) -> list[Ballot]:
    """The long way, in a transaction: every case, each refusal with its reason."""
    game = _games.get(slug)
    if game is not None:
        try:
            # A savepoint when a refusal could come after a draw's lines went in.
            with transaction.atomic() if draws_ahead > 1 else nullcontext():
                return _play(player, game, lines, day, draws_ahead, rng, fresh=False)
        except (ServiceError, _StaleGame):
            # Refused or unsure by the rules this process remembers: judge again by the
            # stored ones (nothing was written; the locks taken are simply held on).
            pass
    return _play(player, _game_load(slug), lines, day, draws_ahead, rng, fresh=True)


@dataclass(frozen=True)
class _Ticket:
    """A ticket judged by a game's rules before any lock: its lines as numbers texts, which
    of them were quick picks, its first draw's day and how many draws it plays."""

    texts: list[str]
    quick: list[bool]
    day: date
    draws_ahead: int

    @classmethod
    def judge(
        cls,
        game: Game,
        lines: list[list[int] | None],
        day: date | None,
        draws_ahead: int,
        rng: random.Random | None,
    ) -> "_Ticket":
        if not 1 <= len(lines) <= game.max_ballots_per_player:
            raise ServiceError(
                f"A ticket has 1 to {game.max_ballots_per_player} lines (the most a player may "
                f"play in one draw); {len(lines)} were given."
            )
        quick = [numbers is None for numbers in lines]
        texts = [
            draws.numbers_text(quick_pick(game, rng))
            if numbers is None
            else _check_numbers(game, numbers)
            for numbers in lines
        ]
        today = game.today_for(timezone.now())
        day = day or today
        last = day + timedelta(days=draws_ahead - 1)
        if day < today:
            raise ServiceError(f"The draw of {day} is closed: ballots for past days are refused.")
        if not 1 <= draws_ahead <= game.horizon_days + 1:
            raise ServiceError(
                f"A ticket plays 1 to {game.horizon_days + 1} draws; {draws_ahead} asked."
            )
        if last > today + timedelta(days=game.horizon_days):
            raise ServiceError(
                f"Ballots may be played at most {game.horizon_days} days ahead (until "
                f"{today + timedelta(days=game.horizon_days)})"
                + (f"; this ticket's last draw would be {last}." if draws_ahead > 1 else ".")
            )
        return cls(texts=texts, quick=quick, day=day, draws_ahead=draws_ahead)


def _play(
    player: User,
    game: Game,
    lines: list[list[int] | None],
    day: date | None,
    draws_ahead: int,
    rng: random.Random | None,
    *,
    fresh: bool,
) -> list[Ballot]:
    ticket = _Ticket.judge(game, lines, day, draws_ahead, rng)
    ballots: list[Ballot] = []
    for offset in range(draws_ahead):  # in date order: concurrent tickets lock alike
        ballots += _play_draw(
            player,
            game,
            ticket.texts,
            ticket.quick,
            ticket.day + timedelta(days=offset),
            fresh=fresh,
            # The player's own limits, judged once for the whole ticket under the first lock.
            whole_ticket=len(ticket.texts) * draws_ahead if offset == 0 else 0,
        )
    return ballots


def _play_at_once(player: User | Claims, game: Game, ticket: _Ticket) -> list[Ballot] | None:
    """A one-draw ticket in one statement (PostgreSQL): its ballots, or None when the
    statement found a reason not to insert them (the long way then tells which)."""
    now = timezone.now()  # the instant the ballots count, if the draw is still open then
    bearer = isinstance(player, Claims)
    player_id = player.user_id if isinstance(player, Claims) else player.pk
    ballots = [
        Ballot(player_id=player_id, numbers=text, created_at=now, quick_pick=q)
        for text, q in zip(ticket.texts, ticket.quick, strict=True)
    ]
    fields = [rawsql.field(Ballot, name) for name in _AT_ONCE_BALLOT_COLUMNS]
    values = [
        f.get_db_prep_save(getattr(b, f.attname), connection) for b in ballots for f in fields
    ]
    player_pk = User._meta.pk.get_db_prep_value(player_id, connection)
    adapt = connection.ops.adapt_datetimefield_value
    params = [
        player_pk,
        game.pk,
        connection.ops.adapt_datefield_value(ticket.day),
        DrawStatus.OPEN.value,
        adapt(now),
        *_rules(game),
        *([adapt(player.issued_at)] if isinstance(player, Claims) else []),
        player_pk,
        len(ballots),
        game.max_ballots_per_player,
        *values,
    ]
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = _play_at_once_sql(bearer=bearer).format(rows=", ".join([row_sql] * len(ballots)))
    rows = rawsql.fetch(sql, params, _play_at_once_columns())
    if not rows:
        return None
    draw_pk, close_at = rows[0][2], rows[0][3]
    draw = Draw.from_db(
        connection.alias,
        _PLAY_LOCK_DRAW_FIELDS,
        [draw_pk, game.pk, ticket.day, DrawStatus.OPEN.value, close_at],
    )
    draw.game = game  # the answer reads draw.game.slug: no query after COMMIT
    ids = {uuid_: pk for pk, uuid_, _, _ in rows}
    for ballot in ballots:
        ballot.draw = draw
        ballot.pk = ids[ballot.uuid]
        ballot._state.adding = False
        ballot._state.db = connection.alias
    return ballots


# The ballot columns the one-statement play sends as values (the draw's id comes from its lock).
_AT_ONCE_BALLOT_COLUMNS = ("uuid", "player", "numbers", "created_at", "quick_pick")


@functools.cache
def _play_at_once_columns() -> list[Expression]:
    """What each column of the one-statement play's rows holds (for its converters)."""
    fields = [rawsql.field(Ballot, "id"), rawsql.field(Ballot, "uuid")]
    fields += [rawsql.field(Draw, "id"), rawsql.field(Draw, "close_at")]
    return [rawsql.column(field) for field in fields]


def _play_draw(
    player: User,
    game: Game,
    texts: list[str],
    quick: list[bool],
    day: date,
    *,
    fresh: bool,
    whole_ticket: int,
) -> list[Ballot]:
    """The lines of one draw: lock it (and the player), check the cut-off, insert them."""
    if fresh:
        draw_get_or_create(game=game, day=day)
    draw = _lock_for_play(player, game, day)
    if draw is None:
        if not fresh:
            raise _StaleGame  # the first ballot of the day: the draw is created above
        raise ServiceError("Your account cannot play.", status=401)  # deleted meanwhile
    if not fresh and _rules(game) != _rules(draw, prefix="game_"):
        raise _StaleGame
    draw.game = game  # the answer reads draw.game.slug: no query after COMMIT
    now = timezone.now()  # the instant the ballot counts, taken under the lock
    if draw.status != DrawStatus.OPEN or now >= draw.close_at:
        raise ServiceError(f"The draw of {day} is closed: it closed at {draw.close_at:%H:%M} UTC.")
    if whole_ticket and (refusal := play_refusal(player=player, now=now, ballots=whole_ticket)):
        raise refusal
    ballots = _insert_within_limit(
        player=player,
        draw=draw,
        numbers=texts,
        quick=quick,
        now=now,
        limit=game.max_ballots_per_player,
    )
    if ballots is None:
        played = Ballot.objects.filter(player=player, draw=draw).count()
        asked = f"; this ticket adds {len(texts)}" if len(texts) > 1 else ""
        raise ServiceError(
            f"A player may play at most {game.max_ballots_per_player} ballots in one draw; "
            f"you have played {played} for {day}{asked}."
        )
    return ballots
