"""Appointment slots for one pharmacy service, computed as plain arithmetic.

The same rules serve the public calendar, the check of a POSTed start and the benchmark, so they
live here without ORM or request: the caller loads schedules, closures and bookings once and this
module only does one pass over the bookings and one pass over the days.

Grids are laid out in local wall-clock time (a pharmacy opens "at 9h" in winter and in summer),
then turned into instants; durations are real elapsed time. A wall time skipped by the spring
change is never offered, and one repeated by the autumn change is offered once, at its first
occurrence (fold=0). Everything is compared in UTC internally: Python compares and subtracts two
datetimes that share a tzinfo by their wall time, ignoring fold and offset changes, and never
finds an ambiguous local time equal to a datetime of another zone.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
ONE_DAY = timedelta(days=1)
MAX_LEAD_DAYS = 14

Range = tuple[time, time]
Weekly = Mapping[int, Sequence[Range]]
Exceptions = Mapping[date, Sequence[Range]]
Booking = tuple[datetime, int]
Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class ServiceRules:
    """How one service is booked; checked on creation so a bad setting fails loudly."""

    duration: timedelta
    capacity: int = 1
    buffer_after: timedelta = timedelta(0)
    min_notice: timedelta = timedelta(hours=2)
    horizon_days: int = 30
    max_per_day: int | None = None
    step: timedelta | None = None

    def __post_init__(self):
        if self.duration <= timedelta(0):
            raise ValueError("duration must be positive")
        if self.capacity < 1:
            raise ValueError("capacity must be at least 1")
        if self.buffer_after < timedelta(0):
            raise ValueError("buffer_after cannot be negative")
        if self.min_notice < timedelta(0):
            raise ValueError("min_notice cannot be negative")
        if self.horizon_days < 0:
            raise ValueError("horizon_days cannot be negative")
        if self.max_per_day is not None and self.max_per_day < 0:
            raise ValueError("max_per_day cannot be negative")
        if self.step is not None and self.step <= timedelta(0):
            raise ValueError("step must be positive")

    @property
    def grid_step(self) -> timedelta:
        return self.step if self.step is not None else self.duration + self.buffer_after

    @property
    def span(self) -> timedelta:
        """Time a slot holds the pharmacist: two slot starts closer than this would overlap."""
        return self.duration + self.buffer_after


@dataclass(frozen=True)
class Slot:
    """An offered start; `start` and `end` are in the pharmacy's zone, compare them in UTC."""

    start: datetime
    end: datetime
    remaining: int


def available_slots(
    rules: ServiceRules,
    weekly: Weekly,
    *,
    now: datetime,
    date_from: date,
    date_to: date,
    closed_dates: Iterable[date] = frozenset(),
    exceptions: Exceptions | None = None,
    bookings: Iterable[Booking] = (),
    tz: ZoneInfo = PARIS,
    resource_weekly: Weekly | None = None,
    resource_busy: Iterable[Interval] = (),
) -> list[Slot]:
    """Bookable slots whose local start date lies in [date_from, date_to], sorted by start.

    A date in closed_dates is closed even if exceptions give it hours; otherwise exceptions
    replace the weekly hours of their date. A range whose end is not after its start runs past
    midnight: its slots belong to the day the range opens (closing that day removes them) but
    are dated by their own start. `remaining` is also capped by what is left of max_per_day,
    which counts every booking of the local day, on the grid or not.

    The resource the service needs (a pharmacist, a room) is shared with other services: a slot
    is kept only if its whole span (buffer included) misses every interval of `resource_busy`
    (what the resource's bookings for other services hold, see `held_by`) and, when the resource
    has its own hours (`resource_weekly`), lies within one of its ranges.
    """
    _require_aware(now, "now")
    earliest = now.astimezone(UTC) + rules.min_notice
    today = now.astimezone(tz).date()
    first = max(date_from, earliest.astimezone(tz).date())
    last = min(date_to, today + timedelta(days=rules.horizon_days))
    if first > last:
        return []

    by_start, by_day = _index_bookings(bookings, tz)
    busy = _sorted_intervals(resource_busy)
    busy_starts = [opens for opens, _ in busy]
    longest = max((closes - opens for opens, closes in busy), default=timedelta(0))
    resource_open = (
        None
        if resource_weekly is None
        else _merged(_open_intervals(resource_weekly, first - ONE_DAY, last, tz))
    )
    open_starts = [opens for opens, _ in resource_open or ()]
    slots = []
    for start in _grid(rules, weekly, first, last, frozenset(closed_dates), exceptions or {}, tz):
        if start < earliest:
            continue
        local = start.astimezone(tz)
        day = local.date()
        if not first <= day <= last:
            continue
        if busy and _overlaps_any(start, start + rules.span, busy, busy_starts, longest):
            continue
        if resource_open is not None:
            index = bisect_right(open_starts, start) - 1
            if index < 0 or resource_open[index][1] < start + rules.duration:
                continue
        remaining = rules.capacity - by_start.get(start, 0)
        if rules.max_per_day is not None:
            remaining = min(remaining, rules.max_per_day - by_day.get(day, 0))
        if remaining > 0:
            slots.append(Slot(local, (start + rules.duration).astimezone(tz), remaining))
    return slots


def slot_is_offered(
    rules: ServiceRules,
    weekly: Weekly,
    start: datetime,
    *,
    now: datetime,
    closed_dates: Iterable[date] = frozenset(),
    exceptions: Exceptions | None = None,
    bookings: Iterable[Booking] = (),
    tz: ZoneInfo = PARIS,
    resource_weekly: Weekly | None = None,
    resource_busy: Iterable[Interval] = (),
) -> bool:
    """Whether a submitted start is exactly one of the slots the calendar would show right now.

    Compared as an instant: the second 02:30 of the autumn change (fold=1) is not the offered
    one, and a wall time the spring change skips (02:30 read as 03:30) is refused outright.
    """
    _require_aware(start, "start")
    target = start.astimezone(UTC)
    if target.astimezone(start.tzinfo).replace(tzinfo=None) != start.replace(tzinfo=None):
        return False
    day = target.astimezone(tz).date()
    slots = available_slots(
        rules,
        weekly,
        now=now,
        date_from=day,
        date_to=day,
        closed_dates=closed_dates,
        exceptions=exceptions,
        bookings=bookings,
        tz=tz,
        resource_weekly=resource_weekly,
        resource_busy=resource_busy,
    )
    return any(slot.start.astimezone(UTC) == target for slot in slots)


def days_with_slots(
    rules: ServiceRules,
    weekly: Weekly,
    *,
    now: datetime,
    date_from: date,
    date_to: date,
    closed_dates: Iterable[date] = frozenset(),
    exceptions: Exceptions | None = None,
    bookings: Iterable[Booking] = (),
    tz: ZoneInfo = PARIS,
    resource_weekly: Weekly | None = None,
    resource_busy: Iterable[Interval] = (),
) -> list[date]:
    """Local dates with at least one bookable slot, for the small month calendar."""
    slots = available_slots(
        rules,
        weekly,
        now=now,
        date_from=date_from,
        date_to=date_to,
        closed_dates=closed_dates,
        exceptions=exceptions,
        bookings=bookings,
        tz=tz,
        resource_weekly=resource_weekly,
        resource_busy=resource_busy,
    )
    return sorted({slot.start.date() for slot in slots})


def held_by(start: datetime, rules: ServiceRules) -> Interval:
    """The interval a booking starting at `start` holds its resource: its span, buffer included."""
    _require_aware(start, "start")
    instant = start.astimezone(UTC)
    return instant, instant + rules.span


def _sorted_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    result = []
    for opens, closes in intervals:
        _require_aware(opens, "busy start")
        _require_aware(closes, "busy end")
        result.append((opens.astimezone(UTC), closes.astimezone(UTC)))
    result.sort()
    return result


def _overlaps_any(
    start: datetime,
    end: datetime,
    busy: list[Interval],
    busy_starts: list[datetime],
    longest: timedelta,
) -> bool:
    """Whether [start, end) meets one of the sorted busy intervals (found by bisection)."""
    index = bisect_left(busy_starts, start - longest)
    while index < len(busy) and busy[index][0] < end:
        if busy[index][1] > start:
            return True
        index += 1
    return False


def _open_intervals(weekly: Weekly, first: date, last: date, tz: ZoneInfo) -> list[Interval]:
    """UTC intervals of a weekly schedule over the local days first..last (night ranges included)."""
    intervals = []
    day = first
    while day <= last:
        for opens, closes in weekly.get(day.weekday(), ()):
            wall = datetime.combine(day, opens)
            wall_end = datetime.combine(day if closes > opens else day + ONE_DAY, closes)
            start = _instant(wall, tz) or _closing_instant(wall, tz)
            intervals.append((start, _closing_instant(wall_end, tz)))
        day += ONE_DAY
    return intervals


def _merged(intervals: list[Interval]) -> list[Interval]:
    """Sorted, disjoint union: back-to-back ranges (9h-12h, 12h-14h) make one open stretch."""
    merged: list[Interval] = []
    for opens, closes in sorted(intervals):
        if closes <= opens:
            continue
        if merged and opens <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], closes))
        else:
            merged.append((opens, closes))
    return merged


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")


def _index_bookings(
    bookings: Iterable[Booking], tz: ZoneInfo
) -> tuple[dict[datetime, int], dict[date, int]]:
    """Seats taken per exact start (UTC) and per local day, in one pass."""
    by_start: dict[datetime, int] = {}
    by_day: dict[date, int] = {}
    for start, seats in bookings:
        _require_aware(start, "booking start")
        instant = start.astimezone(UTC)
        day = instant.astimezone(tz).date()
        by_start[instant] = by_start.get(instant, 0) + seats
        by_day[day] = by_day.get(day, 0) + seats
    return by_start, by_day


def _grid(
    rules: ServiceRules,
    weekly: Weekly,
    first: date,
    last: date,
    closed_dates: frozenset[date],
    exceptions: Exceptions,
    tz: ZoneInfo,
) -> list[datetime]:
    """Sorted UTC starts of the raw grid (before notice, bookings and quotas) around first..last.

    Candidates from every range are merged in time order and a start is kept only if it does not
    overlap the previous kept one, buffer included: overlapping ranges, a night range spilling
    into the morning or a step shorter than the slot never yield overlapping slots, and no slot is
    dropped that could have been kept. The pass starts at a quiet midnight (no candidate within
    one slot before it) found at most MAX_LEAD_DAYS back, so a date's grid does not depend on
    the window that asked for it, except for a schedule busy around the clock for weeks.
    """
    span = rules.span
    reach = timedelta(days=3 + span // ONE_DAY)
    starts_by_day: dict[date, list[datetime]] = {}

    def starts_of(day: date) -> list[datetime]:
        if day not in starts_by_day:
            if day in closed_dates:
                ranges: Sequence[Range] = ()
            elif day in exceptions:
                ranges = exceptions[day]
            else:
                ranges = weekly.get(day.weekday(), ())
            starts_by_day[day] = _day_starts(day, ranges, rules, tz)
        return starts_by_day[day]

    def is_quiet(midnight: datetime, day: date) -> bool:
        return not any(
            midnight - span < start < midnight
            for back in range(1, reach.days + 1)
            for start in starts_of(day - timedelta(days=back))
        )

    anchor = first - ONE_DAY
    midnight = _closing_instant(datetime.combine(anchor, time(0)), tz)
    for _ in range(MAX_LEAD_DAYS):
        if is_quiet(midnight, anchor):
            break
        anchor -= ONE_DAY
        midnight = _closing_instant(datetime.combine(anchor, time(0)), tz)

    candidates = []
    day = anchor - reach
    while day <= last:
        candidates.extend(start for start in starts_of(day) if start >= midnight)
        day += ONE_DAY
    candidates.sort()
    kept: list[datetime] = []
    for start in candidates:
        if not kept or start - kept[-1] >= span:
            kept.append(start)
    return kept


def _day_starts(
    day: date, ranges: Sequence[Range], rules: ServiceRules, tz: ZoneInfo
) -> list[datetime]:
    """Candidate starts of the ranges opening on `day`: wall-clock grid, slot ending in time."""
    step, duration = rules.grid_step, rules.duration
    starts = []
    for opens, closes in ranges:
        wall = datetime.combine(day, opens)
        wall_end = datetime.combine(day if closes > opens else day + ONE_DAY, closes)
        offset = _steady_offset(wall, wall_end, tz)
        if offset is not None:
            last = wall_end - duration
            while wall <= last:
                starts.append((wall - offset).replace(tzinfo=UTC))
                wall += step
            continue
        end = _closing_instant(wall_end, tz)
        while wall < wall_end:
            start = _instant(wall, tz)
            if start is not None:
                if start + duration > end:
                    break
                starts.append(start)
            wall += step
    return starts


def _steady_offset(opening: datetime, closing: datetime, tz: ZoneInfo) -> timedelta | None:
    """The UTC offset of a range no clock change falls in (the fast, common case), else None.

    Equal unambiguous offsets at both ends mean no change in between, as no zone changes its
    clocks twice within a day.
    """
    offsets = {
        moment.replace(tzinfo=tz, fold=fold).utcoffset()
        for moment in (opening, closing)
        for fold in (0, 1)
    }
    return offsets.pop() if len(offsets) == 1 else None


def _instant(wall: datetime, tz: ZoneInfo) -> datetime | None:
    """UTC instant of a wall time: None if the spring change skips it, the first if repeated."""
    instant = wall.replace(tzinfo=tz).astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != wall:
        return None
    return instant


def _closing_instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """When a range closes; a closing time skipped by the spring change means the jump itself."""
    instant = _instant(wall, tz)
    if instant is not None:
        return instant
    before = int(wall.replace(tzinfo=tz, fold=1).astimezone(UTC).timestamp())
    after = int(wall.replace(tzinfo=tz, fold=0).astimezone(UTC).timestamp())
    offset = datetime.fromtimestamp(after, tz).utcoffset()
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, tz).utcoffset() == offset:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, UTC)
