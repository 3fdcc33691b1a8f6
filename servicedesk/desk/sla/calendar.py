"""Business-hours calendars: when the SLA clock runs.

Hours are local wall-clock times in an IANA time zone; each local interval is converted
to UTC on its own day, so a day on which clocks change has its real length (DST exact).
Holidays are dated (`2026-12-24`) or yearly (`12-25`); an exception gives one date its
own hours (an empty list closes it). A calendar with `always_open` is 24/7.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Hours = tuple[tuple[time, time], ...]  # local (start, end); end 00:00 means midnight after
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Far enough for any target: a clock never looks more than this many days ahead.
HORIZON_DAYS = 3 * 366


@dataclass(frozen=True)
class BusinessCalendar:
    name: str
    timezone: str = "UTC"
    weekly: Mapping[int, Hours] = field(default_factory=dict)  # weekday 0 = Monday
    holidays: frozenset[date] = frozenset()
    yearly_holidays: frozenset[tuple[int, int]] = frozenset()  # (month, day)
    exceptions: Mapping[date, Hours] = field(default_factory=dict)
    always_open: bool = False

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def hours_on(self, day: date) -> Hours:
        """The local opening hours of one date (exceptions first, then holidays)."""
        if day in self.exceptions:
            return self.exceptions[day]
        if day in self.holidays or (day.month, day.day) in self.yearly_holidays:
            return ()
        return self.weekly.get(day.weekday(), ())

    def intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open intervals in UTC from `start` on, clipped to start, in order."""
        if self.always_open:
            yield start, start + timedelta(days=HORIZON_DAYS)
            return
        zone = self.zone
        day = start.astimezone(zone).date() - timedelta(days=1)
        for _ in range(HORIZON_DAYS + 2):
            for opens, closes in self.hours_on(day):
                begin = _utc(day, opens, zone)
                end = _utc(day + timedelta(days=1) if closes == time(0) else day, closes, zone)
                if end > start:
                    yield max(begin, start), end
            day += timedelta(days=1)

    def add(self, start: datetime, seconds: float) -> datetime | None:
        """The moment `seconds` of open time after `start` (None: never open that long)."""
        left = seconds
        for begin, end in self.intervals(start):
            length = (end - begin).total_seconds()
            if left <= length:
                return begin + timedelta(seconds=left)
            left -= length
        return None

    def elapsed(self, start: datetime, end: datetime) -> float:
        """Open seconds between `start` and `end`."""
        if end <= start:
            return 0.0
        if self.always_open:
            return (end - start).total_seconds()
        total = 0.0
        for begin, close in self.intervals(start):
            if begin >= end:
                break
            total += (min(close, end) - begin).total_seconds()
        return total

    def is_open(self, moment: datetime) -> bool:
        return self.elapsed(moment, moment + timedelta(seconds=1)) > 0


def _utc(day: date, moment: time, zone: ZoneInfo) -> datetime:
    # A wall time inside a spring-forward gap resolves forward (fold=0, PEP 495): fine for
    # opening hours, which are never set inside the skipped hour in practice.
    return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)


ALWAYS = BusinessCalendar("24/7", always_open=True)


def parse_hours(text: str) -> Hours:
    """`09:00-12:00, 13:00-17:00` into local intervals; `closed` or empty: none."""
    text = text.strip().lower()
    if text in ("", "closed"):
        return ()
    spans = []
    for part in text.split(","):
        opens, _, closes = part.strip().partition("-")
        start, end = time.fromisoformat(opens.strip()), _end_time(closes.strip())
        if end != time(0) and end <= start:
            raise ValueError(f"hours {part.strip()!r}: the end must come after the start")
        spans.append((start, end))
    return tuple(sorted(spans))


def _end_time(text: str) -> time:
    return time(0) if text == "24:00" else time.fromisoformat(text)


def format_hours(hours: Hours) -> str:
    if not hours:
        return "closed"
    return ", ".join(
        f"{a:%H:%M}-{'24:00' if b == time(0) else b.strftime('%H:%M')}" for a, b in hours
    )


def calendar_from_dict(data: Mapping[str, object]) -> BusinessCalendar:
    """A calendar from its stored (or YAML) form; errors name the field."""
    name = str(data.get("name") or "").strip()
    if not name:
        raise ValueError("calendar: a name is required")
    zone = str(data.get("timezone") or "UTC")
    try:
        ZoneInfo(zone)
    except (KeyError, ValueError) as error:  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(f"calendar {name!r}: timezone {zone!r} is not an IANA zone") from error
    weekly_raw = _mapping(name, "hours", data.get("hours"))
    weekly = {_weekday(name, k): _hours(name, k, v) for k, v in weekly_raw.items()}
    dated, yearly = _holidays(name, data.get("holidays") or [])
    exceptions_raw = _mapping(name, "exceptions", data.get("exceptions"))
    exceptions = {_date(name, k): _hours(name, k, v) for k, v in exceptions_raw.items()}
    return BusinessCalendar(
        name,
        zone,
        weekly,
        frozenset(dated),
        frozenset(yearly),
        exceptions,
        always_open=bool(data.get("always_open")),
    )


def _date(name: str, key: object) -> date:
    try:
        return date.fromisoformat(str(key))
    except ValueError as error:
        raise ValueError(f"calendar {name!r}: exceptions: {key!r} is not a date") from error


def _weekday(name: str, key: object) -> int:
    day = str(key)[:3].lower()
    if day not in WEEKDAYS:
        raise ValueError(f"calendar {name!r}: hours: {key!r} is not a weekday (mon ... sun)")
    return WEEKDAYS.index(day)


def _hours(name: str, key: object, value: object) -> Hours:
    try:
        return parse_hours(str(value))
    except ValueError as error:
        raise ValueError(f"calendar {name!r}: hours {key}: {error}") from error


def _mapping(name: str, key: str, value: object) -> Mapping[object, object]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"calendar {name!r}: {key} maps days to hours")
    return value


def _holidays(name: str, items: object) -> tuple[set[date], set[tuple[int, int]]]:
    dated: set[date] = set()
    yearly: set[tuple[int, int]] = set()
    if not isinstance(items, Sequence) or isinstance(items, str):
        raise ValueError(f"calendar {name!r}: holidays is a list of dates")
    for item in items:
        text = str(item).strip()
        try:
            if len(text) == 5:  # MM-DD, every year
                yearly.add((int(text[:2]), int(text[3:])))
            else:
                dated.add(date.fromisoformat(text))
        except ValueError as error:
            raise ValueError(f"calendar {name!r}: holiday {text!r} is not a date") from error
    return dated, yearly


def calendar_to_dict(calendar: BusinessCalendar) -> dict[str, object]:
    return {
        "name": calendar.name,
        "timezone": calendar.timezone,
        "always_open": calendar.always_open,
        "hours": {WEEKDAYS[d]: format_hours(h) for d, h in sorted(calendar.weekly.items())},
        "holidays": sorted(d.isoformat() for d in calendar.holidays)
        + sorted(f"{m:02d}-{d:02d}" for m, d in calendar.yearly_holidays),
        "exceptions": {
            d.isoformat(): format_hours(h) for d, h in sorted(calendar.exceptions.items())
        },
    }
