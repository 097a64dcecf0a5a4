"""A form shown again for a typo keeps the files that passed: the patient does not choose them
again. Kept encrypted for an hour, usable only with the same form, removable, purged after."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.conf import settings
from django.utils import timezone

from config.celery import app
from ordonnances import kept
from ordonnances.models import FileKind, Prescription
from ordonnances.tasks import purge_kept_files_task
from pharmacies.models import AuditAction, AuditEvent

from .conftest import TOKEN_RE, jpeg, stored_files, valid_data

pytestmark = pytest.mark.django_db

KEPT_RE = re.compile(r'name="kept_files" value="([^"]+)"')


def send_with_typo(patient, **overrides):
    """First try: two photos and a phone number with a typo."""
    response = patient.send(files=[jpeg("p1.jpg"), jpeg("p2.jpg")], phone="06 12 34", **overrides)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ce numéro de téléphone n'est pas valide" in unescape(html)
    return html


def resend(patient, html, **overrides):
    """Second try from the re-shown form: its token and kept list, no files chosen again."""
    _page_html, _token, action = patient.open()
    data = valid_data(**overrides)
    data["form_token"] = unescape(TOKEN_RE.search(html).group(1))
    match = KEPT_RE.search(html)
    if match:
        data["kept_files"] = unescape(match.group(1))
    data.update(overrides)
    return patient.client.post(action, data)


def test_a_typo_keeps_the_files_and_the_second_try_needs_none(patient_a):
    html = send_with_typo(patient_a)
    assert "2 fichiers déjà reçus" in html
    on_disk = stored_files()
    assert len(on_disk) == 2 and all(b"\xff\xd8" not in p.read_bytes()[:4] for p in on_disk)
    response = resend(patient_a, html)
    assert response.status_code == 303
    prescription = Prescription.objects.get()
    pages = prescription.files.filter(kind=FileKind.PAGE).order_by("position")
    assert [p.position for p in pages] == [0, 1]
    assert pages[0].read_decrypted()[:2] == b"\xff\xd8"
    # The kept copies are gone; only the prescription's files (and thumbnails) remain.
    assert not any(kept.FOLDER in str(p) for p in stored_files())


def test_the_patient_can_remove_a_kept_file(patient_a):
    html = send_with_typo(patient_a)
    response = resend(patient_a, html, kept_remove="1")
    assert response.status_code == 303
    assert Prescription.objects.get().files.filter(kind=FileKind.PAGE).count() == 1


def test_removing_every_kept_file_asks_for_one_again(patient_a):
    html = send_with_typo(patient_a)
    response = resend(patient_a, html, kept_remove=["0", "1"])
    assert response.status_code == 200
    assert "Ajoutez au moins une photo" in response.content.decode()
    assert not Prescription.objects.exists()
    assert stored_files() == []  # removed means deleted, not left for the purge


def test_kept_files_cannot_be_attached_to_another_visitors_form(patient_a, client_a):
    html = send_with_typo(patient_a)
    stolen = unescape(KEPT_RE.search(html).group(1))
    # Another visitor opens the form: their own token, someone else's kept list.
    _page, other_token, action = patient_a.open()
    response = client_a.post(
        action, {**valid_data(), "form_token": other_token, "kept_files": stolen}
    )
    assert response.status_code == 200
    assert "Ajoutez au moins une photo" in response.content.decode()
    assert not Prescription.objects.exists()


@pytest.mark.parametrize("tamper", ["x", "garbage", "eyJ0IjoiIn0:1abc:def"])
def test_a_tampered_kept_list_attaches_nothing(patient_a, tamper):
    html = send_with_typo(patient_a)
    token = unescape(TOKEN_RE.search(html).group(1))
    value = unescape(KEPT_RE.search(html).group(1))
    _page, _t, action = patient_a.open()
    forged = value[:-3] + "AAA" if tamper == "x" else tamper
    response = patient_a.client.post(
        action, {**valid_data(), "form_token": token, "kept_files": forged}
    )
    assert response.status_code == 200
    assert "Ajoutez au moins une photo" in response.content.decode()


def test_kept_files_expire_after_an_hour_and_the_purge_is_audited(patient_a, time_machine):
    html = send_with_typo(patient_a)
    started = timezone.now()
    time_machine.move_to(started + timedelta(minutes=50))
    assert purge_kept_files_task.delay().get() == 0
    assert len(stored_files()) == 2

    time_machine.move_to(started + timedelta(hours=1, minutes=5))
    assert purge_kept_files_task.delay().get() == 2
    assert stored_files() == []
    [event] = AuditEvent.objects.filter(action=AuditAction.ORPHAN_FILES)
    assert event.detail["removed"] == 2 and event.detail["reason"] == "kept_upload_expired"
    # The list itself has expired too: the form asks for the files again.
    response = resend(patient_a, html)
    assert response.status_code == 200
    assert not Prescription.objects.exists()


def test_the_purge_is_scheduled():
    entries = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "ordonnances.purge_kept_files" in entries
    assert "ordonnances.purge_kept_files" in app.tasks
