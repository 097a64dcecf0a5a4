"""Retention: closed prescriptions lose their files and personal data after the pharmacy's delay."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from config.celery import app
from notifications.models import OutboxMessage
from ordonnances.models import Prescription, PrescriptionFile, Status
from ordonnances.services import change_status
from ordonnances.tasks import purge_expired
from pharmacies.models import AuditAction, AuditEvent

from .conftest import jpeg, stored_files


def _send(patient, **overrides):
    assert patient.send(files=[jpeg("p1.jpg"), jpeg("p2.jpg")], **overrides).status_code == 303
    return Prescription.objects.order_by("-pk").first()


def test_purge_after_retention_period_is_complete_and_idempotent(
    patient_a, staff_a, admin_client_a, time_machine
):
    from django.urls import reverse

    collected = _send(patient_a)
    change_status(collected, Status.READY, user=staff_a)
    change_status(collected, Status.COLLECTED, user=staff_a)
    admin_client_a.get(reverse("prescriptions:file", args=[collected.files.first().pk]))
    waiting = _send(patient_a, first_name="Encore")  # still open: never purged
    cancelled = _send(patient_a, first_name="Annule")
    change_status(cancelled, Status.CANCELLED, user=staff_a, note="Doublon")
    assert len(stored_files()) == 3 * 2 * 2  # 3 prescriptions x 2 pages x (file + thumbnail)

    time_machine.move_to(timezone.now() + timedelta(days=29))
    assert purge_expired.delay().get() == 0
    assert len(stored_files()) == 12

    time_machine.move_to(timezone.now() + timedelta(days=2))
    assert purge_expired.delay().get() == 2
    for prescription in (collected, cancelled):
        prescription.refresh_from_db()
        assert prescription.purged_at
        assert (prescription.first_name, prescription.last_name) == ("", "")
        assert (prescription.phone, prescription.email, prescription.comment) == ("", "", "")
        assert prescription.birth_date is None and prescription.status_note == ""
        assert not prescription.files.exists()
        assert not prescription.history.exclude(note="").exists()
        assert not OutboxMessage.objects.filter(object_id=str(prescription.pk)).exists()
    waiting.refresh_from_db()
    assert waiting.first_name == "Encore" and waiting.files.count() == 2
    # Only the open prescription's files remain on disk: no orphan.
    remaining = {p.name for p in stored_files()}
    expected = set()
    for row in PrescriptionFile.objects.all():
        expected |= {row.file.name.rsplit("/", 1)[-1], row.thumbnail.name.rsplit("/", 1)[-1]}
    assert remaining == expected and len(remaining) == 4
    # The audit trail survives the purge.
    opened = AuditEvent.objects.get(action=AuditAction.FILE_VIEW)
    assert opened.detail["prescription"] == collected.pk

    assert purge_expired.delay().get() == 0  # idempotent
    assert len(stored_files()) == 4


def test_purged_prescription_disappears_from_admin_and_tracking(
    patient_a, staff_a, admin_client_a, time_machine
):
    from django.urls import reverse

    prescription = _send(patient_a)
    change_status(prescription, Status.CANCELLED, user=staff_a, note="Doublon")
    time_machine.move_to(timezone.now() + timedelta(days=31))
    purge_expired()
    admin_client_a.force_login(staff_a)  # the session expired meanwhile
    assert (
        admin_client_a.get(reverse("prescriptions:inspect", args=[prescription.pk])).status_code
        == 404
    )
    html = admin_client_a.get(reverse("prescriptions:index")).content.decode()
    assert prescription.reference not in html


def test_retention_follows_each_pharmacy(patient_a, pharmacy_a, staff_a, time_machine):
    pharmacy_a.prescription_retention_days = 7
    pharmacy_a.save()
    prescription = _send(patient_a)
    change_status(prescription, Status.REFUSED, user=staff_a, note="Illisible")
    time_machine.move_to(timezone.now() + timedelta(days=8))
    assert purge_expired() == 1
    assert stored_files() == []


def test_purge_is_scheduled_daily():
    entry = app.conf.beat_schedule["ordonnances-purge-expired"]
    assert entry["task"] == "ordonnances.purge_expired"
    assert entry["schedule"] == 24 * 3600
