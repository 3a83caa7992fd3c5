"""Playing a ballot: the path every player request takes.

The tickets are judged first by the rules of a per-process games cache. On PostgreSQL a
one-draw ticket is then one statement in autocommit (``play_statements.play_at_once``: the
locks, the draw still open, the stored rules unchanged, the account and its own limits, the
tally-guarded insert). Anything that statement does not insert, and everything on SQLite,
takes the long way: one transaction with the play lock on the draw and the player (which reads
the stored rules), the player's own limits and the limit-checked insert, which says why it
refuses. A refusal raises ``ServiceError``, and nothing is changed.
"""

import random
import secrets
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from accounts.auth import Claims, account_of
from accounts.models import User
from accounts.play_limits import play_refusal
from core.errors import ServiceError
from lottery import draws
from lottery.models import Ballot, BallotTally, DrawStatus, Game
from lottery.services.draws import draw_get_or_create
from lottery.services.play_statements import (
    insert_within_limit,
    lock_for_play,
    play_at_once,
    rules_of,
)

DEFAULT_GAME = "daily"
_CSPRNG = secrets.SystemRandom()  # quick picks: the OS CSPRNG, never a seeded generator
# Each process keeps the games it has seen (slug -> Game) and judges a ticket by them; the
# statement that locks the draw for a ballot reads (or compares) the stored rules, so an edit
# in the admin applies to the very next ballot, and a stale copy costs one reload, never a
# wrong answer.
_games: dict[str, Game] = {}


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


class _StaleGame(Exception):
    """The cached game differs from the stored one, or its draw for the day does not exist."""


def _game_load(slug: str) -> Game:
    game = Game.objects.filter(slug=slug, is_active=True).first()
    if game is None:
        _games.pop(slug, None)
        raise ServiceError(f"There is no active game {slug!r}.")
    _games[slug] = game
    return game


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
            ballots = play_at_once(player, game, ticket.day, ticket.texts, ticket.quick)
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
    draw = lock_for_play(player, game, day)
    if draw is None:
        if not fresh:
            raise _StaleGame  # the first ballot of the day: the draw is created above
        raise ServiceError("Your account cannot play.", status=401)  # deleted meanwhile
    if not fresh and rules_of(game) != rules_of(draw, prefix="game_"):
        raise _StaleGame
    draw.game = game  # the answer reads draw.game.slug: no query after COMMIT
    now = timezone.now()  # the instant the ballot counts, taken under the lock
    if draw.status != DrawStatus.OPEN or now >= draw.close_at:
        raise ServiceError(f"The draw of {day} is closed: it closed at {draw.close_at:%H:%M} UTC.")
    if whole_ticket and (refusal := play_refusal(player=player, now=now, ballots=whole_ticket)):
        raise refusal
    ballots = insert_within_limit(
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
