"""Messages a visitor sent from the contact page, in their GDPR export and erasure."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Model
from django.utils.translation import ngettext_lazy

from pharmacies import gdpr

from .models import ContactMessage

FIELDS = ("name", "email", "phone", "subject", "message", "created_at", "answered")


class ContactMessageData(gdpr.PatientData):
    key = "contact_messages"
    count_labels = {"contact_messages": ngettext_lazy("%(n)s message", "%(n)s messages", "n")}

    def find(self, about: Sequence[Model] = ()) -> None:
        self.rows = list(
            ContactMessage.objects.filter(pharmacy=self.patient.pharmacy)
            .filter(self.patient.matching())
            .order_by("created_at", "pk")
        )

    def export(self) -> list[dict]:
        return [gdpr.row_values(m, FIELDS) for m in self.rows]
