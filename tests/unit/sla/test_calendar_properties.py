"""Property: adding open time then measuring it gives the same seconds back, DST or not."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from servicedesk.desk.sla.calendar import calendar_from_dict

CALENDARS = [
    calendar_from_dict(
        {
            "name": zone,
            "timezone": zone,
            "hours": {
                "mon": "08:00-12:00, 13:00-17:30",
                "tue": "09:00-17:00",
                "wed": "00:00-24:00",
                "fri": "22:00-24:00",
                "sun": "01:30-03:30",  # across the spring-forward and fall-back hours
            },
            "holidays": ["12-25", "2026-05-01"],
        }
    )
    for zone in ("Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC")
]
START = datetime(2026, 1, 1, tzinfo=UTC)


@settings(max_examples=30, deadline=None)
@given(
    calendar=st.sampled_from(CALENDARS),
    minutes=st.integers(min_value=0, max_value=365 * 24 * 60),
    seconds=st.integers(min_value=1, max_value=40 * 3600),
)
def test_add_then_elapsed_is_identity(calendar, minutes: int, seconds: int) -> None:  # type: ignore[no-untyped-def]
    start = START + timedelta(minutes=minutes)
    due = calendar.add(start, seconds)
    assert due is not None and due > start
    assert calendar.elapsed(start, due) == seconds
    assert calendar.elapsed(start, due - timedelta(seconds=1)) < seconds
