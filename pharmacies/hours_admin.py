"""Admin page "Horaires et fermetures": the week on seven lines, then the dated exceptions.

The pharmacy's own form is long; hours change often (summer, a Sunday on duty), so they get a
page of their own. It saves in place and reuses the checks of the weekly ranges (`hours.range_error`,
`hours.weekly_conflicts`) so a range is validated the same here and in the pharmacy's form.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages

from . import hours, tenancy
from .models import Closure, OpeningHours, Pharmacy, Weekday

PERMISSION = "pharmacies.change_pharmacy"
MIN_RANGES_PER_DAY = 3


class WeekForm(forms.Form):
    """One line per weekday, each with a few (opens, closes) pairs; an empty pair is no range."""

    def __init__(self, *args, ranges_per_day: int = MIN_RANGES_PER_DAY, **kwargs):
        super().__init__(*args, **kwargs)
        self.ranges_per_day = ranges_per_day
        for weekday in Weekday:
            for index in range(ranges_per_day):
                for part, label in (("opens", _("de")), ("closes", _("jusqu'à"))):
                    self.fields[f"d{weekday.value}_{index}_{part}"] = forms.TimeField(
                        label=label,
                        required=False,
                        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                    )

    @classmethod
    def initial_for(cls, pharmacy: Pharmacy) -> tuple[dict, int]:
        week = hours.weekly(pharmacy.opening_hours.all())
        per_day = max([MIN_RANGES_PER_DAY, *(len(r) + 1 for r in week.values())])
        initial = {}
        for weekday, ranges in week.items():
            for index, (opens, closes) in enumerate(ranges):
                initial[f"d{weekday}_{index}_opens"] = opens
                initial[f"d{weekday}_{index}_closes"] = closes
        return initial, per_day

    def lines(self) -> list[dict]:
        """What the template lays out: the weekday's name and its pairs of bound fields."""
        return [
            {
                "weekday": weekday,
                "pairs": [
                    (self[f"d{weekday.value}_{i}_opens"], self[f"d{weekday.value}_{i}_closes"])
                    for i in range(self.ranges_per_day)
                ],
                "errors": self._line_errors.get(weekday.value, []),
            }
            for weekday in Weekday
        ]

    @property
    def _line_errors(self) -> dict[int, list[str]]:
        return getattr(self, "_errors_by_day", {})

    def clean(self):
        cleaned = super().clean()
        by_day: dict[int, list[str]] = {}
        rows = []
        for weekday in Weekday:
            for index in range(self.ranges_per_day):
                opens = cleaned.get(f"d{weekday.value}_{index}_opens")
                closes = cleaned.get(f"d{weekday.value}_{index}_closes")
                if opens is None and closes is None:
                    continue
                if opens is None or closes is None:
                    by_day.setdefault(weekday.value, []).append(
                        gettext("Indiquez l'heure de début et l'heure de fin de chaque plage.")
                    )
                    continue
                error = hours.range_error(opens, closes)
                if error:
                    by_day.setdefault(weekday.value, []).append(error)
                    continue
                rows.append((weekday.value, opens, closes))
        for index, message in hours.weekly_conflicts(rows).items():
            by_day.setdefault(rows[index][0], []).append(message)
        self._errors_by_day = by_day
        if by_day:
            raise forms.ValidationError(
                gettext("Les horaires de la semaine n'ont pas été enregistrés : voir ci-dessous.")
            )
        cleaned["ranges"] = sorted(rows)
        return cleaned


class ClosureForm(forms.ModelForm):
    class Meta:
        model = Closure
        fields = ["start_date", "end_date", "label", "opens", "closes"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "opens": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens"), cleaned.get("closes")
        if opens and closes and closes <= opens and closes != hours.MIDNIGHT:
            # One date of special hours: a range past midnight belongs to a duty period.
            self.add_error("closes", hours.range_error(opens, closes))
        return cleaned


class ClosureFormSet(BaseInlineFormSet):
    """Dated exceptions may not cover the same day twice: which one would win is anybody's guess."""

    def clean(self):
        super().clean()
        taken: list[tuple[date, date, forms.Form]] = []
        for form in self.forms:
            if not form.is_valid() or self._should_delete_form(form):
                continue
            start = form.cleaned_data.get("start_date")
            if start is None:
                continue
            end = form.cleaned_data.get("end_date") or start
            for other_start, other_end, _other in taken:
                if start <= other_end and other_start <= end:
                    form.add_error(
                        "start_date",
                        gettext(
                            "Cette période recouvre une autre fermeture ou d'autres horaires "
                            "exceptionnels (%(period)s)."
                        )
                        % {"period": _period(other_start, other_end)},
                    )
                    break
            else:
                taken.append((start, end, form))


def _period(start: date, end: date) -> str:
    if start == end:
        return gettext("le %(day)s") % {"day": start.strftime("%d/%m/%Y")}
    return gettext("du %(start)s au %(end)s") % {
        "start": start.strftime("%d/%m/%Y"),
        "end": end.strftime("%d/%m/%Y"),
    }


def upcoming_closures(pharmacy: Pharmacy):
    """Closures not over yet: past ones stay as they were, out of the pharmacist's way."""
    today = timezone.localdate()
    return Closure.objects.filter(
        Q(end_date__gte=today) | Q(end_date__isnull=True, start_date__gte=today),
        pharmacy=pharmacy,
    ).order_by("start_date", "pk")


ClosureFormSetFactory = inlineformset_factory(
    Pharmacy,
    Closure,
    form=ClosureForm,
    formset=ClosureFormSet,
    extra=2,
    can_delete=True,
)


def _pharmacy_for(request) -> Pharmacy:
    """The user's pharmacy (or the one picked in `?pharmacie=` among theirs): never another's."""
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    mine = tenancy.pharmacies_for_user(request.user).order_by("name")
    raw = request.GET.get("pharmacie", "")
    if raw:
        pharmacy = mine.filter(pk=int(raw)).first() if raw.isdigit() else None
    else:
        pharmacy = mine.first()
    if pharmacy is None:
        raise Http404
    return pharmacy


def _save(pharmacy: Pharmacy, ranges, closures) -> None:
    """Row by row (not in bulk) so the page caches hear of every change."""
    wanted = set(ranges)
    for row in pharmacy.opening_hours.all():
        key = (row.weekday, row.opens, row.closes)
        if key in wanted:
            wanted.discard(key)
        else:
            row.delete()
    for order, (weekday, opens, closes) in enumerate(sorted(wanted)):
        OpeningHours(
            pharmacy=pharmacy, weekday=weekday, opens=opens, closes=closes, sort_order=order
        ).save()
    closures.save()


def hours_view(request):
    pharmacy = _pharmacy_for(request)
    initial, per_day = WeekForm.initial_for(pharmacy)
    if request.method == "POST":
        per_day = max(per_day, _posted_ranges_per_day(request.POST))
        week = WeekForm(request.POST, initial=initial, ranges_per_day=per_day)
        closures = ClosureFormSetFactory(
            request.POST, instance=pharmacy, prefix="closures", queryset=upcoming_closures(pharmacy)
        )
        if week.is_valid() and closures.is_valid():
            with transaction.atomic():
                _save(pharmacy, week.cleaned_data["ranges"], closures)
            messages.success(request, _("Horaires et fermetures enregistrés."))
            url = reverse("pharmacies_hours")
            if request.GET.get("pharmacie"):
                url += f"?pharmacie={pharmacy.pk}"
            return redirect(url)
        messages.error(
            request, _("Rien n'a été enregistré : corrigez les erreurs signalées ci-dessous.")
        )
    else:
        week = WeekForm(initial=initial, ranges_per_day=per_day)
        closures = ClosureFormSetFactory(
            instance=pharmacy, prefix="closures", queryset=upcoming_closures(pharmacy)
        )
    return TemplateResponse(
        request,
        "pharmacies/admin/hours.html",
        {
            "pharmacy": pharmacy,
            "pharmacies": tenancy.pharmacies_for_user(request.user).order_by("name"),
            "week": week,
            "closures": closures,
            "page_title": _("Horaires et fermetures"),
            "header_icon": "time",
        },
    )


def _posted_ranges_per_day(data) -> int:
    indexes = [
        int(key.split("_")[1])
        for key in data
        if key.startswith("d") and key.count("_") == 2 and key.split("_")[1].isdigit()
    ]
    return min(max(indexes, default=0) + 1, 8)


def admin_urlpatterns():
    return [path("horaires/", hours_view, name="pharmacies_hours")]
