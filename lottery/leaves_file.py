"""The leaves of a closed draw as one compressed file (docs/test-vectors.md, "The leaves in
one file"): gzip, one JSON object per line, the fields of GET .../leaves in serial order.

Built once per draw, on first demand, into DATA_DIR/leaves/ and served from there: a file
streams to any number of readers in constant memory (gunicorn sends it with sendfile),
where a stored database value would be read whole into each worker (~40 MB at 1M ballots).
Its bytes depend only on the ballots (gzip without a timestamp or name), fixed at close: two
hosts build the same file, and the name carries the Merkle root it was built for.
"""

import fcntl
import gzip
import json
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from django.conf import settings

from core.errors import ServiceError
from lottery.models import Ballot, Draw
from lottery.published import leaf


def leaves_file(*, draw: Draw) -> Path:
    """The file of a closed draw's leaves, built the first time (one builder at a time)."""
    if draw.ballots_count is None:
        raise ServiceError(
            f"{draw} is still open: its ballots are published when it closes.", status=409
        )
    folder = Path(settings.DATA_DIR) / "leaves"
    path = folder / f"{draw.uuid}-{draw.merkle_root}.ndjson.gz"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{draw.uuid}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be building it: wait for it
        if not path.exists():
            _build(draw, path)
    return path


def _build(draw: Draw, path: Path) -> None:
    part = path.with_name(f"{path.name}.{os.getpid()}.part")
    count = 0
    try:
        with open(part, "wb") as raw, gzip.GzipFile("", "wb", 6, raw, mtime=0) as out:
            for serial, (ballot, numbers, created_at) in enumerate(_rows(draw), 1):
                out.write(
                    json.dumps(
                        leaf(serial, ballot, numbers, created_at),
                        separators=(",", ":"),
                    ).encode()
                    + b"\n"
                )
                count = serial
        if count != draw.ballots_count:
            raise ServiceError(
                f"{draw} has {count} ballots but closed with {draw.ballots_count}.", status=409
            )
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


def _rows(draw: Draw) -> Iterator[tuple[str, str, datetime]]:
    rows = Ballot.objects.filter(draw=draw).order_by("created_at", "uuid")
    for uuid_, numbers, created_at in rows.values_list("uuid", "numbers", "created_at").iterator(
        chunk_size=20000
    ):
        yield str(uuid_), numbers, created_at
