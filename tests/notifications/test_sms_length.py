"""Every SMS a patient really receives fits in two segments, with real links and a real name.

Two segments is what the pharmacy pays for; one accent outside the GSM alphabet (ê, ô, ç…) in the
pharmacy's name or in our own wording switches the whole message to UCS-2 (70 characters a
segment) and, with a tracking or booking link, makes it four.
"""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import translation

from notifications import sms
from ordonnances.models import Prescription, Status
from ordonnances.services import change_status, sms_note_limit
from rdv import booking as operations
from tests.ordonnances.conftest import PatientBrowser
from tests.rdv.conftest import PARIS, make_service

pytestmark = pytest.mark.django_db

LONG_NAME = "Pharmacie de l'Hôtel de Ville et du Marché Saint-François"


@pytest.fixture
def pharmacy(pharmacy_a):
    pharmacy_a.name = LONG_NAME
    pharmacy_a.sms_enabled = True
    pharmacy_a.save()
    return pharmacy_a


NOTE_WORDS = "Il manque une boîte, commandée pour demain ; à retirer au comptoir. "


def _longest_note(prescription, status):
    limit = sms_note_limit(prescription, prescription.allowed_transitions())
    assert limit >= 40, limit  # a useful sentence still fits with a long accented name
    return (NOTE_WORDS * 20)[:limit]


def _check(bodies):
    assert bodies
    for body in bodies:
        assert sms.segment_count(body) <= 2, (sms.segment_count(body), len(body), body)
        assert "Hotel de Ville" in body or "Hôtel" not in body


@pytest.mark.parametrize("language", ["fr", "en"])
def test_prescription_messages_fit_in_two_segments(
    language, pharmacy, client_a, django_capture_on_commit_callbacks, time_machine
):
    # A Tuesday morning: the ready message lists both of today's opening ranges.
    time_machine.move_to(datetime(2026, 3, 10, 10, 0, tzinfo=PARIS), tick=False)
    client_a.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    patient = PatientBrowser(client_a, pharmacy)
    with django_capture_on_commit_callbacks(execute=True):
        response = patient.send(notify_by="sms")
    assert response.status_code == 303
    prescription = Prescription.objects.get(pharmacy=pharmacy)
    for status in (
        Status.PREPARING,
        Status.READY_TOMORROW,
        Status.PARTIALLY_READY,
        Status.READY,
        Status.COLLECTED,
    ):
        # The longest note the detail page lets the pharmacist type, accents and all.
        note = _longest_note(prescription, status)
        with django_capture_on_commit_callbacks(execute=True):
            change_status(prescription, status, note=note)
    with django_capture_on_commit_callbacks(execute=True):
        response = patient.send(notify_by="sms")
    with django_capture_on_commit_callbacks(execute=True):
        change_status(
            Prescription.objects.exclude(pk=prescription.pk).get(),
            Status.REFUSED,
            note="Ordonnance périmée : demandez-en une nouvelle à votre médecin.",
        )
    assert len(sms.outbox) == 6  # received ×2, ready tomorrow, partially ready, ready, refused
    bodies = [m.body for m in sms.outbox]
    assert sum("9h-12h30, 14h-19h30" in b for b in bodies) == 2  # ready, partially ready
    _check(bodies)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_booking_messages_fit_in_two_segments(
    language, pharmacy, django_capture_on_commit_callbacks
):
    service = make_service(pharmacy)
    tuesday = datetime(2026, 3, 10, 9, 0, tzinfo=PARIS)
    with time_machine.travel(datetime(2026, 3, 6, 10, 0, tzinfo=PARIS), tick=False):
        with translation.override(language), django_capture_on_commit_callbacks(execute=True):
            booking, _ = operations.create_booking(
                service=service,
                start=tuesday,
                first_name="Jeanne",
                last_name="Dupont",
                phone="+33612345678",
                notify_by="sms",
            )
        with django_capture_on_commit_callbacks(execute=True):
            operations.move_booking(booking, tuesday + timedelta(minutes=30), by_patient=False)
    with time_machine.travel(datetime(2026, 3, 9, 10, 0, tzinfo=PARIS), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert operations.send_due_reminders() == 1
        with django_capture_on_commit_callbacks(execute=True):
            operations.cancel_booking(booking, by_patient=False)
    assert len(sms.outbox) == 4
    _check([m.body for m in sms.outbox])


@pytest.mark.parametrize("language", ["fr", "en"])
def test_renewal_messages_fit_in_two_segments(
    language, pharmacy, client_a, django_capture_on_commit_callbacks, time_machine
):
    """Each renewal's messages say "(2/3)", and the last one the prescriber reminder: still two."""
    from datetime import date

    from ordonnances import renewals

    time_machine.move_to(datetime(2026, 3, 2, 9, 0, tzinfo=PARIS), tick=False)
    client_a.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    assert PatientBrowser(client_a, pharmacy).send(notify_by="sms", renewable="on").status_code
    prescription = Prescription.objects.get(pharmacy=pharmacy)
    schedule = renewals.set_schedule(
        prescription, dispensings_total=3, interval_days=28, first_date=date(2026, 3, 2)
    )
    renewals.create_due_dispensings(today=date(2026, 5, 1))
    sms.outbox.clear()
    for dispensing in schedule.dispensings.order_by("number"):
        for status in (Status.READY_TOMORROW, Status.PARTIALLY_READY, Status.READY):
            dispensing.refresh_from_db()
            limit = sms_note_limit(
                prescription,
                dispensing.allowed_transitions(),
                renewals.patient_context(dispensing),
            )
            with django_capture_on_commit_callbacks(execute=True):
                renewals.change_dispensing_status(
                    dispensing, status, note=(NOTE_WORDS * 20)[:limit]
                )
    bodies = [m.body for m in sms.outbox]
    assert len(bodies) == 6
    assert sum("(3/3)" in b for b in bodies) == 3 and sum("(2/3)" in b for b in bodies) == 3
    assert any("Dernier renouvellement" in b or "Last renewal" in b for b in bodies)
    _check(bodies)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_waitlist_message_fits_in_two_segments(
    language, pharmacy, django_capture_on_commit_callbacks
):
    from rdv import waitlist

    service = make_service(pharmacy, max_per_day=1)
    tuesday = datetime(2026, 3, 10, 9, 0, tzinfo=PARIS)
    with time_machine.travel(datetime(2026, 3, 6, 10, 0, tzinfo=PARIS), tick=False):
        booking, _ = operations.create_booking(
            service=service, start=tuesday, first_name="Paul", last_name="Premier", phone=""
        )
        with translation.override(language):
            waitlist.join(
                service=service,
                day=tuesday.date(),
                first_name="Jeanne",
                last_name="Dupont",
                phone="+33612345678",
                notify_by="sms",
            )
        with django_capture_on_commit_callbacks(execute=True):
            operations.cancel_booking(booking, by_patient=False)
    assert len(sms.outbox) == 1
    _check([m.body for m in sms.outbox])
