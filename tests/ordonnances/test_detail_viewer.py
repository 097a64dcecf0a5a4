"""The prescription detail as the pharmacist works with it: every page in the viewer, the note
sent to the patient (e-mail and SMS), and the "ready" message with its link and today's hours."""

import re
from datetime import date, datetime, time

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from notifications import sms
from ordonnances import services
from ordonnances.models import Prescription, Status
from pharmacies.models import Closure, DutyPeriod
from tests.rdv.conftest import PARIS

from . import filesets
from .conftest import jpeg

pytestmark = pytest.mark.django_db

TUESDAY_10H = datetime(2026, 3, 10, 10, 0, tzinfo=PARIS)


@pytest.fixture
def sms_pharmacy(pharmacy_a):
    pharmacy_a.sms_enabled = True
    pharmacy_a.save()
    return pharmacy_a


@pytest.fixture
def prescription(sms_pharmacy, patient_a):
    pdf = SimpleUploadedFile("scan.pdf", filesets.clean_pdf(pages=3), "application/pdf")
    with time_machine.travel(TUESDAY_10H, tick=False):
        assert patient_a.send(files=[jpeg("p1.jpg"), pdf], notify_by="both").status_code == 303
    return Prescription.objects.get(pharmacy=sms_pharmacy)


def detail(client, prescription):
    response = client.get(reverse("prescriptions:inspect", args=[prescription.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_viewer_steps_through_every_photo_and_pdf_page(admin_client_a, prescription):
    html = detail(admin_client_a, prescription)
    image, pdf = prescription.files.order_by("position")
    assert html.count("data-viewer-page ") == 4  # one photo + three PDF pages
    image_url = reverse("prescriptions:file", args=[image.pk])
    pdf_url = reverse("prescriptions:file", args=[pdf.pk])
    assert f'src="{image_url}"' in html
    for page in (1, 2, 3):
        assert f'src="{pdf_url}#page={page}"' in html
        assert f"PDF p. {page}/3" in html
    # The actions sit beside the pages, in the same workspace, before the history.
    assert html.index('class="prescription-side"') < html.index('id="history-title"')
    assert "prescription-viewer.js" in html


def test_note_is_marked_as_sent_and_capped_to_fit_the_sms(admin_client_a, prescription):
    with time_machine.travel(TUESDAY_10H, tick=False):
        html = detail(admin_client_a, prescription)
        limit = services.sms_note_limit(prescription, prescription.allowed_transitions())
    assert "envoyée au patient" in html
    assert 40 <= limit < services.NOTE_MAX_LENGTH
    assert f'maxlength="{limit}"' in html
    assert f"{limit} caractères au plus" in html


def test_ready_sms_and_email_carry_the_note_the_link_and_todays_hours(
    admin_client_a, prescription, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    sms.outbox.clear()
    url = reverse("prescriptions:status", args=[prescription.pk])
    note = "Le sirop arrive demain matin."
    with time_machine.travel(TUESDAY_10H, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client_a.post(url, {"status": "ready", "note": note})
    assert response.status_code == 302
    [body] = [m.body for m in sms.outbox]
    assert note in body
    token = re.search(r"/ordonnances/suivi/([^/ ]+)/", body).group(1)
    with time_machine.travel(TUESDAY_10H, tick=False):
        assert services.prescription_for_token(token) == prescription
    assert "Aujourd'hui 9h-12h30, 14h-19h30." in body
    assert sms.segment_count(body) <= 2
    [email] = [m for m in mail.outbox if m.to == [prescription.email]]
    assert note in email.body and "Aujourd'hui 9h-12h30, 14h-19h30." in email.body


def test_a_note_too_long_for_the_sms_is_refused_in_french(admin_client_a, prescription):
    url = reverse("prescriptions:status", args=[prescription.pk])
    with time_machine.travel(TUESDAY_10H, tick=False):
        limit = services.sms_note_limit(prescription, [Status.READY])
        response = admin_client_a.post(
            url, {"status": "ready", "note": "x" * (limit + 20)}, follow=True
        )
    prescription.refresh_from_db()
    assert prescription.status == Status.RECEIVED
    assert "ne tient pas dans le SMS du patient" in response.content.decode()


def _ready_sms(prescription, moment, django_capture_on_commit_callbacks):
    sms.outbox.clear()
    with time_machine.travel(moment, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            services.change_status(prescription, Status.READY)
    [body] = [m.body for m in sms.outbox]
    return body


def test_ready_after_closing_time_gives_the_next_opening(
    prescription, django_capture_on_commit_callbacks
):
    body = _ready_sms(
        prescription, datetime(2026, 3, 10, 20, 0, tzinfo=PARIS), django_capture_on_commit_callbacks
    )
    assert "Dès demain 9h." in body


def test_ready_on_a_closed_day_with_a_duty_evening(
    sms_pharmacy, prescription, django_capture_on_commit_callbacks
):
    Closure.objects.create(pharmacy=sms_pharmacy, start_date=date(2026, 3, 11), label="Inventaire")
    DutyPeriod.objects.create(
        pharmacy=sms_pharmacy,
        starts=datetime.combine(date(2026, 3, 11), time(19), tzinfo=PARIS),
        ends=datetime.combine(date(2026, 3, 12), time(8), tzinfo=PARIS),
    )
    body = _ready_sms(
        prescription, datetime(2026, 3, 11, 10, 0, tzinfo=PARIS), django_capture_on_commit_callbacks
    )
    assert "Aujourd'hui 19h-8h." in body
