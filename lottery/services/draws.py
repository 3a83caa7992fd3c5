"""Closing and drawing a day: the close fixes N and the Merkle root, the draw picks the
winners from the committed seed; manual draws, the midnight catch-up, and voids.

Each service is atomic and raises ``ServiceError`` (nothing changed) when it refuses.
"""

import secrets
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.errors import ServiceError
from lottery import caching, draws, jobs, proofs
from lottery.audit import audit_entry_create
from lottery.models import AuditAction, Ballot, Draw, DrawStatus, Game, Pick, PickKind
from lottery.rules import draw_may_be_drawn, draw_may_be_voided
from lottery.selectors.ballots import distinct_numbers
from lottery.selectors.draws import draws_due
from lottery.selectors.leaves import serial_ids


def draw_get_or_create(*, game: Game, day: date) -> Draw:
    """The draw of a game and date, created with a fresh committed seed the first time."""
    seed = secrets.token_bytes(32)
    draw, _ = Draw.objects.get_or_create(
        game=game,
        date=day,
        defaults={
            "close_at": game.close_at_for(day),
            "seed": seed,
            "commitment": draws.commitment(seed).hex(),
        },
    )
    return draw


def draw_lock(draw_id: int) -> Draw:
    """The draw, row-locked until the transaction ends (its game loaded)."""
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
    draw = draw_lock(draw_id)
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
    audit_entry_create(
        action=AuditAction.CLOSE,
        actor=actor,
        actor_label=actor_label,
        draw=draw,
        target=str(draw),
        after={"ballots_count": draw.ballots_count, "merkle_root": draw.merkle_root},
    )
    jobs.build_leaves_file(draw.pk)  # after commit: the first reader finds the file ready
    return draw


@transaction.atomic
def draw_run(*, draw_id: int, actor: User | None = None, actor_label: str = "") -> Draw:
    """Draw the winners of a closed draw (closing it first when due); a no-op once drawn."""
    draw = draw_lock(draw_id)
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
        audit_entry_create(
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
    ids = serial_ids(draw=draw)
    if len(ids) != count:  # ballots cannot appear after close; refuse to draw if they did
        raise ServiceError(f"{draw} has {len(ids)} ballots but closed with {count}.", status=409)
    winners, alternates = draw.winners_per_draw, draw.alternates_per_draw
    assert winners is not None and alternates is not None  # copied from the game at close
    outcome = draws.select_results(
        material=material,
        count=count,
        distinct=distinct_numbers(draw=draw, cap=winners + alternates),
        tie_rule=draw.tie_rule,
        winners=winners,
        alternates=alternates,
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
    audit_entry_create(
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
    jobs.notify_winners(draw.pk)  # after commit
    return draw


def draw_now(*, draw_id: int, actor: User) -> Draw:
    """Staff's manual draw: only for a day whose close time has passed."""
    draw = Draw.objects.get(pk=draw_id)
    if not draw_may_be_drawn(draw, timezone.now()) and draw.status != DrawStatus.OPEN:
        raise ServiceError(f"{draw} is {draw.get_status_display().lower()}: nothing to draw.")
    return draw_run(draw_id=draw_id, actor=actor)  # an open draw not yet due is refused there


def draws_due_run() -> list[Draw]:
    """Close and draw every draw whose close time has passed (catches up missed midnights)."""
    done = []
    for draw_id in draws_due(now=timezone.now()):
        draw_close(draw_id=draw_id)
        done.append(draw_run(draw_id=draw_id))
    return done


@transaction.atomic
def draw_void(*, draw_id: int, actor: User, reason: str) -> Draw:
    """Cancel a draw that has not been drawn; its ballots stay, no one wins."""
    if not reason.strip():
        raise ServiceError("A reason is required to void a draw.")
    draw = draw_lock(draw_id)
    if not draw_may_be_voided(draw):
        raise ServiceError(f"{draw} is {draw.get_status_display().lower()} and cannot be voided.")
    before = {"status": draw.status}
    draw.status = DrawStatus.VOID
    draw.void_reason = reason.strip()
    draw_revise(draw=draw, now=timezone.now())
    draw.save(update_fields=["status", "void_reason", "revision", "revised_at"])
    audit_entry_create(
        action=AuditAction.VOID,
        actor=actor,
        draw=draw,
        target=str(draw),
        reason=reason,
        before=before,
        after={"status": draw.status},
    )
    return draw
