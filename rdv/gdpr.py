"""A patient's appointments in their GDPR export and erasure: bookings and what happened to them."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Model
from django.utils.translation import ngettext_lazy

from pharmacies import gdpr

from .models import Booking

BOOKING_FIELDS = (
    "first_name",
    "last_name",
    "phone",
    "email",
    "comment",
    "notify_by",
    "language",
    "status",
    "booked_by_staff",
    "created_at",
)
CHANGE_FIELDS = ("at", "action", "by_patient", "old_start", "new_start")


class BookingData(gdpr.PatientData):
    """Bookings made by or for the patient, with their history (moves, cancellation, reminders).

    The booking's changes are related objects too: the messages announcing a move are about them.
    """

    key = "bookings"
    count_labels = {"bookings": ngettext_lazy("%(n)s rendez-vous", "%(n)s rendez-vous", "n")}

    def find(self, about: Sequence[Model] = ()) -> None:
        self.rows = list(
            Booking.objects.filter(pharmacy=self.patient.pharmacy)
            .filter(self.patient.matching())
            .select_related("service")
            .prefetch_related("changes")
            .order_by("start", "pk")
        )

    def related_objects(self) -> list[Model]:
        return [*self.rows, *(change for b in self.rows for change in b.changes.all())]

    def export(self) -> list[dict]:
        return [
            {
                "reference": b.reference,
                "service": b.service.name,
                "start": b.start,
                "end": b.end,
                **gdpr.row_values(b, BOOKING_FIELDS),
                "history": [gdpr.row_values(c, CHANGE_FIELDS) for c in b.changes.all()],
            }
            for b in self.rows
        ]

    def references(self) -> list[str]:
        return [b.reference for b in self.rows]
