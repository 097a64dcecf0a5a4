"""Taking, cancelling and moving a booking: the only code that writes seats.

Each write locks the slot's `SlotLock` row (SELECT ... FOR UPDATE) inside its transaction and only
then counts the seats held, so PostgreSQL serialises the requests for one slot and a slot is never
booked beyond its capacity. A service that needs a resource (a pharmacist, a room) also locks the
resource's row: two services sharing it are serialised too, and the second one sees the first
one's booking. Notifications are queued in the same transaction.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from notifications.api import notify_contact, notify_contacts, notify_pharmacy, patient_language
from pharmacies import audit

from . import availability, links, slots, waitlist
from .ics import booking_ics
from .models import (
    SEAT_HOLDING,
    Booking,
    BookingChange,
    BookingStatus,
    Resource,
    Service,
    SlotLock,
    WaitlistEntry,
    WaitlistStatus,
)

logger = logging.getLogger("officine.rdv")

SLOT_TAKEN_MESSAGE = _("Ce créneau vient d'être pris.")


class BookingError(Exception):
    """A booking that cannot be made; `message` is for the patient (French)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class SlotNotOffered(BookingError):
    pass


class SlotTaken(BookingError):
    def __init__(self, next_slots):
        super().__init__(SLOT_TAKEN_MESSAGE)
        self.next_slots = next_slots


class TooLate(BookingError):
    pass


def cancel_cutoff() -> timedelta:
    return timedelta(hours=getattr(settings, "RDV_CANCEL_CUTOFF_HOURS", 2))


def patient_can_change(booking: Booking, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return booking.status == BookingStatus.BOOKED and booking.start - cancel_cutoff() > now


def _lock_slot(service: Service, start: datetime) -> None:
    """Create the slot's lock row if needed (no error on a race) and hold it until commit."""
    SlotLock.objects.bulk_create([SlotLock(service=service, start=start)], ignore_conflicts=True)
    list(SlotLock.objects.select_for_update().filter(service=service, start=start))
    if service.max_per_day is not None:
        # A daily quota spans slots: serialise the service's bookings for that purpose.
        list(Service.objects.select_for_update().filter(pk=service.pk).values_list("pk"))
    if service.resource_id:
        # Other services' bookings of the resource overlap this slot at other starts.
        list(
            Resource._base_manager.select_for_update()
            .filter(pk=service.resource_id)
            .values_list("pk")
        )


def _seats_free(service, start, *, now, staff, exclude=None) -> bool:
    """Whether `start` is offered with the seats held right now (call while holding the lock)."""
    day = timezone.localdate(start)
    inputs = availability.service_inputs(service, day, day, staff=staff)
    tz = timezone.get_default_timezone()
    lower = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    qs = Booking.objects.filter(
        service=service,
        status__in=SEAT_HOLDING,
        start__gte=lower - timedelta(days=1),
        start__lt=lower + timedelta(days=2),
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    held = [(s, 1) for s in qs.values_list("start", flat=True)]
    busy = availability.resource_busy(
        [service.resource_id],
        lower - timedelta(days=1),
        lower + timedelta(days=2),
        exclude_booking=exclude,
    )
    return slots.slot_is_offered(
        inputs.rules,
        inputs.weekly,
        start,
        now=now,
        closed_dates=inputs.closed_dates,
        exceptions=inputs.exceptions,
        bookings=held,
        tz=tz,
        resource_weekly=inputs.resource_weekly,
        resource_busy=availability.busy_for(service, busy),
    )


def notification_context(booking: Booking) -> dict:
    return {
        "booking": booking,
        "service": booking.service,
        "start": timezone.localtime(booking.start),
        "end": timezone.localtime(booking.end),
        "manage_url": links.manage_url(booking),
        "ics_url": links.ics_url(booking),
        "cutoff_hours": int(cancel_cutoff().total_seconds() // 3600),
    }


def _ics_attachment(booking: Booking):
    with translation.override(booking.language):
        content = booking_ics(booking, links.manage_url(booking))
        name = f"{_('rendez-vous')}.ics"
    return [(name, content, "text/calendar")]


def create_booking(
    *,
    service: Service,
    start: datetime,
    first_name: str,
    last_name: str,
    phone: str = "",
    email: str = "",
    comment: str = "",
    notify_by: str = "email",
    idempotency_key: str | None = None,
    user=None,
    now: datetime | None = None,
) -> tuple[Booking, bool]:
    """Book one seat; returns (booking, created). Raises SlotNotOffered or SlotTaken.

    A replayed form (same idempotency key) returns the booking it already made.
    """
    now = now or timezone.now()
    staff = user is not None
    start = start.astimezone(UTC)
    key = idempotency_key or None
    if key:
        existing = Booking.objects.filter(idempotency_key=key, service=service).first()
        if existing:
            return existing, False
    if not availability.is_on_grid(service, start, now=now, staff=staff):
        raise SlotNotOffered(availability.why_not_offered(service, start, now=now))
    try:
        with transaction.atomic():
            _lock_slot(service, start)
            if key:
                existing = Booking.objects.filter(idempotency_key=key, service=service).first()
                if existing:
                    return existing, False
            if not _seats_free(service, start, now=now, staff=staff):
                raise SlotTaken(None)
            booking = Booking.objects.create(
                pharmacy=service.pharmacy,
                service=service,
                start=start,
                end=start + service.duration,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                phone=phone,
                email=email,
                comment=comment,
                notify_by=notify_by,
                idempotency_key=key,
                booked_by_staff=staff,
                # Over the phone the admin's language says nothing about the patient's.
                language=settings.LANGUAGE_CODE if staff else patient_language(),
            )
            BookingChange.objects.create(
                booking=booking,
                action=BookingChange.Action.CREATED,
                by_patient=not staff,
                user=user,
                new_start=start,
            )
            notify_contact(
                booking,
                event="booking_confirmed",
                context=notification_context(booking),
                attachments=_ics_attachment(booking),
            )
    except SlotTaken:
        logger.info("Slot %s of service %s already full", start.isoformat(), service.pk)
        raise SlotTaken(
            availability.next_free_slots(service, start, now=now, staff=staff)
        ) from None
    except IntegrityError:
        existing = key and Booking.objects.filter(idempotency_key=key, service=service).first()
        if existing:
            return existing, False
        raise
    logger.info("Booking %s created for service %s", booking.reference, service.pk)
    return booking, True


def _audit_status(booking: Booking, from_status: str, *, user, request, by_patient=False) -> None:

    audit.record(
        audit.AuditAction.STATUS_CHANGE,
        pharmacy=booking.pharmacy,
        user=user,
        request=request,
        obj=booking,
        detail={"from": from_status, "to": booking.status, "by_patient": by_patient},
        label="patient" if by_patient else "",
    )


def cancel_booking(
    booking: Booking, *, by_patient: bool, user=None, now=None, request=None
) -> bool:
    """Cancel and free the seat at once; the patient is told, and the pharmacy when the patient did it.

    Returns False when there was nothing to cancel; raises TooLate past the patient's cut-off.
    """
    now = now or timezone.now()
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update()
            .select_related("service", "pharmacy")
            .get(pk=booking.pk)
        )
        if booking.status != BookingStatus.BOOKED:
            return False
        if by_patient and not patient_can_change(booking, now):
            raise TooLate(_("Il est trop tard pour annuler en ligne : appelez la pharmacie."))
        booking.status = BookingStatus.CANCELLED
        booking.save(update_fields=["status", "updated_at"])
        BookingChange.objects.create(
            booking=booking,
            action=BookingChange.Action.CANCELLED,
            by_patient=by_patient,
            user=user,
            old_start=booking.start,
        )
        _audit_status(
            booking, BookingStatus.BOOKED, user=user, request=request, by_patient=by_patient
        )
        context = notification_context(booking)
        context["by_patient"] = by_patient
        notify_contact(
            booking,
            event="booking_cancelled",
            context=context,
            attachments=_ics_attachment(booking),
        )
        if by_patient:
            notify_pharmacy(
                pharmacy=booking.pharmacy,
                event="booking_cancelled_by_patient",
                obj=booking,
                context=context,
            )
        waitlist.offer_freed_seat(booking.service, booking.start, now=now)
    logger.info("Booking %s cancelled (by_patient=%s)", booking.reference, by_patient)
    return True


def move_booking(
    booking: Booking, new_start: datetime, *, by_patient: bool, user=None, now=None
) -> Booking:
    """Move to another slot of the same service; the old seat is freed in the same transaction."""
    now = now or timezone.now()
    service = booking.service
    staff = not by_patient
    new_start = new_start.astimezone(UTC)
    if not availability.is_on_grid(service, new_start, now=now, staff=staff):
        raise SlotNotOffered(availability.why_not_offered(service, new_start, now=now))
    try:
        with transaction.atomic():
            _lock_slot(service, new_start)
            booking = (
                Booking.objects.select_for_update().select_related("pharmacy").get(pk=booking.pk)
            )
            if booking.status != BookingStatus.BOOKED:
                raise BookingError(_("Ce rendez-vous n'est plus actif."))
            if by_patient and not patient_can_change(booking, now):
                raise TooLate(_("Il est trop tard pour déplacer en ligne : appelez la pharmacie."))
            if not _seats_free(service, new_start, now=now, staff=staff, exclude=booking):
                raise SlotTaken(None)
            old_start = booking.start
            booking.start = new_start
            booking.end = new_start + service.duration
            booking.reminder_sent_at = None
            booking.save(update_fields=["start", "end", "reminder_sent_at", "updated_at"])
            change = BookingChange.objects.create(
                booking=booking,
                action=BookingChange.Action.MOVED,
                by_patient=by_patient,
                user=user,
                old_start=old_start,
                new_start=new_start,
            )
            context = notification_context(booking)
            context["old_start"] = timezone.localtime(old_start)
            # Keyed on the change row: each move is its own message.
            notify_contact(
                booking,
                event="booking_moved",
                obj=change,
                context=context,
                attachments=_ics_attachment(booking),
            )
            waitlist.offer_freed_seat(service, old_start, now=now)
    except SlotTaken:
        raise SlotTaken(
            availability.next_free_slots(service, new_start, now=now, staff=staff)
        ) from None
    logger.info("Booking %s moved", booking.reference)
    return booking


def take_offered_seat(entry: WaitlistEntry, now: datetime | None = None) -> Booking:
    """Book the seat a waiting-list message offered, if nobody took it first.

    Raises SlotTaken (with the next free slots) or SlotNotOffered when it is gone; a second click
    on the link returns the booking the first one made.
    """
    if entry.status == WaitlistStatus.BOOKED and entry.booking_id:
        return entry.booking
    if entry.status != WaitlistStatus.OFFERED or entry.offered_start is None:
        raise SlotNotOffered(_("Aucune place ne vous a été proposée pour ce jour."))
    made, _created = create_booking(
        service=entry.service,
        start=entry.offered_start,
        first_name=entry.first_name,
        last_name=entry.last_name,
        phone=entry.phone,
        email=entry.email,
        notify_by=entry.notify_by,
        idempotency_key=f"waitlist-{entry.pk}-{entry.secret[:16]}",
        now=now,
    )
    WaitlistEntry.objects.filter(pk=entry.pk).update(status=WaitlistStatus.BOOKED, booking=made)
    return made


def set_outcome(booking: Booking, status: str, *, user, request=None) -> None:
    """Mark a past or current booking done or no-show (the seat stays held: it was used)."""
    action = {
        BookingStatus.DONE: BookingChange.Action.DONE,
        BookingStatus.NO_SHOW: BookingChange.Action.NO_SHOW,
    }[status]
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if booking.status == BookingStatus.CANCELLED:
            raise BookingError(_("Un rendez-vous annulé ne peut pas être marqué."))
        from_status = booking.status
        booking.status = status
        booking.save(update_fields=["status", "updated_at"])
        BookingChange.objects.create(booking=booking, action=action, user=user)
        _audit_status(booking, from_status, user=user, request=request)


def _due_reminders(now: datetime):
    """Bookings to remind the day before: starting within 24 h and made earlier than that (a booking
    made less than a day ahead has its confirmation as its reminder)."""
    return Booking.objects.filter(
        status=BookingStatus.BOOKED,
        reminder_sent_at__isnull=True,
        start__gt=now,
        start__lte=now + timedelta(hours=24),
        created_at__lte=F("start") - timedelta(hours=24),
    )


def due_reminder_batches(now: datetime | None = None) -> list[list[int]]:
    """The due bookings' ids in batches (`OFFICINE_REMINDER_BATCH`), one task each for the workers."""
    ids = list(_due_reminders(now or timezone.now()).order_by("pk").values_list("pk", flat=True))
    size = max(1, int(getattr(settings, "OFFICINE_REMINDER_BATCH", 200)))
    return [ids[n : n + size] for n in range(0, len(ids), size)]


def send_reminders_for(booking_ids, now: datetime | None = None) -> int:
    """Remind these bookings if still due, each once however many batches or ticks overlap.

    The batch locks its rows with `SELECT … FOR UPDATE SKIP LOCKED`: a row another batch is
    reminding right now is left to it, and one it has reminded is no longer due. A batch that fails
    rolls back whole, so its bookings are still due at the next tick.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            _due_reminders(now)
            .filter(pk__in=list(booking_ids))
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("service", "pharmacy__site")
            .order_by("pk")
        )
        if due:
            Booking.objects.filter(pk__in=[booking.pk for booking in due]).update(
                reminder_sent_at=now
            )
            history = BookingChange.objects.bulk_create(
                BookingChange(booking=booking, action=BookingChange.Action.REMINDED)
                for booking in due
            )
            # Keyed on each reminder's history row, so a booking moved after its reminder gets
            # one for its new time too (the outbox sends once per object and event).
            notify_contacts(
                "booking_reminder",
                [
                    (booking, reminded, notification_context(booking))
                    for booking, reminded in zip(due, history, strict=True)
                ],
            )
    sent = len(due)
    if sent:
        logger.info("Sent %d appointment reminders", sent)
    return sent


def send_due_reminders(now: datetime | None = None) -> int:
    """Every due reminder, batch after batch in this process (the beat task fans the batches out)."""
    now = now or timezone.now()
    return sum(send_reminders_for(batch, now) for batch in due_reminder_batches(now))


__all__ = [
    "BookingError",
    "SlotNotOffered",
    "SlotTaken",
    "TooLate",
    "create_booking",
    "cancel_booking",
    "move_booking",
    "set_outcome",
    "send_due_reminders",
    "due_reminder_batches",
    "send_reminders_for",
    "take_offered_seat",
]
