"""Timestamps from the outside world, made timezone-aware.

Sources write dates as ISO 8601 with `Z`, with an offset, or with no zone at all; a naive time
is taken as UTC so every timestamp column in the warehouse compares correctly.
"""

from __future__ import annotations

from datetime import UTC, datetime


def parse_iso(value: object) -> datetime | None:
    """An aware datetime from an ISO 8601 string, or None when it is not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def partition_date(moment: datetime) -> str:
    """The warehouse partition (`YYYY-MM-DD`, UTC) a row with this timestamp lands in."""
    return moment.astimezone(UTC).date().isoformat()
