"""China time: the days and months people count in, from the one module that knows the zone."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from gridapp.clock import CHINA, china_midnight, china_today, month_bounds, month_of, previous_month


def test_a_china_day_starts_at_16_utc_the_evening_before():
    assert china_midnight(date(2026, 12, 1)) == datetime(2026, 11, 30, 16, 0, tzinfo=timezone.utc)
    assert china_today(datetime(2026, 11, 30, 15, 59, tzinfo=timezone.utc)) == date(2026, 11, 30)
    assert china_today(datetime(2026, 11, 30, 16, 0, tzinfo=timezone.utc)) == date(2026, 12, 1)
    assert datetime(2026, 12, 1, 0, 0, tzinfo=CHINA) == china_midnight(date(2026, 12, 1))


def test_months_are_china_months():
    assert month_of(datetime(2026, 11, 30, 16, 0, tzinfo=timezone.utc)) == "2026-12"
    assert month_bounds("2026-12") == (
        datetime(2026, 11, 30, 16, 0, tzinfo=timezone.utc), datetime(2026, 12, 31, 16, 0, tzinfo=timezone.utc),
    )
    assert previous_month("2026-01") == "2025-12"
    assert previous_month("2026-11") == "2026-10"
    for malformed in ("2026-13", "2026", "2026-11-05", "november"):
        with pytest.raises(ValueError):
            month_bounds(malformed)
