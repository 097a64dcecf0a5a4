"""What a record's workflow answers, for every record a pharmacy moves through statuses.

Prescriptions, their renewal dispensings and Click & Collect reservations each have their own
statuses and transition table, but the questions asked of them (is it closed? may the patient
still cancel? which buttons does the pharmacist get?) are answered the same way from those tables.
The fields stay on each model: their lengths and help texts differ, and an abstract model would
reorder their columns.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models


class StatusWorkflow:
    """Mixin for a model with a `status` field; the subclass names its statuses and tables."""

    workflow_statuses: ClassVar[type[models.TextChoices]]
    workflow_transitions: ClassVar[dict[str, set[str]]]
    closed_statuses: ClassVar[set[str]]
    patient_cancellable_statuses: ClassVar[set[str]] = set()
    # Statuses only a job sets (an expiry): allowed by the table, never a pharmacist's button.
    automatic_statuses: ClassVar[set[str]] = set()

    @property
    def is_closed(self) -> bool:
        return self.status in self.closed_statuses

    @property
    def patient_can_cancel(self) -> bool:
        return self.status in self.patient_cancellable_statuses

    def allowed_transitions(self) -> list[str]:
        """The steps the pharmacist may choose now, in the order the statuses are declared."""
        allowed = self.workflow_transitions[self.status] - self.automatic_statuses
        return [s for s in self.workflow_statuses.values if s in allowed]
