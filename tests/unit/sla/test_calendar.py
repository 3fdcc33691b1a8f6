"""Business-hours calendars with a controlled clock: DST, holidays, split days, exceptions."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from servicedesk.desk.sla.calendar import (
    ALWAYS,
    BusinessCalendar,
    calendar_from_dict,
    calendar_to_dict,
    parse_hours,
)

BERLIN = calendar_from_dict(
    {
        "name": "Berlin office",
        "timezone": "Europe/Berlin",
        "hours": dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "09:00-17:00"),
        "holidays": ["12-25", "2026-01-01"],
    }
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_opened_outside_hours_starts_at_the_next_opening() -> None:
    # Friday 2026-03-06 20:00 Berlin (19:00 UTC): next open Monday 09:00 CET = 08:00 UTC.
    due = BERLIN.add(utc(2026, 3, 6, 19), 3600)
    assert due == utc(2026, 3, 9, 9)


def test_spring_forward_moves_utc_opening_by_an_hour() -> None:
    # Berlin goes to CEST on Sunday 2026-03-29: Friday opens 08:00 UTC, Monday 07:00 UTC.
    friday_end = BERLIN.add(utc(2026, 3, 27, 8), 8 * 3600)
    assert friday_end == utc(2026, 3, 27, 16)
    assert BERLIN.add(utc(2026, 3, 27, 8), 8 * 3600 + 60) == utc(2026, 3, 30, 7, 1)


def test_fall_back_moves_it_back() -> None:
    # CEST ends Sunday 2026-10-25: Friday opens 07:00 UTC, Monday 08:00 UTC.
    assert BERLIN.add(utc(2026, 10, 23, 14, 30), 3600) == utc(2026, 10, 26, 8, 30)


def test_a_24_7_calendar_across_dst_counts_real_hours() -> None:
    night = BusinessCalendar("nights", "Europe/Berlin", {6: ((time(0), time(0)),)})
    # Sunday 2026-03-29 lasts 23 hours in Berlin; 2026-10-25 lasts 25.
    assert night.elapsed(utc(2026, 3, 28, 0), utc(2026, 3, 30, 0)) == 23 * 3600
    assert night.elapsed(utc(2026, 10, 24, 0), utc(2026, 10, 27, 0)) == 25 * 3600
    assert ALWAYS.elapsed(utc(2026, 3, 28), utc(2026, 3, 30)) == 48 * 3600


def test_holiday_on_a_weekend_changes_nothing_and_a_weekday_holiday_closes() -> None:
    # 2027-12-25 is a Saturday: Friday 24th and Monday 27th are ordinary days.
    assert BERLIN.elapsed(utc(2027, 12, 24, 0), utc(2027, 12, 28, 0)) == 16 * 3600
    # 2026-12-25 is a Friday: closed, yearly.
    assert BERLIN.hours_on(date(2026, 12, 25)) == ()
    assert BERLIN.hours_on(date(2026, 1, 1)) == ()
    assert BERLIN.hours_on(date(2027, 1, 1)) != ()  # dated, not yearly


def test_split_days_and_exceptions() -> None:
    cal = calendar_from_dict(
        {
            "name": "split",
            "timezone": "America/New_York",
            "hours": {"monday": "09:00-12:00, 13:00-17:00"},
            "exceptions": {"2026-06-08": "10:00-11:00", "2026-06-15": "closed"},
        }
    )
    monday = utc(2026, 6, 1, 4)  # midnight New York (EDT)
    assert cal.elapsed(monday, monday + timedelta(days=1)) == 7 * 3600
    assert cal.add(utc(2026, 6, 1, 15, 30), 3600) == utc(2026, 6, 1, 17, 30)  # lunch skipped
    assert cal.elapsed(utc(2026, 6, 8, 4), utc(2026, 6, 9, 4)) == 3600
    assert cal.elapsed(utc(2026, 6, 15, 4), utc(2026, 6, 16, 4)) == 0
    assert calendar_from_dict(calendar_to_dict(cal)) == cal


def test_bad_input_names_the_field() -> None:
    with pytest.raises(ValueError, match="timezone 'Mars/Base'"):
        calendar_from_dict({"name": "x", "timezone": "Mars/Base"})
    with pytest.raises(ValueError, match="end must come after"):
        parse_hours("17:00-09:00")
    with pytest.raises(ValueError, match="'funday' is not a weekday"):
        calendar_from_dict({"name": "x", "hours": {"funday": "09:00-10:00"}})
    with pytest.raises(ValueError, match=r"hours mon: .*end must come after"):
        calendar_from_dict({"name": "x", "hours": {"mon": "10:00-09:00"}})
    with pytest.raises(ValueError, match="exceptions: 'xmas' is not a date"):
        calendar_from_dict({"name": "x", "exceptions": {"xmas": "closed"}})
    with pytest.raises(ValueError, match="holiday 'soon'"):
        calendar_from_dict({"name": "x", "holidays": ["soon"]})


def test_a_calendar_never_open_has_no_due_time() -> None:
    assert BusinessCalendar("never").add(utc(2026, 1, 1), 60) is None
