"""Files a killed upload left without a row are removed after a grace period, and audited.

An upload stores its encrypted files before the transaction that records them; a web worker killed
in between leaves a patient's prescription on disk that no pharmacist sees and no retention purge
reaches.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from config.celery import app
from ordonnances.files import encrypt
from ordonnances.models import PrescriptionFile
from ordonnances.tasks import remove_orphan_files_task
from pharmacies.models import AuditAction, AuditEvent

from . import filesets
from .conftest import stored_files


def _left_by_a_killed_upload() -> str:
    """What a worker killed between writing the files and committing the row leaves behind."""
    field = PrescriptionFile._meta.get_field("file")
    name = field.generate_filename(None, "upload")
    content = encrypt(filesets.jpeg_with_gps_exif(), settings.OFFICINE_FILE_KEYS)
    return field.storage.save(name, ContentFile(content))


def test_files_without_a_row_go_after_the_grace_period_and_the_run_is_audited(
    patient_a, time_machine
):
    assert patient_a.send().status_code == 303
    recorded = {path.name for path in stored_files()}
    assert len(recorded) == 2  # the page and its thumbnail
    left = sorted(_left_by_a_killed_upload() for _ in range(2))
    started = timezone.now()

    time_machine.move_to(started + timedelta(hours=1))
    assert remove_orphan_files_task.delay().get() == 0  # maybe an upload still in progress
    assert len(stored_files()) == 4

    time_machine.move_to(
        started + timedelta(hours=settings.OFFICINE_ORPHAN_FILE_GRACE_HOURS, minutes=5)
    )
    assert remove_orphan_files_task.delay().get() == 2
    assert {path.name for path in stored_files()} == recorded
    [event] = AuditEvent.objects.filter(action=AuditAction.ORPHAN_FILES)
    assert event.detail["removed"] == 2 and sorted(event.detail["names"]) == left
    assert event.actor_label == "system"

    assert remove_orphan_files_task.delay().get() == 0
    assert AuditEvent.objects.filter(action=AuditAction.ORPHAN_FILES).count() == 1
    # The prescription's own files are untouched and still readable.
    row = PrescriptionFile.objects.get()
    assert row.read_decrypted()[:2] == b"\xff\xd8"


def test_the_sweep_is_scheduled():
    entries = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "ordonnances.remove_orphan_files" in entries
    assert "ordonnances.remove_orphan_files" in app.tasks
