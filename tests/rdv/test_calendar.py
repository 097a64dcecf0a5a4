"""The patient's calendar: month names, the chosen day, a reason for every greyed day; the manage
page asks before it cancels or moves, and the cancellation removes the event from the agenda."""

import re
from datetime import date, datetime
from html import unescape

import icalendar
import pytest
from django.core import mail

from cms.public_forms import feature_url
from rdv import availability, links
from rdv import booking as operations
from rdv.models import Booking, BookingStatus

from .conftest import PARIS, block_id_of, make_service
from .test_booking_flow import MONDAY_14H, post_booking

pytestmark = pytest.mark.django_db


def book(service, start, **fields):
    made, _created = operations.create_booking(
        service=service, start=start, first_name="Jeanne", last_name="Dupont", **fields
    )
    return made


def test_every_day_has_a_state_and_greyed_days_say_why(pharmacy_a, frozen_now):
    """Monday 9 March 8:00: 48 h notice, one seat a day, a month ahead."""
    service = make_service(pharmacy_a, min_notice_hours=48, max_per_day=1)
    book(service, datetime(2026, 3, 12, 10, 0, tzinfo=PARIS), email="j@example.fr")
    days = {
        info.day: info
        for info in availability.calendar_days(service, date(2026, 3, 1), date(2026, 4, 30))
    }
    assert len(days) == 61
    assert days[date(2026, 3, 8)].state == "past"
    assert days[date(2026, 3, 9)].state == "too_soon"
    assert days[date(2026, 3, 10)].reason == "trop tôt : réservez 48 heures à l'avance"
    assert days[date(2026, 3, 11)].state == "open" and days[date(2026, 3, 11)].count > 0
    assert days[date(2026, 3, 12)].state == "full" and days[date(2026, 3, 12)].reason == "complet"
    assert days[date(2026, 3, 15)].state == "closed" and days[date(2026, 3, 15)].reason == "fermé"
    assert days[date(2026, 4, 8)].state == "open"
    assert days[date(2026, 4, 9)].state == "too_far"
    assert "30 jours" in days[date(2026, 4, 9)].reason
    greyed = [info for info in days.values() if not info.bookable]
    assert greyed and all(info.reason and info.label for info in greyed)


def test_the_slots_json_carries_the_calendar_with_reasons(client_a, page_a, service_a, frozen_now):
    url = feature_url(page_a, "rdv", "slots")
    body = client_a.get(url, {"service": service_a.pk, "calendrier": "1"}).json()
    by_date = {day["date"]: day for day in body["days"]}
    assert body["days"][0]["date"] == "2026-03-01"  # whole months: the grid has no hole
    assert by_date["2026-03-15"] == {
        "date": "2026-03-15",
        "state": "closed",
        "label": "fermé",
        "reason": "fermé",
        "count": 0,
    }
    assert by_date["2026-03-09"]["state"] == "open"
    assert by_date["2026-03-09"]["count"] == len(
        [s for s in body["slots"] if s["start"].startswith("2026-03-09")]
    )
    assert by_date["2026-04-09"]["state"] == "too_far"
    assert client_a.get(url, {"service": 999, "calendrier": "1"}).status_code == 404


def test_no_javascript_calendar_shows_months_reasons_and_the_chosen_day(
    client_a, page_a, service_a, frozen_now
):
    steps = feature_url(page_a, "rdv", "steps")
    block = block_id_of(page_a)
    days = client_a.get(steps, {"block": block, "service": service_a.pk}).content.decode()
    assert '<caption class="rdv-month-name">Mars 2026</caption>' in days
    assert '<caption class="rdv-month-name">Avril 2026</caption>' in days
    assert "dimanche 15 mars : fermé" in days and "samedi 7 mars : passé" in days
    assert 'aria-current="date"' not in days
    link = re.search(r'href="([^"]+)"[^>]*data-day="2026-03-10"', days).group(1)
    assert unescape(link).endswith(f"#rdv-{block}")  # back to the calendar, not the page top

    chosen = client_a.get(unescape(link).split("#")[0]).content.decode()
    current = re.findall(r'<a class="rdv-cell[^"]*"[^>]*aria-current="date"[^>]*>', chosen)
    assert len(current) == 1 and 'data-day="2026-03-10"' in current[0]
    assert "is-chosen" in current[0] and "jour choisi" in current[0]
    assert "3. mardi 10 mars : choisissez un horaire" in chosen


def test_cancelling_asks_first_and_a_post_without_confirmation_changes_nothing(
    client_a, page_a, service_a, frozen_now, django_capture_on_commit_callbacks
):
    post_booking(client_a, page_a, service_a, MONDAY_14H, django_capture_on_commit_callbacks)
    booking = Booking.objects.get()
    manage = links.manage_path(booking)
    page = client_a.get(manage).content.decode()
    assert 'id="rdv-deplacer"' in page and 'href="?jour=2026-03-10#rdv-deplacer"' in page
    for response in (
        client_a.post(manage, {"action": "cancel"}),
        client_a.get(manage, {"etape": "annuler"}),
    ):
        assert response.status_code == 200
        assert "Oui, annuler mon rendez-vous" in response.content.decode()
    unconfirmed_move = client_a.post(
        manage, {"action": "move", "start": "2026-03-10T09:00:00+01:00"}
    ).content.decode()
    assert "Oui, déplacer mon rendez-vous" in unconfirmed_move
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED and booking.start == MONDAY_14H
    gone = client_a.get(manage, {"etape": "deplacer", "start": "2026-03-15T10:00:00+01:00"})
    assert "plus disponible" in unescape(gone.content.decode())


def test_cancellation_email_removes_the_event_and_a_move_raises_the_sequence(
    client_a, page_a, service_a, frozen_now, django_capture_on_commit_callbacks
):
    post_booking(client_a, page_a, service_a, MONDAY_14H, django_capture_on_commit_callbacks)
    booking = Booking.objects.get()

    def last_event():
        name, content, mimetype = mail.outbox[-1].attachments[0]
        assert (name, mimetype) == ("rendez-vous.ics", "text/calendar")
        cal = icalendar.Calendar.from_ical(content)
        return cal, cal.walk("VEVENT")[0]

    invitation, first = last_event()
    assert str(invitation["METHOD"]) == "PUBLISH"
    with django_capture_on_commit_callbacks(execute=True):
        operations.move_booking(booking, datetime(2026, 3, 10, 9, tzinfo=PARIS), by_patient=True)
    _moved_cal, moved = last_event()
    assert moved["UID"] == first["UID"] and moved["SEQUENCE"] > first["SEQUENCE"]
    with django_capture_on_commit_callbacks(execute=True):
        operations.cancel_booking(booking, by_patient=True)
    patient_mail = next(
        m
        for m in mail.outbox
        if m.to == ["jeanne.dupont@example.fr"] and "annul" in m.subject.lower()
    )
    assert "retire ce rendez-vous de votre agenda" in patient_mail.body
    cal = icalendar.Calendar.from_ical(patient_mail.attachments[0][1])
    cancelled = cal.walk("VEVENT")[0]
    assert str(cal["METHOD"]) == "CANCEL" and str(cancelled["STATUS"]) == "CANCELLED"
    assert cancelled["UID"] == first["UID"]
    assert cancelled["SEQUENCE"] > moved["SEQUENCE"]
