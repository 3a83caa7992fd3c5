"""The migration's groups and default game, re-made after a transactional test flushed them."""

from tests.e2e.conftest import lottery_defaults  # noqa: F401
