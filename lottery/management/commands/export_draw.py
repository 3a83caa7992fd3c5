"""The auditors' CSV of one draw from the shell: python manage.py export_draw GAME DATE -o FILE.

The same file as the admin's "Export CSV" (every ballot in serial order, its leaf and its
result), streamed from the database; progress goes to stderr so that stdout can be the CSV.
"""

import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lottery.admin.export import draw_csv_write
from lottery.models import Ballot, Draw


class Command(BaseCommand):
    help = "Write one draw's CSV (the admin's Export CSV) to a file, or to stdout with -o -."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("game", help="game slug, e.g. daily")
        parser.add_argument("date", type=date.fromisoformat, help="draw date, YYYY-MM-DD")
        parser.add_argument("-o", "--output", default="-", help="file to write, - for stdout")
        parser.add_argument("--every", type=int, default=100_000, help="progress every N ballots")

    def handle(
        self, *args: str, game: str, date: date, output: str, every: int, **options: Any
    ) -> None:
        draw = Draw.objects.select_related("game").filter(game__slug=game, date=date).first()
        if draw is None:
            raise CommandError(f"There is no draw of {game!r} on {date.isoformat()}.")
        total = Ballot.objects.filter(draw=draw).count()
        started = time.monotonic()
        err = self.stderr

        def progress(rows: int) -> None:
            err.write(f"  {rows:,} of {total:,} ballots ({time.monotonic() - started:.1f} s)")

        err.write(f"Exporting {draw}: {total:,} ballots…")
        if output == "-":
            written = draw_csv_write(draw, sys.stdout, progress, every)
        else:
            with Path(output).open("w", newline="", encoding="utf-8") as out:
                written = draw_csv_write(draw, out, progress, every)
        where = "stdout" if output == "-" else output
        err.write(f"  {written:,} ballots written to {where} in {time.monotonic() - started:.1f} s")
