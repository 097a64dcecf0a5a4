"""Opening-hours arithmetic, kept free of Django so it is easy to reason about and to test.

A pharmacy's week has several ranges a day (9h–12h30, 14h–19h30); a range may run past midnight
(a pharmacy on duty until 2h). Dated closures replace a whole day (closed, or special hours), and
French public holidays close the pharmacy unless it says otherwise. All arithmetic is done on local
wall-clock times in Europe/Paris and turned into aware datetimes at the end, so the two
daylight-saving days come out right.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

PARIS = ZoneInfo("Europe/Paris")
Range = tuple[time, time]

# Marked for extraction here, translated where shown.
WEEKDAY_NAMES = [
    gettext_noop("lundi"),
    gettext_noop("mardi"),
    gettext_noop("mercredi"),
    gettext_noop("jeudi"),
    gettext_noop("vendredi"),
    gettext_noop("samedi"),
    gettext_noop("dimanche"),
]


@lru_cache(maxsize=64)
def french_holidays(year: int, subdivision: str | None = None) -> dict[date, str]:
    """Public holidays of one year, from the `holidays` package (Alsace-Moselle via subdivision)."""
    return dict(holidays.France(years=year, subdiv=subdivision or None, language="fr"))


@dataclass(frozen=True)
class DayOverride:
    """A dated exception: the pharmacy is closed (no ranges) or open on special hours."""

    start: date
    end: date
    ranges: tuple[Range, ...] = ()
    label: str = ""


@dataclass(frozen=True)
class OpeningStatus:
    is_open: bool
    closes_at: datetime | None = None
    next_opening: datetime | None = None


@dataclass
class Schedule:
    weekly: Mapping[int, Sequence[Range]]
    overrides: Sequence[DayOverride] = ()
    closed_on_holidays: bool = True
    holiday_subdivision: str | None = None
    tz: ZoneInfo = PARIS
    _override_index: dict[date, DayOverride] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self):
        for override in self.overrides:
            day = override.start
            while day <= override.end:
                self._override_index[day] = override
                day += timedelta(days=1)

    def holiday_name(self, day: date) -> str | None:
        return french_holidays(day.year, self.holiday_subdivision).get(day)

    def local_ranges(self, day: date) -> tuple[Range, ...]:
        """Wall-clock ranges that start on `day` (before spill-over to the next day)."""
        override = self._override_index.get(day)
        if override is not None:
            return tuple(override.ranges)
        if self.closed_on_holidays and self.holiday_name(day):
            return ()
        return tuple(self.weekly.get(day.weekday(), ()))

    def is_closed_day(self, day: date) -> bool:
        return not self.local_ranges(day)

    def intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """UTC intervals starting on local `day`; a range whose end is not after its start ends the next day."""
        result = []
        for opens, closes in self.local_ranges(day):
            start = datetime.combine(day, opens, tzinfo=self.tz)
            end_day = day if closes > opens else day + timedelta(days=1)
            end = datetime.combine(end_day, closes, tzinfo=self.tz)
            # In UTC: Python compares and subtracts same-zone datetimes on wall time, not instants.
            result.append((start.astimezone(UTC), end.astimezone(UTC)))
        return sorted(result)

    def intervals_between(self, first: date, last: date) -> Iterable[tuple[datetime, datetime]]:
        day = first
        while day <= last:
            yield from self.intervals(day)
            day += timedelta(days=1)

    def status_at(self, moment: datetime, search_days: int = 14) -> OpeningStatus:
        """Open now (and until when), or when it opens next, looking `search_days` ahead."""
        local_day = moment.astimezone(self.tz).date()
        current = None
        for start, end in self.intervals_between(local_day - timedelta(days=1), local_day):
            if start <= moment < end:
                current = end if current is None else max(current, end)
        if current is not None:
            # Ranges that touch (a pharmacy open 8h–20h then 20h–2h) read as one opening.
            extended = True
            while extended:
                extended = False
                for start, end in self.intervals_between(
                    current.astimezone(self.tz).date() - timedelta(days=1),
                    current.astimezone(self.tz).date(),
                ):
                    if start <= current < end:
                        current, extended = end, True
            return OpeningStatus(True, closes_at=current)
        for start, _end in self.intervals_between(
            local_day, local_day + timedelta(days=search_days)
        ):
            if start > moment:
                return OpeningStatus(False, next_opening=start)
        return OpeningStatus(False)

    def closed_dates(self, first: date, last: date) -> set[date]:
        """Days without any opening, for the appointment slot engine."""
        day, closed = first, set()
        while day <= last:
            if self.is_closed_day(day):
                closed.add(day)
            day += timedelta(days=1)
        return closed

    def exceptions(self, first: date, last: date) -> dict[date, list[Range]]:
        """Days whose hours differ from the weekly schedule (closures and special hours)."""
        result = {}
        day = first
        while day <= last:
            override = self._override_index.get(day)
            if override is not None:
                result[day] = list(override.ranges)
            elif self.closed_on_holidays and self.holiday_name(day):
                result[day] = []
            day += timedelta(days=1)
        return result


def format_time_fr(value: time | datetime) -> str:
    """French style: 9h, 19h30."""
    return f"{value.hour}h{value.minute:02d}" if value.minute else f"{value.hour}h"


def describe_status(status: OpeningStatus, now: datetime, tz: ZoneInfo = PARIS) -> str:
    """The header line: "Ouvert jusqu'à 19h30", "Fermé, ouvre demain à 9h"."""
    if status.is_open and status.closes_at is not None:
        return _("Ouvert jusqu'à %(time)s") % {
            "time": format_time_fr(status.closes_at.astimezone(tz))
        }
    if status.next_opening is None:
        return _("Fermé")
    opens = status.next_opening.astimezone(tz)
    delta = (opens.date() - now.astimezone(tz).date()).days
    if delta == 0:
        when = _("aujourd'hui")
    elif delta == 1:
        when = _("demain")
    elif delta < 7:
        when = _(WEEKDAY_NAMES[opens.weekday()])
    else:
        when = _("le %(date)s") % {"date": opens.strftime("%d/%m")}
    return _("Fermé, ouvre %(when)s à %(time)s") % {"when": when, "time": format_time_fr(opens)}
