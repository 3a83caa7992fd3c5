"""Close and draw one day by hand: python manage.py draw GAME YYYY-MM-DD [--actor EMAIL]."""

import getpass
import time
from datetime import date
from typing import TYPE_CHECKING, Any, TypedDict

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from core.errors import ServiceError
from lottery.models import Ballot, Draw, DrawStatus, Game, PickKind
from lottery.selectors.draws import draw_public
from lottery.services.draws import draw_close, draw_get_or_create, draw_run

if TYPE_CHECKING:
    from lottery.selectors.draws import DrawWithPicks


class Command(BaseCommand):
    help = (
        "Close and draw a day whose close time has passed, then print the result. The audit "
        "log records you: the staff account given by --actor, else your OS user name."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("game", help="game slug, e.g. daily")
        parser.add_argument("date", type=date.fromisoformat, help="draw date, YYYY-MM-DD")
        parser.add_argument("--actor", metavar="EMAIL", help="the staff account running it")

    def handle(self, *args: str, game: str, date: date, actor: str | None, **options: Any) -> None:
        if not Game.objects.filter(slug=game).exists():
            raise CommandError(f"There is no game {game!r}.")
        who = _operator(actor)
        found = Draw.objects.filter(game__slug=game, date=date).first()
        if found is None:
            # Nobody played: create the draw so that the day ends, verifiably, with no entries.
            found = draw_get_or_create(game=Game.objects.get(slug=game), day=date)
        try:
            if found.status == DrawStatus.OPEN:
                count = Ballot.objects.filter(draw=found).count()
                self.stdout.write(f"Closing {found}: {count:,} ballots to number and hash…")
                started = time.monotonic()
                closed = draw_close(draw_id=found.pk, **who)
                self.stdout.write(
                    f"  closed in {time.monotonic() - started:.2f} s: "
                    f"{closed.ballots_count:,} ballots, merkle root {closed.merkle_root}"
                )
            if found.status in (DrawStatus.OPEN, DrawStatus.CLOSED):
                self.stdout.write(f"Drawing {found}…")
                started = time.monotonic()
                draw_run(draw_id=found.pk, **who)
                self.stdout.write(f"  drawn in {time.monotonic() - started:.2f} s")
            else:
                self.stdout.write(f"{found} was already {found.get_status_display().lower()}.")
        except ServiceError as exc:
            raise CommandError(exc.detail) from exc
        self._print_result(draw_public(game=game, day=date))

    def _print_result(self, draw: "DrawWithPicks") -> None:
        self.stdout.write(f"{draw}: {draw.get_status_display()}")
        self.stdout.write(f"  commitment  {draw.commitment}")
        if draw.ballots_count is not None:
            self.stdout.write(f"  ballots     {draw.ballots_count}")
            self.stdout.write(f"  merkle root {draw.merkle_root}")
        if draw.status in (DrawStatus.DRAWN, DrawStatus.NO_ENTRIES):
            self.stdout.write(f"  seed        {bytes(draw.seed).hex()}")
        # Winners first, then the alternates in the order they would be promoted.
        picks = sorted(draw.all_picks, key=lambda p: (p.kind != PickKind.WINNER, p.rank, p.serial))
        for pick in picks:
            self.stdout.write(
                f"  {pick.kind:<9} #{pick.rank} serial {pick.serial} ballot {pick.ballot.uuid} "
                f"numbers {pick.ballot.numbers}"
            )


class Operator(TypedDict, total=False):
    """The audit fields of draw_close and draw_run: a staff account, or a label."""

    actor: User
    actor_label: str


def _operator(email: str | None) -> Operator:
    """Who the audit log names: a staff account (--actor), else the OS user at the keyboard."""
    if email is None:
        return {"actor_label": f"{getpass.getuser()} (manage.py draw)"}
    user = User.objects.filter(email__iexact=email, is_staff=True, is_active=True).first()
    if user is None:
        raise CommandError(f"--actor {email}: there is no active staff account with that email.")
    return {"actor": user}
