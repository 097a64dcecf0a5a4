"""A patient's reservations in their GDPR export and erasure: reservations, lines and history."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Model
from django.utils.translation import ngettext_lazy

from pharmacies import gdpr

from .models import Reservation

RESERVATION_FIELDS = (
    "reference",
    "first_name",
    "last_name",
    "phone",
    "email",
    "comment",
    "pickup_date",
    "notify_by",
    "language",
    "status",
    "status_note",
    "created_at",
    "closed_at",
)
LINE_FIELDS = ("product_name", "product_code", "unit_price", "quantity", "status", "note")
CHANGE_FIELDS = ("at", "from_status", "to_status", "by_patient", "note")


class ReservationData(gdpr.PatientData):
    """Click & Collect reservations made by the patient, with their products and history."""

    key = "reservations"
    count_labels = {"reservations": ngettext_lazy("%(n)s réservation", "%(n)s réservations", "n")}

    def find(self, about: Sequence[Model] = ()) -> None:
        self.rows = list(
            Reservation.objects.filter(pharmacy=self.patient.pharmacy)
            .filter(self.patient.matching())
            .prefetch_related("lines", "history")
            .order_by("created_at", "pk")
        )

    def export(self) -> list[dict]:
        return [
            {
                **gdpr.row_values(r, RESERVATION_FIELDS),
                "status_label": str(r.get_status_display()),
                "lines": [
                    {**gdpr.row_values(line, LINE_FIELDS), "unit_price": str(line.unit_price)}
                    for line in r.lines.all()
                ],
                "history": [gdpr.row_values(c, CHANGE_FIELDS) for c in r.history.all()],
            }
            for r in self.rows
        ]

    def references(self) -> list[str]:
        return [r.reference for r in self.rows]
