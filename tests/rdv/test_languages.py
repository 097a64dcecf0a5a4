"""Bookings remember the patient's language: confirmation, reminder and changes are sent in it."""

from datetime import datetime

import icalendar
import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import translation

from cms.public_forms import feature_url
from notifications import sms
from rdv import booking as operations
from rdv import links
from rdv.models import Booking

from .conftest import PARIS, book_url, booking_form_data

pytestmark = pytest.mark.django_db

MONDAY_14H = datetime(2026, 3, 9, 14, 0, tzinfo=PARIS)
TUESDAY_9H = datetime(2026, 3, 10, 9, 0, tzinfo=PARIS)


def visitor(pharmacy, language=None):
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    return Client(HTTP_HOST=pharmacy.site.hostname, **headers)


def book(client, page, service, start, capture, **fields) -> Booking:
    data = booking_form_data(client, page, service, start, notify_by="both", **fields)
    with capture(execute=True):
        response = client.post(book_url(page), data)
    assert response.status_code == 303
    return Booking.objects.get(start=start)


def test_english_visitor_is_confirmed_in_english(
    pharmacy_a, page_a, service_a, frozen_now, django_capture_on_commit_callbacks
):
    client = visitor(pharmacy_a, "en-US,en;q=0.9")
    booking = book(client, page_a, service_a, MONDAY_14H, django_capture_on_commit_callbacks)
    assert booking.language == "en"

    [email] = mail.outbox
    assert email.subject == "Appointment confirmed on 9 March at 14:00 — Pharmacie A"
    assert email.body.startswith(
        "Hello Jeanne,\n\nYour appointment is confirmed:\n- Vaccination antigrippale\n"
        "- on Monday 9 March 2026 at 14:00 (10 min)\n"
    )
    assert f"reference: {booking.reference}" in email.body
    assert f"Cancel or reschedule (up to 2 h before):\n{links.manage_url(booking)}" in email.body
    html, _mimetype = email.alternatives[0]
    assert "Cancel or reschedule the appointment</a>" in html and "Bonjour" not in html
    name, content, _mimetype = email.attachments[0]
    assert name == "appointment.ics"
    assert "The attached file “appointment.ics” adds it to your calendar." in email.body
    event = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
    assert str(event["DESCRIPTION"]).startswith(f"Reference {booking.reference}. Pharmacy phone:")

    [text] = sms.outbox
    assert text.body == (
        f"Pharmacie A: your appointment on 09/03 at 14:00 is confirmed "
        f"(ref. {booking.reference}). Cancel/reschedule: {links.manage_url(booking)}"
    )


@pytest.mark.parametrize("language", [None, "fr-FR,fr;q=0.8"], ids=["no-header", "fr-FR"])
def test_french_visitor_is_confirmed_in_french_as_before(
    pharmacy_a, page_a, service_a, frozen_now, django_capture_on_commit_callbacks, language
):
    client = visitor(pharmacy_a, language)
    booking = book(client, page_a, service_a, MONDAY_14H, django_capture_on_commit_callbacks)
    assert booking.language == "fr"
    [email] = mail.outbox
    assert email.subject == "Rendez-vous confirmé le 9 mars à 14:00 — Pharmacie A"
    assert email.body.startswith(
        "Bonjour Jeanne,\n\nVotre rendez-vous est confirmé :\n- Vaccination antigrippale\n"
        "- le lundi 9 mars 2026 à 14:00 (durée 10 min)\n"
    )
    [text] = sms.outbox
    assert text.body == (
        f"Pharmacie A : votre RDV du 09/03 à 14:00 est confirmé "
        f"(réf. {booking.reference}). Annuler/déplacer : {links.manage_url(booking)}"
    )


@pytest.mark.parametrize("worker_language", ["fr", "en"])
def test_reminder_is_in_the_language_of_each_booking(
    pharmacy_a, page_a, service_a, django_capture_on_commit_callbacks, worker_language
):
    with time_machine.travel(datetime(2026, 3, 6, 10, 0, tzinfo=PARIS), tick=False):
        english = book(
            visitor(pharmacy_a, "en"),
            page_a,
            service_a,
            TUESDAY_9H,
            django_capture_on_commit_callbacks,
            email="jane@example.org",
            phone="06 11 22 33 44",
        )
        french = book(
            visitor(pharmacy_a, "fr"),
            page_a,
            service_a,
            TUESDAY_9H.replace(minute=10),
            django_capture_on_commit_callbacks,
            email="paul@example.fr",
            phone="06 55 66 77 88",
        )
    mail.outbox.clear()
    sms.outbox.clear()

    # Beat runs in a worker whose active language says nothing about the patients.
    with time_machine.travel(datetime(2026, 3, 9, 10, 0, tzinfo=PARIS), tick=False):
        with translation.override(worker_language):
            with django_capture_on_commit_callbacks(execute=True):
                assert operations.send_due_reminders() == 2
        manage = {b.pk: links.manage_url(b) for b in (english, french)}

    emails = {m.to[0]: m for m in mail.outbox}
    assert emails["jane@example.org"].subject == (
        "Reminder: appointment tomorrow at 09:00 — Pharmacie A"
    )
    assert "This is a reminder of your appointment:" in emails["jane@example.org"].body
    assert emails["paul@example.fr"].subject == "Rappel : rendez-vous demain à 09:10 — Pharmacie A"
    assert "Nous vous rappelons votre rendez-vous :" in emails["paul@example.fr"].body
    texts = {s.to: s.body for s in sms.outbox}
    assert texts["+33611223344"] == (
        f"Pharmacie A: reminder of your appointment tomorrow 10/03 at 09:00 "
        f"(ref. {english.reference}). Can't make it? {manage[english.pk]}"
    )
    assert texts["+33655667788"] == (
        f"Pharmacie A : rappel de votre RDV demain 10/03 à 09:10 "
        f"(réf. {french.reference}). Annuler ou déplacer : {manage[french.pk]}"
    )


def test_english_patient_cancels_and_the_pharmacy_is_told_in_french(
    pharmacy_a, page_a, service_a, frozen_now, django_capture_on_commit_callbacks
):
    client = visitor(pharmacy_a, "en")
    booking = book(client, page_a, service_a, MONDAY_14H, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(links.manage_path(booking), {"action": "cancel", "confirme": "oui"})
    assert response.status_code == 303

    emails = {m.to[0]: m for m in mail.outbox}
    patient = emails["jeanne.dupont@example.fr"]
    assert patient.subject == "Appointment cancelled — Pharmacie A"
    assert "Your cancellation has been recorded:" in patient.body
    pharmacy = emails[pharmacy_a.notification_email]
    assert pharmacy.subject == f"Annulation du rendez-vous {booking.reference} (09/03 14:00)"
    assert pharmacy.body.startswith(
        f"Bonjour,\n\nUn patient vient d'annuler en ligne le rendez-vous {booking.reference} "
        "du lundi 9 mars 2026 à 14:00."
    )


def test_booking_taken_by_phone_uses_the_site_language_not_the_admins(
    service_a, staff_a, frozen_now, django_capture_on_commit_callbacks
):
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        booking, _created = operations.create_booking(
            service=service_a,
            start=MONDAY_14H,
            first_name="Jeanne",
            last_name="Dupont",
            email="jeanne@example.fr",
            user=staff_a,
        )
    assert booking.language == "fr"
    assert mail.outbox[0].subject == "Rendez-vous confirmé le 9 mars à 14:00 — Pharmacie A"


def test_english_visitor_reads_the_chosen_time_and_optional_fields_in_english(
    pharmacy_a, page_a, service_a, frozen_now
):
    block = next(b.id for b in page_a.body if b.block_type == "appointment_booking")
    query = {"block": block, "service": service_a.pk, "jour": "2026-03-09"}
    query["start"] = "2026-03-09T14:00:00+01:00"
    steps = feature_url(page_a, "rdv", "steps")
    english = visitor(pharmacy_a, "en").get(steps, query).content.decode()
    assert "Monday 9 March 2026 at 14:00" in english
    assert "(optional)" in english and "facultatif" not in english
    french = visitor(pharmacy_a).get(steps, query).content.decode()
    assert "lundi 9 mars 2026 à 14h" in french and "(facultatif)" in french


def test_english_patient_reads_the_calendar_reasons_and_confirmation_steps_in_english(
    pharmacy_a, page_a, service_a, frozen_now, django_capture_on_commit_callbacks
):
    from .conftest import block_id_of

    client = visitor(pharmacy_a, "en")
    days = client.get(
        feature_url(page_a, "rdv", "steps"),
        {"block": block_id_of(page_a), "service": service_a.pk},
    ).content.decode()
    assert "Greyed days cannot be booked" in days and ">closed<" in days and ">Sun<" in days
    calendar = client.get(
        feature_url(page_a, "rdv", "slots"), {"service": service_a.pk, "calendrier": "1"}
    ).json()
    assert {d["label"] for d in calendar["days"] if d["state"] != "open"} >= {"past", "closed"}
    booking = book(client, page_a, service_a, MONDAY_14H, django_capture_on_commit_callbacks)
    asked = client.get(links.manage_path(booking), {"etape": "annuler"}).content.decode()
    assert "Confirm the cancellation" in asked and "Yes, cancel my appointment" in asked
