"""Django's PostgreSQL backend, with a connection health check that needs no round trip.

With CONN_HEALTH_CHECKS, Django sends ``SELECT 1`` before the first query of every request
that reuses a connection, so that a connection the server has closed (a restart, a
failover, an idle timeout) is replaced instead of failing the request with a 503. That
round trip cost 14% of the own-list rate and 6% of the play rate (bench/api_ab.sh,
HEAD:CONN_HEALTH_CHECKS=0). A server that ends a session says so on the socket (a FATAL
message, then end of file), so an idle connection with nothing to read is still open; only
when something is waiting on an idle connection is it asked with ``SELECT 1`` as before.
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.pgconn.transaction_status != pq.TransactionStatus.IDLE:
            return super().is_usable()  # in a transaction or busy: ask the server
        try:
            waiting, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not waiting or super().is_usable()
