"""One definition of a weekly range: within its day, never repeated, never overlapping another.

The rules are checked in the pure module, then through the pharmacy's admin form, where the
pharmacist must see the message on the row at fault and nothing must be saved.
"""

import importlib
from datetime import datetime, time

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils.html import escape
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from pharmacies.hours import PARIS, Schedule, describe_status, range_error, weekly_conflicts
from pharmacies.models import OpeningHours, Pharmacy

REVERSED = (
    "L'heure de fin doit être après l'heure de début. Pour une plage qui passe minuit, "
    "saisissez deux plages : jusqu'à 0h, puis dès 0h le lendemain."
)
REPEATED = "Cette plage est déjà saisie pour ce jour."


def overlapping(other: str) -> str:
    return f"Cette plage chevauche la plage {other} du même jour."


@pytest.mark.parametrize(
    ("opens", "closes"),
    [(time(18), time(9)), (time(9), time(9)), (time(12, 30), time(12))],
    ids=["reversed", "empty", "reversed-by-minutes"],
)
def test_a_range_ending_before_it_starts_is_refused(opens, closes):
    assert range_error(opens, closes) == REVERSED


@pytest.mark.parametrize(
    ("opens", "closes"),
    [(time(9), time(12, 30)), (time(20), time(0)), (time(0), time(0)), (time(0), time(2))],
    ids=["morning", "until-midnight", "whole-day", "after-midnight"],
)
def test_a_range_within_its_day_is_accepted(opens, closes):
    assert range_error(opens, closes) is None


def test_the_later_of_two_clashing_rows_carries_the_message():
    rows = [
        (0, time(9), time(12, 30)),
        (0, time(14), time(19, 30)),
        (0, time(12), time(14, 30)),  # overlaps the morning (checked first)
        (1, time(9), time(12, 30)),  # same hours, another day
        (1, time(9), time(12, 30)),  # repeated
        (2, time(9), time(12)),
        (2, time(12), time(14)),  # touches: one opening, allowed
        (3, time(18), time(9)),  # reversed: its own message, not a clash
        (3, time(8), time(20)),
    ]
    assert weekly_conflicts(rows) == {2: overlapping("9h–12h30"), 4: REPEATED}


def test_a_night_entered_as_two_ranges_reads_as_one_opening():
    """Friday 20h–0h and Saturday 0h–2h: how a night past midnight is now entered."""
    schedule = Schedule({4: [(time(20), time(0))], 5: [(time(0), time(2))]})
    friday_late = datetime(2026, 11, 27, 23, 0, tzinfo=PARIS)
    assert describe_status(schedule.status_at(friday_late), friday_late) == "Ouvert jusqu'à 2h"


def pharmacy_form(pharmacy, extra_hours):
    """The pharmacy's edit form as the admin shows it, plus `extra_hours` rows added at the end."""
    rows = [
        {"id": row.pk, "weekday": row.weekday, "opens": f"{row.opens:%H:%M}"}
        | {"closes": f"{row.closes:%H:%M}", "ORDER": index, "DELETE": ""}
        for index, row in enumerate(pharmacy.opening_hours.all())
    ]
    initial = len(rows)
    rows += [
        {"id": "", "weekday": weekday, "opens": opens, "closes": closes}
        | {"ORDER": initial + index, "DELETE": ""}
        for index, (weekday, opens, closes) in enumerate(extra_hours)
    ]
    pharmacists = [
        {"id": p.pk, "full_name": p.full_name, "rpps": p.rpps, "ORDER": i, "DELETE": ""}
        for i, p in enumerate(pharmacy.pharmacists.all())
    ]
    fields = {
        name: getattr(pharmacy, name)
        for name in (
            "name legal_name street postal_code city phone email licence_number siret ars "
            "health_data_host web_host holiday_subdivision notification_email sms_sender "
            "prescription_retention_days primary_colour accent_colour layout font_pair"
        ).split()
    }
    return nested_form_data(
        fields
        | {"closed_on_public_holidays": "on", "email_enabled": "on", "sms_enabled": "on"}
        | {
            "pharmacists": inline_formset(pharmacists, initial=len(pharmacists), min=1),
            "opening_hours": inline_formset(rows, initial=initial),
            "closures": inline_formset([]),
            "duty_periods": inline_formset([]),
        }
    )


def hours_of(pharmacy):
    rows = OpeningHours.objects.filter(pharmacy=pharmacy)
    return sorted(rows.values_list("weekday", "opens", "closes"))


@pytest.mark.parametrize(
    ("added", "message"),
    [
        ((0, "12:00", "13:00"), overlapping("9h–12h30")),
        ((1, "14:00", "19:30"), REPEATED),
        ((6, "18:00", "09:00"), REVERSED),
    ],
    ids=["overlap", "duplicate", "reversed"],
)
def test_admin_refuses_a_bad_opening_range_on_its_row(admin_client_a, pharmacy_a, added, message):
    before = hours_of(pharmacy_a)
    url = reverse("pharmacies:edit", args=[pharmacy_a.pk])
    response = admin_client_a.post(url, pharmacy_form(pharmacy_a, [added]))
    assert response.status_code == 200
    formset = response.context["form"].formsets["opening_hours"]
    errors = [form.non_field_errors() for form in formset.forms]
    assert errors[-1] == [message]
    assert not any(errors[:-1])
    assert escape(message) in response.content.decode()
    assert hours_of(pharmacy_a) == before


def test_admin_saves_a_sunday_night_entered_as_two_touching_ranges(admin_client_a, pharmacy_a):
    url = reverse("pharmacies:edit", args=[pharmacy_a.pk])
    night = [(6, "20:00", "00:00"), (0, "00:00", "02:00"), (0, "08:00", "09:00")]
    response = admin_client_a.post(url, pharmacy_form(pharmacy_a, night))
    assert response.status_code == 302, response.context["form"].errors
    monday = [(opens, closes) for day, opens, closes in hours_of(pharmacy_a) if day == 0]
    assert monday == [
        (time(0), time(2)),
        (time(8), time(9)),
        (time(9), time(12, 30)),
        (time(14), time(19, 30)),
    ]
    sunday_late = datetime(2026, 11, 29, 23, 0, tzinfo=PARIS)
    saved = Pharmacy.objects.get(pk=pharmacy_a.pk)
    assert saved.opening_status_text(sunday_late) == "Ouvert jusqu'à 2h"


def test_migration_enters_a_stored_night_as_two_ranges_with_the_same_status(pharmacy_a):
    OpeningHours.objects.create(pharmacy=pharmacy_a, weekday=6, opens=time(20), closes=time(2))
    sunday_late = datetime(2026, 11, 29, 23, 0, tzinfo=PARIS)
    monday_early = datetime(2026, 11, 30, 1, 0, tzinfo=PARIS)
    before = Pharmacy.objects.get(pk=pharmacy_a.pk)
    statuses = [before.opening_status_text(moment) for moment in (sunday_late, monday_early)]
    assert statuses == ["Ouvert jusqu'à 2h", "Ouvert jusqu'à 2h"]
    untouched = [row for row in hours_of(pharmacy_a) if row[0] != 6]

    migration = importlib.import_module("pharmacies.migrations.0003_weekly_hours_within_a_day")
    migration.split_ranges_past_midnight(apps, None)

    assert [row for row in hours_of(pharmacy_a) if row[0] == 6] == [(6, time(20), time(0))]
    assert [row for row in hours_of(pharmacy_a) if row[0] != 6] == sorted(
        [*untouched, (0, time(0), time(2))]
    )
    after = Pharmacy.objects.get(pk=pharmacy_a.pk)
    assert [after.opening_status_text(moment) for moment in (sunday_late, monday_early)] == statuses
