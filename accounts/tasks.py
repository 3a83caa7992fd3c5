"""Registers the account jobs with the Huey consumer (it imports each app's tasks module)."""

from accounts import jobs  # noqa: F401
