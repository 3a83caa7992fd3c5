"""Emails to winners, sent after the draw has committed."""

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone

from lottery.models import Pick
from lottery.selectors.ballots import winning_picks


@transaction.atomic
def winners_notify(*, draw_id: int) -> int:
    """Email each current winner not told yet; safe to retry (each is told once)."""
    picks = list(
        winning_picks()
        .select_for_update(of=("self",))
        .filter(draw_id=draw_id, notified_at__isnull=True, ballot__player__erased_at__isnull=True)
        .select_related("draw__game", "ballot__player")
    )
    messages = [
        (
            f"You won the {pick.draw.game.name} draw of {pick.draw.date:%Y-%m-%d}",
            f"Hello {pick.ballot.player.first_name or 'player'},\n\n"
            f"Your ballot {pick.ballot.uuid} ({pick.ballot.numbers}) won the "
            f"{pick.draw.game.name} draw of {pick.draw.date:%Y-%m-%d}.\n"
            "Anyone can verify this draw with the published seed and Merkle root.\n",
            settings.DEFAULT_FROM_EMAIL,
            [pick.ballot.player.email],
        )
        for pick in picks
    ]
    sent = send_mass_mail(messages, fail_silently=False)
    Pick.objects.filter(pk__in=[p.pk for p in picks]).update(notified_at=timezone.now())
    return sent
