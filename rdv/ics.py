"""The calendar file a patient adds to their phone's agenda (attached to the email, downloadable)."""

from __future__ import annotations

from datetime import UTC

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from .models import Booking, BookingStatus


def booking_ics(booking: Booking, manage_url: str = "") -> bytes:
    """One VEVENT in UTC; the UID stays the same when the booking moves, so agendas update it."""
    pharmacy = booking.pharmacy
    cal = Calendar()
    cal.add("prodid", "-//Officine//Rendez-vous//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
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
    event.add("status", "CANCELLED" if booking.status == BookingStatus.CANCELLED else "CONFIRMED")
    event.add("sequence", booking.changes.filter(action="moved").count())
    cal.add_component(event)
    return cal.to_ical()
