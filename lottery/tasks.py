"""What happens at midnight, and after a draw commits (Huey)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from lottery import leaves_file, notifications, services
from lottery.models import Draw

logger = logging.getLogger(__name__)


# Crontabs run in UTC (HUEY["utc"]). Each game closes at its own local midnight, so
# the task runs every minute and draws whatever is due; a midnight missed while no
# consumer ran is caught up on the next run. The database, not Huey's lock, makes a
# second draw of the same day impossible (services.draw_run locks the row).
@db_periodic_task(crontab(minute="*"))
def draw_due_draws() -> None:
    for draw in services.draws_due_run():
        logger.info("draw %s: %s", draw, draw.status)


@db_task(retries=5, retry_delay=60)
def notify_winners(draw_id: int) -> None:
    notifications.winners_notify(draw_id=draw_id)


@db_task(retries=3, retry_delay=30)
def build_leaves_file(draw_id: int) -> None:
    """The leaves file of a draw that just closed (GET .../leaves.ndjson.gz serves it)."""
    draw = Draw.objects.filter(pk=draw_id, ballots_count__isnull=False).first()
    if draw is not None:
        logger.info("draw %s: leaves file %s", draw, leaves_file.leaves_file(draw=draw).name)
