"""The admin form of a pharmacy record, and the check of a day a patient says they will come."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from . import branding


class PharmacyAdminForm(WagtailAdminModelForm):
    """The pharmacy record, whose legal mentions name each titular pharmacist once.

    The accent colour's help says which text colour its buttons got (white or black, for
    contrast), so the pharmacist knows why a button does not look exactly as imagined.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("accent_colour")
        note = branding.accent_note(getattr(self.instance, "accent_colour", ""))
        if field is not None and note:
            field.help_text = f"{field.help_text} {note}"

    def is_valid(self):
        valid = super().is_valid()
        return self._each_titular_once() and valid

    def _each_titular_once(self) -> bool:
        formset = self.formsets.get("pharmacists")
        if formset is None:
            return True
        seen: set[str] = set()
        unique = True
        formset.errors  # noqa: B018 - validates the rows not validated yet, before adding to them
        for form in formset.forms:
            rpps = getattr(form, "cleaned_data", {}).get("rpps")
            if not rpps or formset._should_delete_form(form):
                continue
            if rpps in seen:
                form.add_error("rpps", _("Ce pharmacien titulaire figure déjà dans la liste."))
                unique = False
            seen.add(rpps)
        return unique


def clean_pickup_day(pharmacy, value: date, *, max_days: int, too_far) -> date:
    """The day a patient picked to come by: not past, within `max_days`, the pharmacy open.

    Every feature with a pickup day (prescriptions, reservations) asks the same of it; `too_far`
    is its own wording of the second rule, with `%(days)d`.
    """
    today = timezone.localdate()
    if value < today:
        raise forms.ValidationError(_("Cette date est passée. Choisissez une date à venir."))
    if value > today + timedelta(days=max_days):
        raise forms.ValidationError(too_far % {"days": max_days})
    if pharmacy.schedule.is_closed_day(value):
        raise forms.ValidationError(
            _("La pharmacie est fermée ce jour-là. Choisissez un autre jour.")
        )
    return value
