"""The agenda's time grid laid out as plain numbers: columns per resource, closed hours, bookings.

Positions are minutes of the local wall clock from the grid's first hour, so the template only
multiplies them; a day of the clock change simply shows its wall times. No request in sight: the
view loads resources, schedules and bookings, this module places them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

Range = tuple[time, time]
DAY_MINUTES = 24 * 60
DEFAULT_HOURS = (8 * 60, 20 * 60)


def minute_of(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def wall_ranges(ranges: Iterable[Range]) -> list[tuple[int, int]]:
    """Ranges as (start, end) minutes within the day; a range past midnight stops at midnight."""
    result = []
    for opens, closes in ranges:
        start, end = minute_of(opens), minute_of(closes)
        if end <= start:
            end = DAY_MINUTES
        result.append((start, end))
    return sorted(result)


def intersect(first: list[tuple[int, int]], second: list[tuple[int, int]]) -> list[tuple[int, int]]:
    result = []
    for a_start, a_end in first:
        for b_start, b_end in second:
            start, end = max(a_start, b_start), min(a_end, b_end)
            if start < end:
                result.append((start, end))
    return sorted(result)


def complement(opened: list[tuple[int, int]], lower: int, upper: int) -> list[tuple[int, int]]:
    """The closed stretches of [lower, upper) around the open ranges."""
    closed, cursor = [], lower
    for start, end in sorted(opened):
        if start > cursor:
            closed.append((cursor, min(start, upper)))
        cursor = max(cursor, end)
    if cursor < upper:
        closed.append((cursor, upper))
    return [(start, end) for start, end in closed if start < end]


@dataclass
class Block:
    """A booking or a closed stretch placed in a column: `top` and `height` in minutes."""

    top: int
    height: int
    item: object = None


@dataclass
class Column:
    key: object
    label: str
    day: date
    closed: list[Block] = field(default_factory=list)
    bookings: list[Block] = field(default_factory=list)


@dataclass
class Grid:
    lower: int
    upper: int
    days: list[tuple[date, list[Column]]]

    @property
    def height(self) -> int:
        return self.upper - self.lower

    @property
    def hours(self) -> list[tuple[int, str]]:
        """(top, label) of every full hour of the grid."""
        first = -(-self.lower // 60)
        return [(h * 60 - self.lower, f"{h:02d}h") for h in range(first, self.upper // 60 + 1)]


def build_grid(
    days: Sequence[date],
    columns: Sequence[tuple[object, str, Mapping[int, Sequence[Range]] | None]],
    opening: Mapping[date, Sequence[Range]],
    bookings: Iterable[tuple[object, datetime, datetime, object]],
    tz: ZoneInfo,
) -> Grid:
    """Lay out `bookings` (column key, start, end, item) on `days` × `columns`.

    `columns` are (key, label, weekly hours or None); `opening` gives each day's opening ranges
    (the pharmacy's, closures and holidays applied). A column is open when the pharmacy is and,
    when it has weekly hours, when its resource is. The grid spans the opening hours of the days
    shown and every booking, on whole hours.
    """
    placed: dict[tuple[date, object], list[Block]] = {}
    lower, upper = DAY_MINUTES, 0
    for key, start, end, item in bookings:
        local_start, local_end = start.astimezone(tz), end.astimezone(tz)
        top = minute_of(local_start.time())
        bottom = (
            DAY_MINUTES if local_end.date() > local_start.date() else minute_of(local_end.time())
        )
        bottom = max(bottom, top + 5)
        placed.setdefault((local_start.date(), key), []).append(Block(top, bottom - top, item))
        lower, upper = min(lower, top), max(upper, bottom)
    for day in days:
        for start, end in wall_ranges(opening.get(day, ())):
            lower, upper = min(lower, start), max(upper, end)
    if lower >= upper:
        lower, upper = DEFAULT_HOURS
    lower, upper = lower // 60 * 60, min(DAY_MINUTES, -(-upper // 60) * 60)

    laid_out = []
    for day in days:
        day_open = wall_ranges(opening.get(day, ()))
        day_columns = []
        for key, label, weekly in columns:
            opened = day_open
            if weekly is not None:
                opened = intersect(day_open, wall_ranges(weekly.get(day.weekday(), ())))
            column = Column(key, label, day)
            column.closed = [
                Block(start - lower, end - start) for start, end in complement(opened, lower, upper)
            ]
            column.bookings = [
                Block(block.top - lower, block.height, block.item)
                for block in sorted(placed.get((day, key), []), key=lambda b: b.top)
            ]
            day_columns.append(column)
        laid_out.append((day, day_columns))
    return Grid(lower, upper, laid_out)
