"""Periodic work of the prescriptions app."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from pharmacies import audit
from pharmacies.tenancy import all_pharmacies

from . import kept, renewals, services
from .files import orphans
from .models import PrescriptionFile

logger = logging.getLogger("officine.ordonnances")

FOLDER = "ordonnances"  # where `models._random_name` puts every file and thumbnail
NAMES_IN_AUDIT = 200


@shared_task(name="ordonnances.purge_expired")
def purge_expired() -> int:
    """Daily: files and personal data of closed prescriptions past the retention period."""
    with all_pharmacies():
        return services.purge_expired()


@shared_task(name="ordonnances.create_due_dispensings")
def create_due_dispensings() -> int:
    """Several times a day: renewal preparations entering the "à préparer" list (idempotent)."""
    return renewals.create_due_dispensings()


def _referenced(names: list[str]) -> set[str]:
    rows = PrescriptionFile.objects.filter(Q(file__in=names) | Q(thumbnail__in=names))
    return {name for pair in rows.values_list("file", "thumbnail") for name in pair if name}


def remove_orphan_files(grace: timedelta | None = None) -> int:
    """Delete encrypted files that no prescription row names, once older than the grace period.

    Files are stored before the transaction that records them; a web worker killed in between
    (timeout, out of memory, deploy) leaves a patient's file that nobody can see nor purge.
    The grace period leaves uploads in progress and key rotations alone. One audit row per run
    that removed something says what went.
    """
    if grace is None:
        grace = timedelta(hours=settings.OFFICINE_ORPHAN_FILE_GRACE_HOURS)
    storage = PrescriptionFile._meta.get_field("file").storage
    removed: list[str] = []
    for name in orphans(
        storage, FOLDER, referenced=_referenced, written_before=timezone.now() - grace
    ):
        if _referenced([name]):  # a row written since the batch was checked
            continue
        storage.delete(name)
        removed.append(name)
    if removed:
        audit.record(
            audit.AuditAction.ORPHAN_FILES,
            object_type="ordonnances.prescriptionfile",
            detail={
                "removed": len(removed),
                "names": removed[:NAMES_IN_AUDIT],
                "grace_hours": grace.total_seconds() / 3600,
            },
        )
        logger.warning("Removed %d stored prescription file(s) without a row", len(removed))
    return len(removed)


@shared_task(name="ordonnances.remove_orphan_files")
def remove_orphan_files_task() -> int:
    with all_pharmacies():
        return remove_orphan_files()


@shared_task(name="ordonnances.purge_kept_files")
def purge_kept_files_task() -> int:
    """Every quarter of an hour: files kept for a form shown again, once an hour old."""
    return kept.purge_expired()
