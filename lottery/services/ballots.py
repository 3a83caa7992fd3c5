"""Playing a ballot: the fast path every player request takes.

One transaction: the rules (from a per-process games cache, checked against the stored ones
under the lock), the play lock on the draw and the player, and the limit-checked insert.
It raises ``ServiceError`` (nothing changed) when it refuses.
"""

from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from core.errors import ServiceError
from lottery import draws
from lottery.models import Ballot, Draw, DrawStatus, Game
from lottery.services.draws import draw_get_or_create

DEFAULT_GAME = "daily"


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
_DRAW, _GAME, _USER, _BALLOT = (model._meta.db_table for model in (Draw, Game, User, Ballot))
_PLAY_LOCK_SELECT = (
    "SELECT d.id, d.game_id, d.date, d.status, d.close_at, "  # noqa: S608
    + ", ".join(f"g.{name} AS game_{name}" for name in _PLAY_RULES)
    + f" FROM {_DRAW} d JOIN {_GAME} g ON g.id = d.game_id "
)
_PLAY_LOCK_SQL = _PLAY_LOCK_SELECT + "WHERE d.game_id = %s AND d.date = %s"
_PLAY_LOCK_SQL_POSTGRESQL = (
    _PLAY_LOCK_SELECT + f"JOIN {_USER} u ON u.id = %s WHERE d.game_id = %s AND d.date = %s "
    "FOR SHARE OF d FOR NO KEY UPDATE OF u"
)
# Table names from the models' metadata; every value is a parameter.
_INSERT_WITHIN_LIMIT_SQL = (
    f"INSERT INTO {_BALLOT} (uuid, player_id, draw_id, numbers, created_at) "  # noqa: S608
    f"SELECT %s, %s, %s, %s, %s WHERE (SELECT count(*) FROM {_BALLOT} "
    "WHERE player_id = %s AND draw_id = %s) < %s RETURNING id"
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


def _rules(obj: Game | Draw, prefix: str = "") -> tuple:
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
    sql, params = _PLAY_LOCK_SQL, [game.pk, connection.ops.adapt_datefield_value(day)]
    if connection.vendor == "postgresql":
        sql, params = _PLAY_LOCK_SQL_POSTGRESQL, [player.pk, *params]
    # raw(): a Draw with only these fields loaded (the rest deferred), values converted
    # by the backend as the ORM would.
    draws_ = list(Draw.objects.raw(sql, params))
    return draws_[0] if draws_ else None


_BALLOT_COLUMNS = ("uuid", "player", "draw", "numbers", "created_at")


def _insert_within_limit(
    *, player: User, draw: Draw, numbers: str, now: datetime, limit: int
) -> Ballot | None:
    """INSERT the ballot unless the player already has ``limit`` in the draw: one statement,
    run after _lock_for_play so its count sees every committed ballot of the player."""
    ballot = Ballot(player=player, draw=draw, numbers=numbers, created_at=now)
    fields = [Ballot._meta.get_field(name) for name in _BALLOT_COLUMNS]
    values = [f.get_db_prep_save(getattr(ballot, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_WITHIN_LIMIT_SQL, [*values, values[1], values[2], limit])
        row = cursor.fetchone()
    if row is None:
        return None
    ballot.pk = row[0]
    ballot._state.adding = False
    ballot._state.db = connection.alias
    return ballot


@transaction.atomic
def ballot_play(
    *, player: User, numbers: list[int], game_slug: str | None = None, day: date | None = None
) -> Ballot:
    """Record a player's ballot for today or a future day, if every rule allows it."""
    slug = game_slug or DEFAULT_GAME
    game = _games.get(slug)
    if game is not None:
        try:
            return _play(player, game, numbers, day, fresh=False)
        except (ServiceError, _StaleGame):
            # Refused or unsure by the rules this process remembers: judge again by the
            # stored ones (nothing was written; the locks taken are simply held on).
            pass
    return _play(player, _game_load(slug), numbers, day, fresh=True)


def _play(player: User, game: Game, numbers: list[int], day: date | None, *, fresh: bool) -> Ballot:
    text = _check_numbers(game, numbers)
    today = game.today_for(timezone.now())
    day = day or today
    if day < today:
        raise ServiceError(f"The draw of {day} is closed: ballots for past days are refused.")
    if day > today + timedelta(days=game.horizon_days):
        raise ServiceError(
            f"Ballots may be played at most {game.horizon_days} days ahead (until "
            f"{today + timedelta(days=game.horizon_days)})."
        )
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
    ballot = _insert_within_limit(
        player=player, draw=draw, numbers=text, now=now, limit=game.max_ballots_per_player
    )
    if ballot is None:
        played = Ballot.objects.filter(player=player, draw=draw).count()
        raise ServiceError(
            f"A player may play at most {game.max_ballots_per_player} ballots in one draw; "
            f"you have played {played} for {day}."
        )
    return ballot
