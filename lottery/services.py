"""Every write of the lottery: playing a ballot, closing and drawing a draw, redraws, voids.

Each service is atomic and raises ``ServiceError`` (nothing changed) when it refuses.
"""

import secrets
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from core.errors import ServiceError
from lottery import caching, draws, proofs, selectors
from lottery.models import (
    AuditAction,
    AuditEntry,
    Ballot,
    Draw,
    DrawStatus,
    Game,
    Pick,
    PickKind,
    RedrawRequest,
    RedrawStatus,
)

DEFAULT_GAME = "daily"


def close_at_for(game: Game, day: date) -> datetime:
    """Midnight at the end of ``day`` in the game's time zone (stored in UTC)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=game.zone).astimezone(UTC)


def today_for(game: Game, now: datetime) -> date:
    return now.astimezone(game.zone).date()


def audit(
    *,
    action: str,
    actor: User | None = None,
    actor_label: str = "",
    draw: Draw | None = None,
    target: str = "",
    reason: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        action=action,
        actor=actor,
        actor_label=actor_label,
        draw=draw,
        target=target,
        reason=reason,
        before=before or {},
        after=after or {},
    )


def draw_get_or_create(*, game: Game, day: date) -> Draw:
    """The draw of a game and date, created with a fresh committed seed the first time."""
    seed = secrets.token_bytes(32)
    draw, _ = Draw.objects.get_or_create(
        game=game,
        date=day,
        defaults={
            "close_at": close_at_for(game, day),
            "seed": seed,
            "commitment": draws.commitment(seed).hex(),
        },
    )
    return draw


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
_PLAY_LOCK_SELECT = (
    "SELECT d.id, d.game_id, d.date, d.status, d.close_at, "  # noqa: S608
    + ", ".join(f"g.{name} AS game_{name}" for name in _PLAY_RULES)
    + " FROM lottery_draw d JOIN lottery_game g ON g.id = d.game_id "
)
_PLAY_LOCK_SQL = _PLAY_LOCK_SELECT + "WHERE d.game_id = %s AND d.date = %s"
_PLAY_LOCK_SQL_POSTGRESQL = (
    _PLAY_LOCK_SELECT + "JOIN accounts_user u ON u.id = %s WHERE d.game_id = %s AND d.date = %s "
    "FOR SHARE OF d FOR NO KEY UPDATE OF u"
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
        cursor.execute(
            "INSERT INTO lottery_ballot (uuid, player_id, draw_id, numbers, created_at) "
            "SELECT %s, %s, %s, %s, %s WHERE (SELECT count(*) FROM lottery_ballot "
            "WHERE player_id = %s AND draw_id = %s) < %s RETURNING id",
            [*values, values[1], values[2], limit],
        )
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
    today = today_for(game, timezone.now())
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


def _lock(draw_id: int) -> Draw:
    return Draw.objects.select_for_update().select_related("game").get(pk=draw_id)


def draw_revise(*, draw: Draw, now: datetime) -> None:
    """Mark a published value as changed (the caller holds the row lock and saves): the
    public reads' ETag and Last-Modified follow ``revision`` and ``revised_at``."""
    draw.revision += 1
    draw.revised_at = now
    caching.published_changed()


@transaction.atomic
def draw_close(*, draw_id: int, actor: User | None = None, actor_label: str = "") -> Draw:
    """Stop taking ballots and fix N and the Merkle root; a no-op once closed.

    ``actor`` (a staff account) or ``actor_label`` (an OS user) names who closed it by hand.
    """
    draw = _lock(draw_id)
    if draw.status != DrawStatus.OPEN:
        return draw
    now = timezone.now()
    if now < draw.close_at:
        raise ServiceError(f"The draw of {draw.date} is still open until {draw.close_at}.")
    root, count = proofs.tree_build(draw=draw)  # the root, and what proofs need, stored
    game = draw.game
    draw.status = DrawStatus.CLOSED
    draw.closed_at = now
    draw_revise(draw=draw, now=now)
    draw.ballots_count = count
    draw.merkle_root = root.hex()
    draw.tie_rule = game.tie_rule
    draw.winners_per_draw = game.winners_per_draw
    draw.alternates_per_draw = game.alternates_per_draw
    draw.beacon = settings.LOTTERY_BEACON
    draw.save()
    audit(
        action=AuditAction.CLOSE,
        actor=actor,
        actor_label=actor_label,
        draw=draw,
        target=str(draw),
        after={"ballots_count": draw.ballots_count, "merkle_root": draw.merkle_root},
    )
    _build_leaves_after_commit(draw.pk)
    return draw


def _build_leaves_after_commit(draw_id: int) -> None:
    """Build the one-file leaves download once the close has committed, so that the first
    reader after midnight gets a ready file (the download still builds it if the task failed)."""
    from lottery import tasks  # tasks import services; import here to avoid a cycle

    transaction.on_commit(lambda: tasks.build_leaves_file(draw_id))


@transaction.atomic
def draw_run(*, draw_id: int, actor: User | None = None, actor_label: str = "") -> Draw:
    """Draw the winners of a closed draw (closing it first when due); a no-op once drawn."""
    draw = _lock(draw_id)
    if draw.status == DrawStatus.OPEN:
        draw = draw_close(draw_id=draw_id, actor=actor, actor_label=actor_label)
    if draw.status != DrawStatus.CLOSED:
        return draw
    seed = bytes(draw.seed)
    now = timezone.now()
    count = draw.ballots_count or 0
    before = {"status": draw.status}
    if count == 0:
        draw.status = DrawStatus.NO_ENTRIES
        draw.drawn_at = now
        draw_revise(draw=draw, now=now)
        draw.save()
        audit(
            action=AuditAction.DRAW,
            actor=actor,
            actor_label=actor_label,
            draw=draw,
            target=str(draw),
            before=before,
            after={"status": draw.status},
        )
        return draw
    root = bytes.fromhex(draw.merkle_root)
    material = draws.draw_material(
        seed=seed,
        game=draw.game.slug,
        date=draw.date.isoformat(),
        count=count,
        root=root,
        beacon=draw.beacon,
    )
    ids = selectors.serial_ids(draw=draw)
    if len(ids) != count:  # ballots cannot appear after close; refuse to draw if they did
        raise ServiceError(f"{draw} has {len(ids)} ballots but closed with {count}.", status=409)
    outcome = draws.select_results(
        material=material,
        count=count,
        distinct=selectors.distinct_numbers(
            draw=draw, cap=draw.winners_per_draw + draw.alternates_per_draw
        ),
        tie_rule=draw.tie_rule,
        winners=draw.winners_per_draw,
        alternates=draw.alternates_per_draw,
        numbers_at=lambda serial: Ballot.objects.values_list("numbers", flat=True).get(
            pk=ids[serial - 1]
        ),
        serials_with=lambda numbers: sorted(
            ids.index(pk) + 1
            for pk in Ballot.objects.filter(draw=draw, numbers=numbers).values_list("pk", flat=True)
        ),
    )
    Pick.objects.bulk_create(
        Pick(draw=draw, ballot_id=ids[serial - 1], kind=kind, rank=result.rank, serial=serial)
        for kind, results in (
            (PickKind.WINNER, outcome.winners),
            (PickKind.ALTERNATE, outcome.alternates),
        )
        for result in results
        for serial in result.serials
    )
    draw.status = DrawStatus.DRAWN
    draw.material = material.hex()
    draw.drawn_at = now
    draw_revise(draw=draw, now=now)
    draw.save()
    audit(
        action=AuditAction.MANUAL_DRAW if actor or actor_label else AuditAction.DRAW,
        actor=actor,
        actor_label=actor_label,
        draw=draw,
        target=str(draw),
        before=before,
        after={
            "status": draw.status,
            "material": draw.material,
            "winners": [list(r.serials) for r in outcome.winners],
        },
    )
    _notify_winners_after_commit(draw.pk)
    return draw


def _notify_winners_after_commit(draw_id: int) -> None:
    """Email the draw's current winners once this transaction has committed."""
    from lottery import tasks  # tasks import services; import here to avoid a cycle

    transaction.on_commit(lambda: tasks.notify_winners(draw_id))


def draw_now(*, draw_id: int, actor: User) -> Draw:
    """Staff's manual draw: only for a day whose close time has passed."""
    draw = Draw.objects.get(pk=draw_id)
    if draw.status not in (DrawStatus.OPEN, DrawStatus.CLOSED):
        raise ServiceError(f"{draw} is {draw.get_status_display().lower()}: nothing to draw.")
    return draw_run(draw_id=draw_id, actor=actor)


def draws_due_run() -> list[Draw]:
    """Close and draw every draw whose close time has passed (catches up missed midnights)."""
    done = []
    for draw_id in selectors.draws_due(now=timezone.now()):
        draw_close(draw_id=draw_id)
        done.append(draw_run(draw_id=draw_id))
    return done


@transaction.atomic
def draw_void(*, draw_id: int, actor: User, reason: str) -> Draw:
    """Cancel a draw that has not been drawn; its ballots stay, no one wins."""
    if not reason.strip():
        raise ServiceError("A reason is required to void a draw.")
    draw = _lock(draw_id)
    if draw.status in (DrawStatus.DRAWN, DrawStatus.VOID):
        raise ServiceError(f"{draw} is {draw.get_status_display().lower()} and cannot be voided.")
    before = {"status": draw.status}
    draw.status = DrawStatus.VOID
    draw.void_reason = reason.strip()
    draw_revise(draw=draw, now=timezone.now())
    draw.save(update_fields=["status", "void_reason", "revision", "revised_at"])
    audit(
        action=AuditAction.VOID,
        actor=actor,
        draw=draw,
        target=str(draw),
        reason=reason,
        before=before,
        after={"status": draw.status},
    )
    return draw


@transaction.atomic
def redraw_request(*, pick_id: int, actor: User, reason: str) -> RedrawRequest:
    """Ask to disqualify one winning ballot; approved at once when no approval is required."""
    if not reason.strip():
        raise ServiceError("A reason is required to request a redraw.")
    pick = Pick.objects.select_related("draw", "ballot").get(pk=pick_id)
    _lock(pick.draw_id)
    if not pick.is_winning:
        raise ServiceError("Only a ballot that currently wins can be disqualified.")
    if RedrawRequest.objects.filter(pick=pick, status=RedrawStatus.PENDING).exists():
        raise ServiceError("A redraw of this winner is already waiting for approval.", status=409)
    request = RedrawRequest.objects.create(
        draw=pick.draw, pick=pick, reason=reason.strip(), requested_by=actor
    )
    audit(
        action=AuditAction.REDRAW_REQUEST,
        actor=actor,
        draw=pick.draw,
        target=str(pick.ballot),
        reason=reason,
    )
    if settings.LOTTERY_REDRAW_APPROVALS == 0:
        return redraw_approve(request_id=request.pk, actor=actor)
    return request


@transaction.atomic
def redraw_approve(*, request_id: int, actor: User, note: str = "") -> RedrawRequest:
    """Disqualify the winner and promote the next unused alternate; never fresh randomness."""
    request = _pending(request_id, actor)
    draw = _lock(request.draw_id)
    now = timezone.now()
    pick = request.pick
    Pick.objects.filter(pk=pick.pk).update(disqualified_at=now)
    promoted: list[str] = []
    # Under the share rule a result is several ballots: promote only when none is left.
    result_left = Pick.objects.filter(
        draw=draw, kind=pick.kind, rank=pick.rank, disqualified_at__isnull=True
    ).exists()
    if not result_left:
        next_rank = (
            Pick.objects.filter(draw=draw, kind=PickKind.ALTERNATE, promoted_at__isnull=True)
            .order_by("rank")
            .values_list("rank", flat=True)
            .first()
        )
        if next_rank is not None:
            alternates = Pick.objects.filter(draw=draw, kind=PickKind.ALTERNATE, rank=next_rank)
            promoted = [str(u) for u in alternates.values_list("ballot__uuid", flat=True)]
            alternates.update(promoted_at=now)
    draw_revise(draw=draw, now=now)
    draw.save(update_fields=["revision", "revised_at"])
    request.status = RedrawStatus.APPROVED
    request.decided_by = actor
    request.decided_at = now
    request.decision_note = note
    request.save()
    audit(
        action=AuditAction.REDRAW_APPROVE,
        actor=actor,
        draw=draw,
        target=str(pick.ballot),
        reason=request.reason,
        before={"winner": str(pick.ballot)},
        after={"disqualified": str(pick.ballot), "promoted": promoted},
    )
    if promoted:
        _notify_winners_after_commit(draw.pk)
    return request


@transaction.atomic
def redraw_refuse(*, request_id: int, actor: User, note: str = "") -> RedrawRequest:
    """Turn a pending redraw request down; the winner stays."""
    request = _pending(request_id, actor)
    request.status = RedrawStatus.REFUSED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save()
    audit(
        action=AuditAction.REDRAW_REFUSE,
        actor=actor,
        draw=request.draw,
        target=str(request.pick.ballot),
        reason=note or request.reason,
    )
    return request


def _pending(request_id: int, actor: User) -> RedrawRequest:
    request = (
        RedrawRequest.objects.select_for_update()
        .select_related("pick__ballot", "draw")
        .get(pk=request_id)
    )
    if request.status != RedrawStatus.PENDING:
        raise ServiceError(
            f"This redraw request is already {request.get_status_display().lower()}.", status=409
        )
    if settings.LOTTERY_REDRAW_APPROVALS > 0 and request.requested_by_id == actor.pk:
        raise ServiceError("A redraw must be approved by a different staff member.", status=403)
    return request
