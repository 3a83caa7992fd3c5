"""Input types shared by the API schemas."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator


def _to_utc(value: datetime) -> datetime:
    """Naive means UTC; any offset is normalised to UTC (PostgreSQL refuses offsets > 15:59)."""
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("date and time out of range") from exc


UtcDateTime = Annotated[datetime, AfterValidator(_to_utc)]


def has_nul(text: str) -> bool:
    """PostgreSQL text cannot hold NUL, nor be compared with one; no input ever needs one."""
    return "\x00" in text


def _no_nul(value: str) -> str:
    if has_nul(value):
        raise ValueError("text must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
