"""CSV of one draw for auditors: every ballot in serial order, its leaf and its result."""

import csv
from collections.abc import Callable, Iterator, Sequence
from typing import TextIO

from django.http import StreamingHttpResponse

from lottery import draws
from lottery.models import Ballot, Draw, Pick, PickKind

HEADER = [
    "serial",
    "ballot",
    "numbers",
    "created_at",
    "player",
    "leaf",
    "result",
    "rank",
    "disqualified_at",
    "promoted_at",
    "wins",
]


class _Echo:
    """A file-like object whose write returns the line, for a streamed csv.writer."""

    def write(self, value: str) -> str:
        return value


def _rows(draw: Draw) -> Iterator[Sequence[object]]:
    picks = {pick.ballot_id: pick for pick in Pick.objects.filter(draw=draw)}
    yield HEADER
    ballots = (
        Ballot.objects.filter(draw=draw)
        .order_by("created_at", "uuid")
        .values_list("pk", "uuid", "numbers", "created_at", "player_id")
        .iterator(chunk_size=5000)
    )
    for serial, (pk, uuid_, numbers, created_at, player_id) in enumerate(ballots, start=1):
        ballot = str(uuid_)
        pick = picks.get(pk)
        result: list[object] = ["", "", "", "", ""]
        if pick is not None:
            result = [
                "winner" if pick.kind == PickKind.WINNER else "alternate",
                pick.rank,
                pick.disqualified_at.isoformat() if pick.disqualified_at else "",
                pick.promoted_at.isoformat() if pick.promoted_at else "",
                "yes" if pick.is_winning else "no",
            ]
        yield [
            serial,
            ballot,
            numbers,
            created_at.isoformat(),
            player_id,
            draws.leaf_hash(ballot, numbers).hex(),
            *result,
        ]


def draw_csv_write(
    draw: Draw, out: TextIO, progress: Callable[[int], None] | None = None, every: int = 100_000
) -> int:
    """Write the CSV to a text file, calling ``progress(rows)`` every ``every`` ballots; return
    the number of ballots written."""
    writer = csv.writer(out)
    written = -1  # the header is not a ballot
    for row in _rows(draw):
        writer.writerow(row)
        written += 1
        if progress is not None and written and written % every == 0:
            progress(written)
    return written


def draw_csv_response(draw: Draw) -> StreamingHttpResponse:
    """Stream the CSV: a million ballots never sit in memory at once."""
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in _rows(draw)), content_type="text/csv; charset=utf-8"
    )
    filename = f"draw-{draw.game.slug}-{draw.date:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
