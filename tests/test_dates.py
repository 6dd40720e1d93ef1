from datetime import UTC, datetime, timedelta, timezone

import pytest

from babelfeed.dates import parse_iso


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-09-15T08:30:00Z", datetime(2026, 9, 15, 8, 30, tzinfo=UTC)),
        ("2026-09-15T10:30:00+02:00", datetime(2026, 9, 15, 10, 30, tzinfo=timezone(timedelta(hours=2)))),
        ("2026-09-15", datetime(2026, 9, 15, tzinfo=UTC)),  # naive means UTC
        ("yesterday", None),
        ("", None),
        (None, None),
        (20260915, None),
    ],
)
def test_parse_iso(text, expected):
    assert parse_iso(text) == expected
