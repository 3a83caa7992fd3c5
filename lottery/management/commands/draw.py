"""Close and draw one day by hand: python manage.py draw GAME YYYY-MM-DD."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backoffice.errors import ServiceError
from lottery import selectors, services
from lottery.models import Draw, DrawStatus, Game


class Command(BaseCommand):
    help = "Close and draw a day whose close time has passed, then print the result."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("game", help="game slug, e.g. daily")
        parser.add_argument("date", type=date.fromisoformat, help="draw date, YYYY-MM-DD")

    def handle(self, *args: object, game: str, date: date, **options: object) -> None:
        if not Game.objects.filter(slug=game).exists():
            raise CommandError(f"There is no game {game!r}.")
        found = Draw.objects.filter(game__slug=game, date=date).first()
        if found is None:
            # Nobody played: create the draw so that the day ends, verifiably, with no entries.
            found = services.draw_get_or_create(game=Game.objects.get(slug=game), day=date)
        try:
            services.draw_close(draw_id=found.pk)
            draw = services.draw_run(draw_id=found.pk)
        except ServiceError as exc:
            raise CommandError(exc.detail) from exc
        draw = selectors.draw_public(game=game, day=date)
        self.stdout.write(f"{draw}: {draw.get_status_display()}")
        self.stdout.write(f"  commitment  {draw.commitment}")
        if draw.ballots_count is not None:
            self.stdout.write(f"  ballots     {draw.ballots_count}")
            self.stdout.write(f"  merkle root {draw.merkle_root}")
        if draw.status in (DrawStatus.DRAWN, DrawStatus.NO_ENTRIES):
            self.stdout.write(f"  seed        {bytes(draw.seed).hex()}")
        for pick in draw.all_picks:
            self.stdout.write(
                f"  {pick.kind:<9} #{pick.rank} serial {pick.serial} ballot {pick.ballot.uuid} "
                f"numbers {pick.ballot.numbers}"
            )
