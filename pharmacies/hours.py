"""Opening-hours arithmetic, kept free of Django so it is easy to reason about and to test.

A pharmacy's week has several ranges a day (9h–12h30, 14h–19h30). Weekly ranges, the pharmacy's
and a service's alike, are entered within their day (`range_error`, `weekly_conflicts`): a night
on duty is 20h–0h then 0h–2h the next day, which read as one opening. The engine itself reads a
range whose closing is not after its opening as running past midnight (special hours of a dated
closure, 20h–2h on one date). Dated closures replace a whole day (closed, or special hours), and
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
MIDNIGHT = time(0)
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


def weekly(rows: Iterable) -> dict[int, list[Range]]:
    """Weekday → its ranges in order, from rows with `weekday`, `opens`, `closes` (`WeeklyHours`)."""
    result: dict[int, list[Range]] = {}
    for row in rows:
        result.setdefault(row.weekday, []).append((row.opens, row.closes))
    return {day: sorted(ranges) for day, ranges in result.items()}


def _day_span(opens: time, closes: time) -> tuple[timedelta, timedelta]:
    """A weekly range as offsets from the start of its day; a closing 0h is the day's end."""
    start = timedelta(hours=opens.hour, minutes=opens.minute, seconds=opens.second)
    if closes == MIDNIGHT:
        return start, timedelta(days=1)
    return start, timedelta(hours=closes.hour, minutes=closes.minute, seconds=closes.second)


def range_error(opens: time, closes: time) -> str | None:
    """Why one weekly range cannot be saved, or None: it must end after it starts, the same day.

    A closing time of 0h is midnight at the end of the day (20h–0h; 0h–0h is the whole day). A
    reversed range is refused rather than read as running past midnight: "18h–9h" is far more
    often a slip than a night opening, and a night is entered as two ranges that touch.
    """
    start, end = _day_span(opens, closes)
    if end <= start:
        return _(
            "L'heure de fin doit être après l'heure de début. Pour une plage qui passe minuit, "
            "saisissez deux plages : jusqu'à 0h, puis dès 0h le lendemain."
        )
    return None


def weekly_conflicts(rows: Sequence[tuple[int, time, time]]) -> dict[int, str]:
    """Rows (by index) that repeat or overlap an earlier row of the same day, with the reason.

    Ranges that only touch (12h–14h, 14h–19h) are allowed: they read as one opening. Rows that are
    invalid on their own (see `range_error`) are left to that message.
    """
    errors: dict[int, str] = {}
    accepted: list[tuple[int, time, time]] = []
    for index, (weekday, opens, closes) in enumerate(rows):
        if range_error(opens, closes):
            continue
        start, end = _day_span(opens, closes)
        for other_day, other_opens, other_closes in accepted:
            if other_day != weekday:
                continue
            if (other_opens, other_closes) == (opens, closes):
                errors[index] = _("Cette plage est déjà saisie pour ce jour.")
                break
            other_start, other_end = _day_span(other_opens, other_closes)
            if start < other_end and other_start < end:
                errors[index] = _("Cette plage chevauche la plage %(range)s du même jour.") % {
                    "range": f"{format_time_fr(other_opens)}–{format_time_fr(other_closes)}"
                }
                break
        else:
            accepted.append((weekday, opens, closes))
    return errors


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
