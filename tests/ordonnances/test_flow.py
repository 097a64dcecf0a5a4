"""The patient's journey through the test client: send, get notified, follow and cancel."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from notifications import sms
from ordonnances import kept
from ordonnances.models import FileKind, Prescription, Status, StatusChange
from ordonnances.services import change_status

from . import filesets
from .conftest import PatientBrowser, jpeg, next_closed_day, next_open_day, stored_files

TRACK_RE = re.compile(r'class="tracking-link" href="([^"]+)"')


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def send_ok(patient, capture, **kwargs):
    with capture(execute=True):
        response = patient.send(**kwargs)
    assert response.status_code == 303, _errors(response)
    return response


def _errors(response):
    return re.findall(r'class="errorlist"[^>]*>(.*?)</ul>', response.content.decode(), re.S)


def test_two_sites_each_prescription_lands_on_its_pharmacy(
    patient_a, patient_b, pharmacy_a, pharmacy_b, django_capture_on_commit_callbacks
):
    two_pages = [jpeg("page1.jpg"), SimpleUploadedFile("page2.pdf", filesets.clean_pdf())]
    response_a = send_ok(patient_a, django_capture_on_commit_callbacks, files=two_pages)
    send_ok(
        patient_b,
        django_capture_on_commit_callbacks,
        first_name="Paul",
        email="paul@example.fr",
        phone="07 98 76 54 32",
    )

    a = Prescription.objects.get(pharmacy=pharmacy_a)
    b = Prescription.objects.get(pharmacy=pharmacy_b)
    assert (a.first_name, b.first_name) == ("Jeanne", "Paul")
    assert a.phone == "+33612345678"
    assert a.files.filter(kind=FileKind.PAGE).count() == 2
    assert re.fullmatch(r"ORD-[2-9A-HJ-NP-Z]{6}", a.reference)
    assert a.status == Status.RECEIVED
    assert StatusChange.objects.filter(prescription=a, to_status=Status.RECEIVED).exists()

    confirmation = patient_a.client.get(response_a["Location"])
    html = confirmation.content.decode()
    assert confirmation.status_code == 200
    assert a.reference in html
    assert "Merci ! Nous préparons votre commande" in html  # the block's confirmation text
    assert "ordonnance originale" in html

    subjects = sorted(m.subject for m in mail.outbox)
    assert f"Ordonnance {a.reference} bien reçue" in subjects
    assert f"Nouvelle ordonnance {a.reference}" in subjects
    to_pharmacy = next(m for m in mail.outbox if m.to == [pharmacy_a.notification_email])
    assert f"/admin/ordonnances/inspect/{a.pk}/" in to_pharmacy.body
    assert "Jeanne" not in to_pharmacy.body and "Génériques" not in to_pharmacy.body
    assert not to_pharmacy.attachments
    patient_mail = next(m for m in mail.outbox if m.to == ["jeanne.martin@example.fr"])
    assert "/ordonnances/suivi/" in patient_mail.body
    assert {s.to for s in sms.outbox} >= {"+33612345678", "+33798765432"}
    sms_a = next(s for s in sms.outbox if s.to == "+33612345678")
    assert a.reference in sms_a.body and "Pharmacie A" in sms_a.body


def test_tracking_link_shows_status_and_refuses_tampering(
    patient_a, pharmacy_a, staff_a, django_capture_on_commit_callbacks
):
    response = send_ok(patient_a, django_capture_on_commit_callbacks)
    html = patient_a.client.get(response["Location"]).content.decode()
    track = _path(TRACK_RE.search(html).group(1))

    page = patient_a.client.get(track)
    assert page.status_code == 200
    assert "Reçue" in page.content.decode()
    assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]

    prescription = Prescription.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        change_status(
            prescription, Status.PARTIALLY_READY, user=staff_a, note="Doliprane 1000 manquant"
        )
    page = patient_a.client.get(track).content.decode()
    assert "Partiellement prête" in page and "Doliprane 1000 manquant" in page
    steps = re.search(r'<ol class="status-steps".*?</ol>', page, re.S).group(0)
    assert re.findall(r'<li class="step-(\w+)"', steps) == ["done", "done", "current", "todo"]
    assert re.search(r'aria-current="step">.*?Partiellement prête', steps, re.S)

    tampered = track[:-3] + ("A" if track[-3] != "A" else "B") + track[-2:]
    refused = patient_a.client.get(tampered)
    assert refused.status_code == 404
    assert "lien de suivi" in refused.content.decode()
    assert patient_a.client.get("/ordonnances/suivi/n-importe-quoi/").status_code == 404
    # A valid link of pharmacy A does not work on pharmacy B's site.
    other_site = Client(HTTP_HOST="pharmacie-b.test")
    assert other_site.get(track).status_code == 404


def test_expired_tracking_link_is_refused(
    patient_a, time_machine, django_capture_on_commit_callbacks
):
    response = send_ok(patient_a, django_capture_on_commit_callbacks)
    html = patient_a.client.get(response["Location"]).content.decode()
    track = _path(TRACK_RE.search(html).group(1))
    time_machine.move_to(timezone.now() + timedelta(days=61))
    assert patient_a.client.get(track).status_code == 404


def test_patient_cancels_before_preparation_but_not_after(
    patient_a, pharmacy_a, staff_a, django_capture_on_commit_callbacks
):
    response = send_ok(patient_a, django_capture_on_commit_callbacks)
    html = patient_a.client.get(response["Location"]).content.decode()
    track = _path(TRACK_RE.search(html).group(1))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = patient_a.client.post(track + "annuler/")
    assert cancelled.status_code == 303
    page = patient_a.client.get(cancelled["Location"]).content.decode()
    assert "Annulée" in page and "bien été annulée" in page
    prescription = Prescription.objects.get()
    assert prescription.status == Status.CANCELLED
    assert prescription.history.last().by_patient
    assert [m.to for m in mail.outbox] == [[pharmacy_a.notification_email]]

    # A second prescription already ready cannot be cancelled from the link.
    response = send_ok(patient_a, django_capture_on_commit_callbacks)
    html = patient_a.client.get(response["Location"]).content.decode()
    track = _path(TRACK_RE.search(html).group(1))
    second = Prescription.objects.exclude(pk=prescription.pk).get()
    change_status(second, Status.READY, user=staff_a)
    assert "Annuler ma demande" not in patient_a.client.get(track).content.decode()
    refused = patient_a.client.post(track + "annuler/")
    assert refused.status_code == 409
    second.refresh_from_db()
    assert second.status == Status.READY


def test_real_browser_post_needs_no_cookie(pharmacy_a):
    """Anonymous patients get no cookie, and the POST still passes Django's CSRF middleware."""
    client = Client(HTTP_HOST="pharmacie-a.test", enforce_csrf_checks=True)
    patient = PatientBrowser(client, pharmacy_a)
    page = client.get(patient.page.url)
    assert not page.cookies
    response = patient.send()
    assert response.status_code == 303
    assert Prescription.objects.count() == 1


def test_cross_origin_post_refused(patient_a):
    _html, token, action = patient_a.open()
    data = {"form_token": token, "first_name": "X", "files": [jpeg()]}
    response = patient_a.client.post(action, data, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert not Prescription.objects.exists()


@pytest.mark.parametrize("trap", ["honeypot", "too_fast"])
def test_bots_are_silently_dropped(patient_a, settings, trap):
    if trap == "honeypot":
        response = patient_a.send(website="http://spam.example")
    else:
        settings.OFFICINE_MIN_FILL_SECONDS = 60
        response = patient_a.send()
    assert response.status_code == 303
    confirmation = patient_a.client.get(response["Location"])
    assert confirmation.status_code == 200
    assert "ORD-" in confirmation.content.decode()
    assert not Prescription.objects.exists()
    assert stored_files() == []
    assert not mail.outbox


def test_page_shows_form_and_notice(client_a, patient_a):
    html = client_a.get(patient_a.page.url).content.decode()
    for name in (
        "first_name",
        "last_name",
        "phone",
        "email",
        "birth_date",
        "files",
        "comment",
        "pickup",
        "notify_by",
        "consent",
        "carte_vitale",
        "mutuelle",
    ):
        assert f'name="{name}"' in html, name
    files_input = re.search(r'<input[^>]*name="files"[^>]*>', html).group(0)
    assert "multiple" in files_input
    assert 'accept="image/*,application/pdf' in files_input
    assert "capture" not in files_input  # gallery and PDFs stay available
    card_input = re.search(r'<input[^>]*name="carte_vitale"[^>]*>', html).group(0)
    assert 'capture="environment"' in card_input
    assert 'action="/ordonnance/ordonnance/' in html  # relative: keeps https behind a proxy
    assert 'enctype="multipart/form-data"' in html
    assert "carte Vitale" in html and "ordonnance originale" in html
    assert "csrfmiddlewaretoken" not in html
    assert "/mentions-legales/#confidentialite" in html


# --- bad input: French message next to the field, typed values kept, never a 500 -------------


def _field_error(html: str, field: str) -> str:
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', html, re.S)
    return match.group(1) if match else ""


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"consent": None}, "consent", "Votre accord est nécessaire"),
        ({"files": []}, "files", "Ajoutez au moins une photo"),
        ({"phone": "12345"}, "phone", "numéro de téléphone n&#x27;est pas valide"),
        ({"phone": "01 23 45 67 89", "notify_by": "sms"}, "phone", "pas un portable"),
        ({"phone": "", "notify_by": "sms"}, "phone", "numéro de portable"),
        ({"email": "pas-une-adresse"}, "email", "adresse e-mail n&#x27;est pas valide"),
        ({"email": "", "notify_by": "email"}, "email", "Indiquez votre adresse e-mail"),
        ({"first_name": ""}, "first_name", "Indiquez votre prénom"),
        ({"pickup": "2001-01-01"}, "pickup", "Cette date est passée"),
        ({"pickup": "31/02/2030"}, "pickup", "date valide"),
        ({"birth_date": "2999-01-01"}, "birth_date", "pas plausible"),
        ({"notify_by": "pigeon"}, "notify_by", "Choisissez comment"),
    ],
)
def test_bad_input_keeps_values_and_explains(patient_a, overrides, field, message):
    files = overrides.pop("files", None)
    response = patient_a.send(files=files, **overrides)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in _field_error(html, field), _field_error(html, field)
    assert 'class="error-summary"' in html
    assert 'aria-invalid="true"' in html
    if field != "last_name":
        assert 'value="Martin"' in html  # what was typed is kept
    assert not Prescription.objects.exists()
    # Only the files that passed are kept (encrypted, for the next try); no prescription file.
    assert [p for p in stored_files() if kept.FOLDER not in p.parts] == []
    if field != "files":
        assert "1 fichier déjà reçu" in html


def test_pickup_on_closed_day_refused(patient_a, pharmacy_a):
    closed = next_closed_day(pharmacy_a)
    response = patient_a.send(pickup=closed.isoformat())
    assert "fermée ce jour-là" in _field_error(response.content.decode(), "pickup")
    assert not Prescription.objects.exists()


def test_pickup_on_open_day_accepted(patient_a, pharmacy_a):
    day = next_open_day(pharmacy_a)
    assert patient_a.send(pickup=day.isoformat()).status_code == 303
    assert Prescription.objects.get().pickup_date == day


def test_too_many_files_refused(patient_a, settings):
    files = [
        jpeg(f"p{i}.jpg", filesets.plain_png())
        for i in range(settings.OFFICINE_UPLOAD_MAX_FILES + 1)
    ]
    response = patient_a.send(files=files)
    assert response.status_code == 200
    assert "5 fichiers au plus" in _field_error(response.content.decode(), "files")
    assert not Prescription.objects.exists()
    assert stored_files() == []


def test_expired_form_token_asks_to_send_again(patient_a):
    response = patient_a.send(form_token="forged")
    assert response.status_code == 200
    assert "formulaire a expiré" in response.content.decode()
    assert not Prescription.objects.exists()


def test_channels_follow_pharmacy_settings(client_a, pharmacy_a, patient_a):
    pharmacy_a.sms_enabled = False
    pharmacy_a.save()
    html = client_a.get(patient_a.page.url).content.decode()
    assert 'value="sms"' not in html
    response = patient_a.send(notify_by="email", phone="", email="")
    assert "Indiquez votre adresse e-mail" in _field_error(response.content.decode(), "email")
    assert patient_a.send(notify_by="email", phone="").status_code == 303


def test_get_on_submit_url_redirects_to_page(patient_a):
    _html, _token, action = patient_a.open()
    response = patient_a.client.get(action)
    assert response.status_code == 302
    assert response["Location"] == "/ordonnance/"


def test_unknown_block_is_404(patient_a):
    response = patient_a.client.post(patient_a.page.url + "ordonnance/not-a-block/", {})
    assert response.status_code == 404
