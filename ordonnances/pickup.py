"""When a patient told "your order is ready" can come today: the pharmacy's hours as one short line.

The ready message is read on a phone at the moment it arrives, so it says what is left of today
(regular hours after closures and public holidays, plus any duty period), or when the pharmacy
next opens if today is over. Kept short and in the GSM alphabet: it goes in a two-segment SMS.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from pharmacies.hours import PARIS, WEEKDAY_NAMES, format_time_fr


def _merged(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _openings(pharmacy, first_day, days: int) -> list[tuple[datetime, datetime]]:
    """Regular openings and duty periods from `first_day` on, merged where they touch."""
    schedule = pharmacy.schedule
    intervals = list(schedule.intervals_between(first_day, first_day + timedelta(days=days)))
    intervals += [(d.starts, d.ends) for d in pharmacy.duty_periods.all()]
    return _merged(intervals)


def pickup_hours_text(pharmacy, now: datetime | None = None) -> str:
    """ "Aujourd'hui 9h-12h30, 14h-19h30." or "Dès demain 9h." (or "")."""
    now = now or timezone.now()
    today = now.astimezone(PARIS).date()
    openings = [(s, e) for s, e in _openings(pharmacy, today, 14) if e > now]
    if not openings:
        return ""
    todays = [(s, e) for s, e in openings if s.astimezone(PARIS).date() <= today]
    if todays:
        ranges = ", ".join(
            f"{format_time_fr(s.astimezone(PARIS))}-{format_time_fr(e.astimezone(PARIS))}"
            for s, e in todays
        )
        return _("Aujourd'hui %(hours)s.") % {"hours": ranges}
    opens = openings[0][0].astimezone(PARIS)
    delta = (opens.date() - today).days
    if delta == 1:
        when = _("demain")
    elif delta < 7:
        when = _(WEEKDAY_NAMES[opens.weekday()])
    else:
        when = _("le %(date)s") % {"date": opens.strftime("%d/%m")}
    return _("Dès %(when)s %(time)s.") % {"when": when, "time": format_time_fr(opens)}
