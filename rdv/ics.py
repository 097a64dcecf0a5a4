"""The calendar file a patient adds to their phone's agenda (attached to the email, downloadable)."""

from __future__ import annotations

from datetime import UTC

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from .models import Booking, BookingChange, BookingStatus

REVISIONS = (BookingChange.Action.MOVED, BookingChange.Action.CANCELLED)


def booking_ics(booking: Booking, manage_url: str = "") -> bytes:
    """One VEVENT in UTC; the UID stays the same when the booking moves, so agendas update it.

    A cancelled booking gives `METHOD:CANCEL` with a higher SEQUENCE: opened from the
    cancellation email, it removes the event the invitation added. Every move or cancellation
    raises the SEQUENCE, which is how calendar apps know the newer file wins.
    """
    cancelled = booking.status == BookingStatus.CANCELLED
    pharmacy = booking.pharmacy
    cal = Calendar()
    cal.add("prodid", "-//Officine//Rendez-vous//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", f"{booking.reference}@{pharmacy.site.hostname}")
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", booking.start.astimezone(UTC))
    event.add("dtend", booking.end.astimezone(UTC))
    event.add("summary", f"{booking.service.name} — {pharmacy.name}")
    event.add("location", vText(pharmacy.address_line))
    organizer = vCalAddress(f"mailto:{pharmacy.email}")
    organizer.params["cn"] = vText(pharmacy.name)
    event.add("organizer", organizer)
    description = _("Référence %(reference)s. Téléphone de la pharmacie : %(phone)s.") % {
        "reference": booking.reference,
        "phone": pharmacy.phone,
    }
    if manage_url:
        description += "\n" + _("Annuler ou déplacer : %(url)s") % {"url": manage_url}
        event.add("url", manage_url)
    event.add("description", description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("sequence", booking.changes.filter(action__in=REVISIONS).count())
    cal.add_component(event)
    return cal.to_ical()


def initials(first_name: str, last_name: str) -> str:
    """ "J. D." for Jeanne Dupont: enough for staff to recognise a booking, not to identify a patient."""
    parts = [name.strip()[:1].upper() + "." for name in (first_name, last_name) if name.strip()]
    return " ".join(parts) or "?"


def agenda_feed_ics(pharmacy, bookings, *, full_names: bool) -> bytes:
    """The pharmacy's upcoming appointments as one calendar for the staff's agenda app.

    Patients appear by their initials unless the pharmacy chose full names; phone numbers and
    comments only come with full names. UIDs are the bookings' own, so a moved booking moves.
    """
    cal = Calendar()
    cal.add("prodid", "-//Officine//Agenda de la pharmacie//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _("Rendez-vous — %(pharmacy)s") % {"pharmacy": pharmacy.name})
    cal.add("x-wr-timezone", "Europe/Paris")
    stamp = timezone.now().astimezone(UTC)
    hostname = pharmacy.site.hostname
    for booking in bookings:
        patient = (
            booking.full_name if full_names else initials(booking.first_name, booking.last_name)
        )
        event = Event()
        event.add("uid", f"{booking.reference}@{hostname}")
        event.add("dtstamp", stamp)
        event.add("dtstart", booking.start.astimezone(UTC))
        event.add("dtend", booking.end.astimezone(UTC))
        event.add("summary", f"{booking.service.name} — {patient}")
        resource = booking.service.resource
        if resource is not None:
            event.add("location", vText(resource.name))
        description = _("Référence %(reference)s.") % {"reference": booking.reference}
        if full_names:
            if booking.phone:
                description += "\n" + _("Téléphone : %(phone)s") % {"phone": booking.phone}
            if booking.comment:
                description += "\n" + booking.comment
        event.add("description", description)
        event.add("status", "CONFIRMED")
        event.add("class", "PRIVATE")
        cal.add_component(event)
    return cal.to_ical()
