"""Dropping the file log keeps its history: every old access ends up in the audit trail, once."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from ordonnances.models import PrescriptionFile
from pharmacies.models import AuditAction, AuditEvent

BEFORE = [("ordonnances", "0003_prescription_language")]
FILE_TYPE = "ordonnances.prescriptionfile"


@pytest.fixture
def old_schema(transactional_db):
    """The database as it was with FileAccessLog; migrated forward again whatever the test does."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        yield executor.loader.project_state(BEFORE).apps
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def migrate_to_latest():
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_old_file_accesses_are_copied_once_into_the_audit_trail(
    patient_a, admin_client_a, staff_a, old_schema
):
    patient_a.send()
    row = PrescriptionFile.objects.get()
    prescription = row.prescription
    FileAccessLog = old_schema.get_model("ordonnances", "FileAccessLog")
    long_ago = timezone.now() - timedelta(days=90)
    common = {
        "user_id": staff_a.pk,
        "username": staff_a.get_username(),
        "pharmacy_id": prescription.pharmacy_id,
        "prescription_id": prescription.pk,
        "file_label": row.download_name,
    }
    # Before the audit trail existed: only the file log knows (the second file is purged since).
    FileAccessLog.objects.create(
        **common, file_id=row.pk, action="download", ip_address="203.0.113.7", user_agent="Fx"
    )
    FileAccessLog.objects.create(**common, file_id=None, action="view", thumbnail=True)
    FileAccessLog.objects.filter(action="download").update(at=long_ago)
    FileAccessLog.objects.filter(action="view").update(at=long_ago + timedelta(hours=1))
    # Since the audit trail: the admin wrote both rows; the audit one is already there.
    assert admin_client_a.get(reverse("prescriptions:file", args=[row.pk])).status_code == 200
    FileAccessLog.objects.create(**common, file_id=row.pk, action="view", ip_address="127.0.0.1")
    recent = AuditEvent.objects.get()

    migrate_to_latest()

    events = AuditEvent.objects.filter(object_type=FILE_TYPE).order_by("at")
    assert [(e.action, e.detail["thumbnail"], e.at) for e in events] == [
        (AuditAction.FILE_DOWNLOAD, False, long_ago),
        (AuditAction.FILE_VIEW, True, long_ago + timedelta(hours=1)),
        (AuditAction.FILE_VIEW, False, recent.at),
    ]
    download, purged_view, twin = events
    assert twin.pk == recent.pk
    assert (download.actor_id, download.actor_label) == (staff_a.pk, staff_a.get_username())
    assert download.pharmacy_id == prescription.pharmacy_id
    assert download.object_id == str(row.pk) and purged_view.object_id == ""
    assert download.ip_address == "203.0.113.7"
    assert download.detail == {
        "prescription": prescription.pk,
        "file": row.download_name,
        "thumbnail": False,
        "user_agent": "Fx",
        "copied_from": "ordonnances.fileaccesslog",
    }
    assert "ordonnances_fileaccesslog" not in connection.introspection.table_names()
