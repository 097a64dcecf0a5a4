"""The steps a patient sees on a tracking page: where their request stands on its usual path.

Prescriptions and Click & Collect reservations both go received → in preparation → ready →
collected; one helper turns a status into those steps so both pages say it the same way."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import TextChoices


@dataclass(frozen=True)
class Step:
    label: str
    state: str  # "done", "current" or "todo"


def progress_steps(path: Sequence[Sequence[TextChoices]], current: str) -> list[Step]:
    """One step per group of `path`; the group holding `current` is named by it ("Prête demain"
    rather than "Prête"). Empty when `current` is off the path (cancelled, refused, expired):
    those pages say what happened instead of showing a path that will not be walked."""
    position = next((n for n, group in enumerate(path) if current in group), None)
    if position is None:
        return []
    steps = []
    for n, group in enumerate(path):
        if n == position:
            label = next(choice.label for choice in group if choice == current)
            state = "done" if n == len(path) - 1 else "current"
        else:
            label = group[0].label
            state = "done" if n < position else "todo"
        steps.append(Step(str(label), state))
    return steps
