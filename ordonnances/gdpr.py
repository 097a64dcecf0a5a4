"""A patient's prescriptions in their GDPR export and erasure: rows, history and the files."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.core.files.storage import Storage
from django.db.models import Model
from django.utils.translation import ngettext_lazy

from pharmacies import gdpr

from .models import Prescription, PrescriptionFile, RenewalSchedule

# Folder of the decrypted files in the export's ZIP.
FILES_FOLDER = "ordonnances"

PRESCRIPTION_FIELDS = (
    "reference",
    "first_name",
    "last_name",
    "phone",
    "email",
    "birth_date",
    "comment",
    "pickup_date",
    "notify_by",
    "language",
    "status",
)
FILE_FIELDS = ("position", "content_type", "size", "sha256", "width", "height", "pages")


RENEWAL_FIELDS = (
    "requested_months",
    "dispensings_total",
    "interval_days",
    "first_date",
    "shift_days",
    "status",
)
DISPENSING_FIELDS = ("number", "due_date", "status", "status_note", "patient_request")


def _renewal(prescription: Prescription) -> dict | None:
    """The schedule of a renewable prescription and each month's preparation, or None."""
    try:
        schedule = prescription.renewal
    except RenewalSchedule.DoesNotExist:
        return None
    return {
        **gdpr.row_values(schedule, RENEWAL_FIELDS),
        "status_label": str(schedule.get_status_display()),
        "end_date": schedule.end_date,
        "dispensings": [
            {
                **gdpr.row_values(d, DISPENSING_FIELDS),
                "status_label": str(d.get_status_display()),
                "closed_at": d.closed_at,
            }
            for d in sorted(prescription.dispensings.all(), key=lambda d: d.number)
        ],
    }


def archive_name(row: PrescriptionFile) -> str:
    return f"{FILES_FOLDER}/{row.download_name}"


class PrescriptionData(gdpr.PatientData):
    """Prescriptions sent by the patient, with their status history and their files (decrypted)."""

    key = "prescriptions"
    count_labels = {
        "prescriptions": ngettext_lazy("%(n)s ordonnance", "%(n)s ordonnances", "n"),
        "files": ngettext_lazy("%(n)s fichier", "%(n)s fichiers", "n"),
    }

    def find(self, about: Sequence[Model] = ()) -> None:
        self.rows = list(
            Prescription.objects.filter(pharmacy=self.patient.pharmacy)
            .filter(self.patient.matching())
            .prefetch_related("files", "history", "dispensings")
            .select_related("renewal")
            .order_by("created_at", "pk")
        )

    def related_objects(self) -> list[Model]:
        """The prescriptions and their renewal preparations (each has its own messages)."""
        return [*self.rows, *(d for p in self.rows for d in p.dispensings.all())]

    def _files(self) -> Iterator[PrescriptionFile]:
        for prescription in self.rows:
            yield from prescription.files.all()

    def export(self) -> list[dict]:
        return [
            {
                **gdpr.row_values(p, PRESCRIPTION_FIELDS),
                "status_label": str(p.get_status_display()),
                "status_note": p.status_note,
                "created_at": p.created_at,
                "closed_at": p.closed_at,
                "history": [
                    {
                        "at": h.at,
                        "from": h.from_status,
                        "to": h.to_status,
                        "by_patient": h.by_patient,
                        "note": h.note,
                    }
                    for h in p.history.all()
                ],
                "renewal": _renewal(p),
                "files": [
                    {
                        "kind": f.kind,
                        "kind_label": str(f.get_kind_display()),
                        **gdpr.row_values(f, FILE_FIELDS),
                        "received_at": f.created_at,
                        "archive_name": archive_name(f),
                    }
                    for f in p.files.all()
                ],
            }
            for p in self.rows
        ]

    def files(self) -> Iterator[tuple[str, bytes]]:
        for row in self._files():
            yield archive_name(row), row.read_decrypted()

    def stored_files(self) -> list[tuple[Storage, str]]:
        return [
            (field.storage, field.name)
            for row in self._files()
            for field in (row.file, row.thumbnail)
            if field and field.name
        ]

    def counts(self) -> dict[str, int]:
        return {"prescriptions": len(self.rows), "files": sum(1 for _ in self._files())}

    def references(self) -> list[str]:
        return [p.reference for p in self.rows]
