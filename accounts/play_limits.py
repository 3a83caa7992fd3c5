"""Responsible play, set by the player: a daily ballot limit and a self-exclusion.

The limit counts the ballots a player played in the last 24 hours, in every game (games
have their own time zones: a calendar day would let a player play twice the limit around
one midnight). Lowering it, or setting a first one, applies at once; raising or removing
it applies 24 hours after the player asked, so a moment's impulse cannot undo a decision
taken calmly. A self-exclusion lasts 7 days to 5 years; a new one may extend it, never
shorten it; nobody but a superuser can end it early, and that is audited. The play service
(lottery.services.ballots) enforces both, under its lock on the player.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.errors import ServiceError
from lottery.audit import audit_entry_create
from lottery.models import AuditAction, Ballot

RAISE_DELAY = timedelta(hours=24)
LIMIT_WINDOW = timedelta(hours=24)
EXCLUSION_DAYS_MIN, EXCLUSION_DAYS_MAX = 7, 5 * 365 + 1
DAILY_LIMIT_MAX = 100_000


@dataclass(frozen=True)
class PlayLimits:
    daily_ballot_limit: int | None
    asked_limit: int | None  # a raise or removal waiting out RAISE_DELAY
    asked_limit_applies_at: datetime | None
    played_last_24_hours: int
    self_excluded_until: datetime | None


def played_within_window(*, player: User, now: datetime) -> int:
    """The ballots the daily limit counts at ``now`` (ballot_player_recent_idx)."""
    return Ballot.objects.filter(player=player, created_at__gt=now - LIMIT_WINDOW).count()


def play_limits_of(*, user: User) -> PlayLimits:
    """What the player set, as it stands now."""
    now = timezone.now()
    pending = user.daily_ballot_limit_next_at is not None and now < user.daily_ballot_limit_next_at
    return PlayLimits(
        daily_ballot_limit=user.daily_limit_at(now),
        asked_limit=user.daily_ballot_limit_next if pending else None,
        asked_limit_applies_at=user.daily_ballot_limit_next_at if pending else None,
        played_last_24_hours=played_within_window(player=user, now=now),
        self_excluded_until=user.self_excluded_until if user.excluded_at(now) else None,
    )


def self_exclusions_active(*, now: datetime) -> int:
    """How many players are self-excluded at ``now`` (the dashboard; user_self_excluded_idx)."""
    return User.objects.filter(self_excluded_until__gt=now).count()


def _locked(user: User) -> User:
    """The player's row, locked: a ballot in flight (which locks it too) is judged by the
    limits before or after this change, never a mix."""
    return User.objects.select_for_update().get(pk=user.pk)


@transaction.atomic
def daily_limit_set(*, user: User, limit: int | None) -> PlayLimits:
    """Set the daily ballot limit (None: no limit). Lower applies now; higher in 24 hours."""
    if limit is not None and not 1 <= limit <= DAILY_LIMIT_MAX:
        raise ServiceError(f"A daily limit is 1 to {DAILY_LIMIT_MAX} ballots, or none.")
    now = timezone.now()
    row = _locked(user)
    current = row.daily_limit_at(now)
    if limit is not None and (current is None or limit <= current):
        row.daily_ballot_limit, row.daily_ballot_limit_next, row.daily_ballot_limit_next_at = (
            limit,
            None,
            None,
        )
    elif limit is None and current is None:  # none asked, none in force: drop a pending one
        row.daily_ballot_limit_next, row.daily_ballot_limit_next_at = None, None
    else:
        row.daily_ballot_limit = current  # a raise that matured is in force from now on
        row.daily_ballot_limit_next, row.daily_ballot_limit_next_at = limit, now + RAISE_DELAY
    row.save(
        update_fields=[
            "daily_ballot_limit",
            "daily_ballot_limit_next",
            "daily_ballot_limit_next_at",
        ]
    )
    return play_limits_of(user=row)


@transaction.atomic
def self_exclusion_start(*, user: User, days: int) -> PlayLimits:
    """Exclude oneself from play for ``days`` days from now (extending a running one)."""
    if not EXCLUSION_DAYS_MIN <= days <= EXCLUSION_DAYS_MAX:
        raise ServiceError(
            f"A self-exclusion lasts {EXCLUSION_DAYS_MIN} to {EXCLUSION_DAYS_MAX} days "
            f"(5 years); {days} asked."
        )
    row = _locked(user)
    until = timezone.now() + timedelta(days=days)
    if row.self_excluded_until is None or row.self_excluded_until < until:
        row.self_excluded_until = until
        row.save(update_fields=["self_excluded_until"])
    return play_limits_of(user=row)


def self_exclusion_end_refusal(*, user: User, actor: User) -> str | None:
    """Why ``actor`` may not end ``user``'s self-exclusion now, or None when they may."""
    if not actor.is_superuser:
        return "Only a superuser can end a self-exclusion early."
    if not user.excluded_at(timezone.now()):
        return f"{user.email} is not self-excluded."
    return None


@transaction.atomic
def self_exclusion_end(*, user: User, actor: User, reason: str) -> None:
    """End a self-exclusion before its term (a superuser's decision, audited with why)."""
    row = _locked(user)
    refusal = self_exclusion_end_refusal(user=row, actor=actor)
    if refusal:
        raise ServiceError(refusal, status=403)
    until = row.self_excluded_until
    row.self_excluded_until = None
    row.save(update_fields=["self_excluded_until"])
    audit_entry_create(
        action=AuditAction.SELF_EXCLUSION_END,
        actor=actor,
        target=row.email,
        reason=reason,
        before={"self_excluded_until": until.isoformat() if until else None},
        after={"self_excluded_until": None},
    )


def play_refusal(*, player: User, now: datetime, ballots: int) -> ServiceError | None:
    """Why the player's own limits refuse ``ballots`` more ballots at ``now``, if they do.
    Called by the play service under its lock on the player."""
    if player.excluded_at(now):
        return ServiceError(
            f"You have excluded yourself from play until "
            f"{player.self_excluded_until:%Y-%m-%d %H:%M} UTC.",
            status=403,
        )
    limit = player.daily_limit_at(now)
    if limit is None:
        return None
    played = played_within_window(player=player, now=now)
    if played + ballots <= limit:
        return None
    adds = f"; this ticket adds {ballots}" if ballots > 1 else ""
    return ServiceError(
        f"Your daily limit is {limit} ballots in any 24 hours, across games; you have played "
        f"{played} since {now - LIMIT_WINDOW:%Y-%m-%d %H:%M} UTC{adds}."
    )
