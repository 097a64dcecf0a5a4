"""A patient's appointments in their GDPR export and erasure: bookings and what happened to them."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Model
from django.utils.translation import ngettext_lazy

from pharmacies import gdpr

from .models import Booking, WaitlistEntry

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
WAITLIST_FIELDS = (
    "first_name",
    "last_name",
    "phone",
    "email",
    "notify_by",
    "language",
    "status",
    "offered_start",
    "offered_at",
    "created_at",
)


class BookingData(gdpr.PatientData):
    """Bookings made by or for the patient, with their history (moves, cancellation, reminders),
    and their places on waiting lists.

    The booking's changes are related objects too: the messages announcing a move are about them.
    """

    key = "bookings"
    count_labels = {
        "bookings": ngettext_lazy("%(n)s rendez-vous", "%(n)s rendez-vous", "n"),
        "waitlist": ngettext_lazy(
            "%(n)s inscription en liste d'attente", "%(n)s inscriptions en liste d'attente", "n"
        ),
    }

    def __init__(self, patient):
        super().__init__(patient)
        self.bookings: list[Booking] = []
        self.waitlist: list[WaitlistEntry] = []

    def find(self, about: Sequence[Model] = ()) -> None:
        self.bookings = list(
            Booking.objects.filter(pharmacy=self.patient.pharmacy)
            .filter(self.patient.matching())
            .select_related("service")
            .prefetch_related("changes")
            .order_by("start", "pk")
        )
        self.waitlist = list(
            WaitlistEntry.objects.filter(pharmacy=self.patient.pharmacy)
            .filter(self.patient.matching())
            .select_related("service")
            .order_by("day", "pk")
        )
        # Waiting-list entries first: erasing deletes them before the bookings they may name.
        self.rows = [*self.waitlist, *self.bookings]

    def related_objects(self) -> list[Model]:
        return [*self.rows, *(change for b in self.bookings for change in b.changes.all())]

    def counts(self) -> dict[str, int]:
        return {"bookings": len(self.bookings), "waitlist": len(self.waitlist)}

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
            for b in self.bookings
        ] + [
            {
                "reference": w.reference,
                "waiting_list": True,
                "service": w.service.name,
                "day": w.day,
                **gdpr.row_values(w, WAITLIST_FIELDS),
            }
            for w in self.waitlist
        ]

    def references(self) -> list[str]:
        return [b.reference for b in self.bookings] + [w.reference for w in self.waitlist]
