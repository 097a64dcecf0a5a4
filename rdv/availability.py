"""Feeds the pure slot engine from the database: schedules, closures and one query for bookings.

Everything that asks "which slots are free?" (the public calendar, the JSON endpoint, the check
of a POSTed start, the admin's phone booking, the benchmark) goes through here so that the
answer is the same everywhere.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import slots
from .models import SEAT_HOLDING, Booking, Service

# The engine looks back up to MAX_LEAD_DAYS before the first day to lay out its grid.
LOOKBACK = timedelta(days=slots.MAX_LEAD_DAYS + 4)
MAX_WINDOW_DAYS = 62


@dataclasses.dataclass(frozen=True)
class Inputs:
    """What the engine needs for one service over a window, minus the bookings."""

    rules: slots.ServiceRules
    weekly: dict
    closed_dates: frozenset
    exceptions: dict
    resource_weekly: dict | None = None


def service_inputs(service: Service, date_from: date, date_to: date, *, staff=False) -> Inputs:
    """The service's own weekly ranges or the pharmacy's, with the pharmacy's closures and holidays.

    A service with its own schedule keeps its hours on a day of special pharmacy hours but not on a
    day the pharmacy is closed (public holiday, holidays closure).
    """
    schedule = service.pharmacy.schedule
    first = date_from - LOOKBACK
    exceptions = schedule.exceptions(first, date_to)
    rules = service.rules
    if staff:
        rules = dataclasses.replace(rules, min_notice=timedelta(0))
    resource_weekly = service.resource.own_weekly if service.resource_id else None
    closed = frozenset(day for day, ranges in exceptions.items() if not ranges)
    if service.use_own_schedule:
        return Inputs(rules, service.own_weekly, closed, {}, resource_weekly)
    return Inputs(rules, dict(schedule.weekly), closed, exceptions, resource_weekly)


def _window(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    tz = timezone.get_default_timezone()
    lower = datetime.combine(date_from - timedelta(days=1), datetime.min.time(), tzinfo=tz)
    upper = datetime.combine(date_to + timedelta(days=2), datetime.min.time(), tzinfo=tz)
    return lower, upper


def resource_busy(
    resource_ids: Iterable[int], lower: datetime, upper: datetime, exclude_booking=None
) -> dict[int, list[tuple[int, tuple[datetime, datetime]]]]:
    """Per resource, (service id, held interval) of its bookings starting in [lower, upper).

    ONE query whatever the number of services; a booking holds its resource for its service's
    span (duration and buffer), as the engine counts it.
    """
    ids = [pk for pk in set(resource_ids) if pk]
    result: dict[int, list] = defaultdict(list)
    if not ids:
        return result
    qs = Booking.objects.filter(
        service__resource_id__in=ids,
        status__in=SEAT_HOLDING,
        start__gte=lower - timedelta(days=1),
        start__lt=upper,
    )
    if exclude_booking is not None:
        qs = qs.exclude(pk=exclude_booking.pk)
    rows = qs.values_list(
        "service__resource_id", "service_id", "start", "end", "service__buffer_after_minutes"
    )
    for resource_id, service_id, start, end, buffer in rows:
        result[resource_id].append((service_id, (start, end + timedelta(minutes=buffer))))
    return result


def busy_for(service: Service, busy: dict) -> list[tuple[datetime, datetime]]:
    """What the service's resource is held for by the other services' bookings."""
    return [
        held for service_id, held in busy.get(service.resource_id, ()) if service_id != service.pk
    ]


def _bookings_by_service(
    service_ids: Iterable[int], date_from: date, date_to: date, exclude_booking=None
) -> dict[int, list[tuple[datetime, int]]]:
    """Seats held per service in the window: ONE query whatever the number of services."""
    lower, upper = _window(date_from, date_to)
    qs = Booking.objects.filter(
        service_id__in=list(service_ids),
        status__in=SEAT_HOLDING,
        start__gte=lower,
        start__lt=upper,
    )
    if exclude_booking is not None:
        qs = qs.exclude(pk=exclude_booking.pk)
    result: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for service_id, start in qs.values_list("service_id", "start"):
        result[service_id].append((start, 1))
    return result


def free_slots(
    service: Service,
    date_from: date,
    date_to: date,
    *,
    now: datetime | None = None,
    staff: bool = False,
    exclude_booking=None,
) -> list[slots.Slot]:
    """Bookable slots of one service whose local start date lies in [date_from, date_to]."""
    return pharmacy_slots(
        [service], date_from, date_to, now=now, staff=staff, exclude_booking=exclude_booking
    )[service.pk]


def pharmacy_slots(
    services: Iterable[Service],
    date_from: date,
    date_to: date,
    *,
    now: datetime | None = None,
    staff: bool = False,
    exclude_booking=None,
) -> dict[int, list[slots.Slot]]:
    """Free slots of several services of one pharmacy, with one query for all their bookings."""
    services = list(services)
    pharmacies, resources = {}, {}
    for service in services:
        # One Pharmacy instance per pharmacy: its schedule (hours, closures) is loaded once.
        service.pharmacy = pharmacies.setdefault(service.pharmacy_id, service.pharmacy)
        if service.resource_id:
            service.resource = resources.setdefault(service.resource_id, service.resource)
    now = now or timezone.now()
    bookings = _bookings_by_service(
        [s.pk for s in services], date_from, date_to, exclude_booking=exclude_booking
    )
    busy = resource_busy(
        [s.resource_id for s in services],
        *_window(date_from, date_to),
        exclude_booking=exclude_booking,
    )
    tz = timezone.get_default_timezone()
    result = {}
    for service in services:
        inputs = service_inputs(service, date_from, date_to, staff=staff)
        result[service.pk] = slots.available_slots(
            inputs.rules,
            inputs.weekly,
            now=now,
            date_from=date_from,
            date_to=date_to,
            closed_dates=inputs.closed_dates,
            exceptions=inputs.exceptions,
            bookings=bookings.get(service.pk, ()),
            tz=tz,
            resource_weekly=inputs.resource_weekly,
            resource_busy=busy_for(service, busy),
        )
    return result


def days_with_free_slots(
    service: Service, date_from: date, date_to: date, *, now: datetime | None = None
) -> list[tuple[date, int]]:
    """(day, number of free slots) for the small calendar."""
    counts: dict[date, int] = defaultdict(int)
    for slot in free_slots(service, date_from, date_to, now=now):
        counts[slot.start.date()] += 1
    return sorted(counts.items())


def booking_window(service: Service, now: datetime | None = None) -> tuple[date, date]:
    """First and last day a patient may book this service."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    first = timezone.localdate(now + service.rules.min_notice)
    return first, today + timedelta(days=service.horizon_days)


def is_on_grid(
    service: Service, start: datetime, *, now: datetime | None = None, staff: bool = False
) -> bool:
    """Whether `start` is one of the service's slots ignoring bookings (closed day, notice, grid)."""
    now = now or timezone.now()
    day = timezone.localdate(start)
    inputs = service_inputs(service, day, day, staff=staff)
    rules = dataclasses.replace(inputs.rules, capacity=10_000, max_per_day=None)
    return slots.slot_is_offered(
        rules,
        inputs.weekly,
        start,
        now=now,
        closed_dates=inputs.closed_dates,
        exceptions=inputs.exceptions,
        tz=timezone.get_default_timezone(),
        resource_weekly=inputs.resource_weekly,
    )


def why_not_offered(service: Service, start: datetime, *, now: datetime | None = None) -> str:
    """The patient-facing reason a start is not bookable, most specific first."""
    now = now or timezone.now()
    if start <= now:
        return _("Ce créneau est déjà passé.")
    if start < now + service.rules.min_notice:
        return ngettext(
            "Ce créneau est trop proche : réservez au moins %(hours)d heure à l'avance.",
            "Ce créneau est trop proche : réservez au moins %(hours)d heures à l'avance.",
            service.min_notice_hours,
        ) % {"hours": service.min_notice_hours}
    day = timezone.localdate(start)
    if day > timezone.localdate(now) + timedelta(days=service.horizon_days):
        return _("On ne peut pas réserver plus de %(days)d jours à l'avance.") % {
            "days": service.horizon_days
        }
    inputs = service_inputs(service, day, day)
    rules = dataclasses.replace(
        inputs.rules, capacity=10_000, max_per_day=None, min_notice=timedelta(0)
    )
    same_day = slots.available_slots(
        rules,
        inputs.weekly,
        now=now,
        date_from=day,
        date_to=day,
        closed_dates=inputs.closed_dates,
        exceptions=inputs.exceptions,
        tz=timezone.get_default_timezone(),
        resource_weekly=inputs.resource_weekly,
    )
    if not same_day:
        return _("La pharmacie ne propose pas ce rendez-vous ce jour-là (fermeture ou jour férié).")
    return _("Cet horaire ne correspond pas à un créneau proposé. Choisissez-en un dans la liste.")


def next_free_slots(
    service: Service,
    after: datetime,
    *,
    count: int = 3,
    now: datetime | None = None,
    staff: bool = False,
) -> list[slots.Slot]:
    """The first free slots at or after `after` (or the first ones at all), for "créneau pris"."""
    now = now or timezone.now()
    first, last = booking_window(service, now)
    after_utc = after.astimezone(UTC)
    day = max(first, timezone.localdate(after))
    found: list[slots.Slot] = []
    while day <= last and len(found) < count:
        chunk_end = min(last, day + timedelta(days=13))
        for slot in free_slots(service, day, chunk_end, now=now, staff=staff):
            if slot.start.astimezone(UTC) >= after_utc:
                found.append(slot)
                if len(found) == count:
                    break
        day = chunk_end + timedelta(days=1)
    if not found and after_utc > now:
        return next_free_slots(service, now, count=count, now=now, staff=staff)
    return found


class DayState:
    """Why a day of the calendar can or cannot be picked (also the CSS modifier and JSON value)."""

    OPEN = "open"
    PAST = "past"
    TOO_SOON = "too_soon"
    CLOSED = "closed"
    FULL = "full"
    TOO_FAR = "too_far"


@dataclasses.dataclass(frozen=True)
class CalendarDay:
    """One day of the patient's calendar: a greyed day always carries the reason it is greyed."""

    day: date
    state: str
    reason: str
    count: int = 0

    @property
    def bookable(self) -> bool:
        return self.state == DayState.OPEN

    @property
    def label(self) -> str:
        return short_label(self.state)


def _offered_days(inputs: Inputs, rules, *, now, date_from, date_to) -> set:
    offered = slots.available_slots(
        rules,
        inputs.weekly,
        now=now,
        date_from=date_from,
        date_to=date_to,
        closed_dates=inputs.closed_dates,
        exceptions=inputs.exceptions,
        tz=timezone.get_default_timezone(),
        resource_weekly=inputs.resource_weekly,
    )
    return {slot.start.date() for slot in offered}


def calendar_days(
    service: Service,
    date_from: date,
    date_to: date,
    *,
    now: datetime | None = None,
    exclude_booking=None,
) -> list[CalendarDay]:
    """Every day of [date_from, date_to] with its state and the patient-facing reason.

    The reasons are told apart by asking the engine three questions: are there free slots (open),
    would there be slots with no booking at all (else closed), would there be slots with no
    booking but the notice (else too soon); what is left is full.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    first, last = booking_window(service, now)
    counts: dict[date, int] = defaultdict(int)
    if max(date_from, first) <= min(date_to, last):
        for slot in free_slots(
            service,
            max(date_from, first),
            min(date_to, last),
            now=now,
            exclude_booking=exclude_booking,
        ):
            counts[slot.start.date()] += 1
    inputs = service_inputs(service, date_from, date_to)
    unlimited = dataclasses.replace(
        inputs.rules, capacity=10_000, max_per_day=None, horizon_days=10_000
    )
    midnight = datetime.combine(
        max(date_from, today), datetime.min.time(), tzinfo=timezone.get_default_timezone()
    )
    scheduled = _offered_days(
        inputs,
        dataclasses.replace(unlimited, min_notice=timedelta(0)),
        now=midnight,
        date_from=date_from,
        date_to=date_to,
    )
    with_notice = _offered_days(inputs, unlimited, now=now, date_from=date_from, date_to=date_to)
    days = []
    day = date_from
    while day <= date_to:
        days.append(_day_state(service, day, today, last, counts, scheduled, with_notice))
        day += timedelta(days=1)
    return days


def _day_state(service, day, today, last, counts, scheduled, with_notice) -> CalendarDay:
    if day < today:
        return CalendarDay(day, DayState.PAST, _("passé"))
    if day > last:
        return CalendarDay(
            day,
            DayState.TOO_FAR,
            ngettext(
                "trop loin : réservation jusqu'à %(days)d jour à l'avance",
                "trop loin : réservation jusqu'à %(days)d jours à l'avance",
                service.horizon_days,
            )
            % {"days": service.horizon_days},
        )
    if counts.get(day):
        count = counts[day]
        return CalendarDay(
            day,
            DayState.OPEN,
            ngettext("%(count)d créneau libre", "%(count)d créneaux libres", count)
            % {"count": count},
            count,
        )
    if day not in scheduled:
        return CalendarDay(day, DayState.CLOSED, _("fermé"))
    if day not in with_notice:
        return CalendarDay(
            day,
            DayState.TOO_SOON,
            ngettext(
                "trop tôt : réservez %(hours)d heure à l'avance",
                "trop tôt : réservez %(hours)d heures à l'avance",
                service.min_notice_hours,
            )
            % {"hours": service.min_notice_hours},
        )
    return CalendarDay(day, DayState.FULL, _("complet"))


def short_label(state: str) -> str:
    """The word shown inside a greyed cell; the full reason goes to its accessible name."""
    return {
        DayState.PAST: _("passé"),
        DayState.TOO_SOON: _("trop tôt"),
        DayState.CLOSED: _("fermé"),
        DayState.FULL: _("complet"),
        DayState.TOO_FAR: _("trop loin"),
    }.get(state, "")
