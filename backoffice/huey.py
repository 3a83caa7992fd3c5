"""Huey's SQLite storage (the embedded default, without REDIS_URL), safe to open from several
processes at once.

Two gunicorn workers and the consumer start together; on a new data directory they all
create ``huey.sqlite3``, and switching a new file to WAL fails at once with "database is
locked" in all but one of them (SQLite's busy timeout does not cover that step): the worker
then dies while Django loads its apps. A fresh container hit it on its first boot.
"""

import sqlite3
import time

import huey
from huey.storage import SqliteStorage as HueySqliteStorage


class SqliteStorage(HueySqliteStorage):
    def _create_connection(self) -> sqlite3.Connection:
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                return super()._create_connection()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.01)


class SqliteHuey(huey.SqliteHuey):
    storage_class = SqliteStorage
