"""The admin panel for a weekly schedule, whose rows are checked against each other.

A row alone is checked by its model (`WeeklyHours.clean`); a repeated or overlapping range can only
be seen with the other rows of the submitted form, before anything is saved, so the check lives in
the formset and puts its message on the row at fault, where the pharmacist is looking.
"""

from __future__ import annotations

from modelcluster.forms import BaseChildFormSet
from wagtail.admin.panels import InlinePanel

from . import hours

RANGE_FIELDS = ("weekday", "opens", "closes")


class WeeklyHoursFormSet(BaseChildFormSet):
    def clean(self):
        super().clean()
        rows, forms = [], []
        for form in self.forms:
            if not form.is_valid() or (self.can_delete and self._should_delete_form(form)):
                continue
            values = tuple(form.cleaned_data.get(name) for name in RANGE_FIELDS)
            if None not in values:
                rows.append(values)
                forms.append(form)
        for index, message in hours.weekly_conflicts(rows).items():
            forms[index].add_error(None, message)


class WeeklyHoursPanel(InlinePanel):
    """`InlinePanel` for a `WeeklyHours` relation (a pharmacy's hours, a service's own hours)."""

    def get_form_options(self):
        options = super().get_form_options()
        options["formsets"][self.relation_name]["formset"] = WeeklyHoursFormSet
        return options
