"""The waiting list of a full day: join it, be told when a seat frees up, and the daily clean-up.

A freed seat (a cancellation, a booking moved away) is offered to the first waiting patient of
that service and day only, by a signed link; the seat itself stays open to everybody, so whoever
books first gets it. An entry is offered one seat at most (the outbox sends once per record and
event); it is deleted once its day is over.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from notifications.api import notify_contact, patient_language

from . import links
from .models import Service, WaitlistEntry, WaitlistStatus

logger = logging.getLogger("officine.rdv")

TOKEN = re.compile(r"(\d{1,12})-([A-Za-z0-9_-]{16,64})")


def join(
    *,
    service: Service,
    day: date,
    first_name: str,
    last_name: str,
    phone: str = "",
    email: str = "",
    notify_by: str = "email",
    page=None,
) -> tuple[WaitlistEntry, bool]:
    """Put the patient on the day's list; (entry, created). Signing up twice keeps one place."""
    existing = WaitlistEntry.objects.filter(
        pharmacy=service.pharmacy,
        service=service,
        day=day,
        status=WaitlistStatus.WAITING,
        last_name__iexact=last_name.strip(),
    )
    existing = (
        existing.filter(phone=phone).first() if phone else existing.filter(email=email).first()
    )
    if existing is not None:
        return existing, False
    entry = WaitlistEntry.objects.create(
        pharmacy=service.pharmacy,
        service=service,
        day=day,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        phone=phone,
        email=email,
        notify_by=notify_by,
        page=page,
        language=patient_language(),
    )
    logger.info("Waitlist entry %s for service %s on %s", entry.reference, service.pk, day)
    return entry, True


def token(entry: WaitlistEntry) -> str:
    return f"{entry.pk}-{entry.secret}"


def entry_from_token(raw: str) -> WaitlistEntry | None:
    match = TOKEN.fullmatch(raw or "")
    if match is None:
        return None
    entry = (
        WaitlistEntry.objects.select_related("service", "pharmacy__site", "page")
        .filter(pk=int(match.group(1)))
        .first()
    )
    if entry is None or not constant_time_compare(match.group(2), entry.secret):
        return None
    return entry


def take_path(entry: WaitlistEntry) -> str:
    return reverse("rdv:waitlist_take", args=[token(entry)])


def take_url(entry: WaitlistEntry) -> str:
    return links.absolute(entry, take_path(entry))


def offer_freed_seat(service: Service, freed_start: datetime, now: datetime | None = None):
    """Tell the first waiting patient of that day (call in the transaction that freed the seat)."""
    now = now or timezone.now()
    day = timezone.localdate(freed_start)
    if freed_start <= now or day < timezone.localdate(now):
        return None
    entry = (
        WaitlistEntry.objects.select_for_update()
        .filter(service=service, day=day, status=WaitlistStatus.WAITING)
        .order_by("created_at", "pk")
        .first()
    )
    if entry is None:
        return None
    entry.status = WaitlistStatus.OFFERED
    entry.offered_start = freed_start
    entry.offered_at = now
    entry.save(update_fields=["status", "offered_start", "offered_at"])
    notify_contact(
        entry,
        event="waitlist_seat_freed",
        context={
            "entry": entry,
            "service": service,
            "start": timezone.localtime(freed_start),
            "take_url": take_url(entry),
        },
    )
    logger.info("Freed seat of service %s offered to %s", service.pk, entry.reference)
    return entry


def purge_past(today: date | None = None) -> int:
    """Entries whose day is over: their purpose is gone, and so is the patient's contact."""
    today = today or timezone.localdate()
    deleted, _by_model = WaitlistEntry.objects.filter(day__lt=today).delete()
    if deleted:
        logger.info("Deleted %d waiting-list entries of past days", deleted)
    return deleted
