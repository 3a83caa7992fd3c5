"""What happens at midnight (Huey's periodic task). The work queued after a service commits
lives in ``lottery.jobs``, imported here so that the consumer registers it."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from lottery import jobs  # noqa: F401  (registers the after-commit tasks with the consumer)
from lottery.services.draws import draws_due_run

logger = logging.getLogger(__name__)


# Crontabs run in UTC (HUEY["utc"]). Each game closes at its own local midnight, so
# the task runs every minute and draws whatever is due; a midnight missed while no
# consumer ran is caught up on the next run. The database, not Huey's lock, makes a
# second draw of the same day impossible (draw_run locks the row).
@db_periodic_task(crontab(minute="*"))
def draw_due_draws() -> None:
    for draw in draws_due_run():
        logger.info("draw %s: %s", draw, draw.status)
