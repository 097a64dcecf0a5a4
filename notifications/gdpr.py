"""The messages sent to a patient, in their GDPR export and erasure.

A message belongs to the patient when it went to their email or phone, or when it is about one of
their records (a confirmation sent to an address since corrected): the other apps' rows tell which.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Model
from django.utils.translation import ngettext_lazy

from pharmacies import gdpr

from .models import OutboxMessage

MESSAGE_FIELDS = (
    "channel",
    "event",
    "recipient",
    "subject",
    "body_text",
    "language",
    "status",
    "created_at",
    "sent_at",
)


class MessageData(gdpr.PatientData):
    key = "messages"
    count_labels = {"messages": ngettext_lazy("%(n)s message", "%(n)s messages", "n")}
    about_other_records = True

    def find(self, about: Sequence[Model] = ()) -> None:
        sent_to_patient = self.patient.matching(email_field="recipient", phone_field="recipient")
        self.rows = list(
            OutboxMessage.objects.filter(pharmacy=self.patient.pharmacy)
            .filter(sent_to_patient | gdpr.about(about))
            .order_by("created_at", "pk")
        )

    def export(self) -> list[dict]:
        return [gdpr.row_values(m, MESSAGE_FIELDS) for m in self.rows]
