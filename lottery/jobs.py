"""Work the services queue for after their transaction commits (Huey): it runs only if the
change committed, and never holds the services' locks. Tasks call no service."""

import logging

from huey.contrib.djhuey import on_commit_task

from lottery import leaves_file, notifications
from lottery.models import Draw

logger = logging.getLogger(__name__)


@on_commit_task(retries=5, retry_delay=60)
def notify_winners(draw_id: int) -> None:
    """Email the draw's current winners."""
    notifications.winners_notify(draw_id=draw_id)


@on_commit_task(retries=3, retry_delay=30)
def build_leaves_file(draw_id: int) -> None:
    """The leaves file of a draw that just closed (GET .../leaves.ndjson.gz serves it; the
    download still builds it if this task failed)."""
    draw = Draw.objects.filter(pk=draw_id, ballots_count__isnull=False).first()
    if draw is not None:
        logger.info("draw %s: leaves file %s", draw, leaves_file.leaves_file(draw=draw).name)
