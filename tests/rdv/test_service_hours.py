"""A service's own schedule follows the same range rules as the pharmacy's hours, row by row."""

import importlib
from datetime import date, time

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils.html import escape
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from rdv.availability import free_slots
from rdv.models import Service, ServiceHours

from .conftest import make_service

REVERSED = (
    "L'heure de fin doit être après l'heure de début. Pour une plage qui passe minuit, "
    "saisissez deux plages : jusqu'à 0h, puis dès 0h le lendemain."
)


@pytest.fixture
def vaccination(pharmacy_a):
    """Vaccinations on Tuesday morning and Thursday afternoon only."""
    service = make_service(pharmacy_a, use_own_schedule=True)
    ServiceHours.objects.create(service=service, weekday=1, opens=time(9), closes=time(12))
    ServiceHours.objects.create(service=service, weekday=3, opens=time(14), closes=time(17))
    return service


def service_form(service, extra_hours):
    rows = [
        {"id": row.pk, "weekday": row.weekday, "opens": f"{row.opens:%H:%M}"}
        | {"closes": f"{row.closes:%H:%M}", "ORDER": index, "DELETE": ""}
        for index, row in enumerate(service.hours.order_by("sort_order", "pk"))
    ]
    initial = len(rows)
    rows += [
        {"id": "", "weekday": weekday, "opens": opens, "closes": closes}
        | {"ORDER": initial + index, "DELETE": ""}
        for index, (weekday, opens, closes) in enumerate(extra_hours)
    ]
    fields = {
        name: getattr(service, name)
        for name in (
            "name slug category description sort_order duration_minutes capacity "
            "buffer_after_minutes min_notice_hours horizon_days"
        ).split()
    }
    return nested_form_data(
        fields
        | {"pharmacy": service.pharmacy_id, "max_per_day": "", "active": "on"}
        | {"use_own_schedule": "on", "hours": inline_formset(rows, initial=initial)}
    )


def hours_of(service):
    return sorted(ServiceHours.objects.filter(service=service).values_list("weekday", "opens"))


@pytest.mark.parametrize(
    ("added", "message"),
    [
        ((1, "11:30", "12:30"), "Cette plage chevauche la plage 9h–12h du même jour."),
        ((3, "14:00", "17:00"), "Cette plage est déjà saisie pour ce jour."),
        ((5, "12:00", "10:00"), REVERSED),
    ],
    ids=["overlap", "duplicate", "reversed"],
)
def test_admin_refuses_a_bad_service_range_on_its_row(admin_client_a, vaccination, added, message):
    url = reverse("rdv_services:edit", args=[vaccination.pk])
    response = admin_client_a.post(url, service_form(vaccination, [added]))
    assert response.status_code == 200
    errors = [form.non_field_errors() for form in response.context["form"].formsets["hours"]]
    assert errors == [[], [], [message]]
    assert escape(message) in response.content.decode()
    assert hours_of(vaccination) == [(1, time(9)), (3, time(14))]


def test_admin_saves_a_range_that_touches_another(admin_client_a, vaccination):
    url = reverse("rdv_services:edit", args=[vaccination.pk])
    response = admin_client_a.post(url, service_form(vaccination, [(1, "12:00", "13:00")]))
    assert response.status_code == 302, response.context["form"].errors
    assert hours_of(vaccination) == [(1, time(9)), (1, time(12)), (3, time(14))]
    assert Service.objects.get(pk=vaccination.pk).own_weekly == {
        1: [(time(9), time(12)), (time(12), time(13))],
        3: [(time(14), time(17))],
    }


def test_migration_keeps_the_slots_of_a_stored_night(pharmacy_a, frozen_now):
    night = make_service(pharmacy_a, slug="garde", duration_minutes=30, use_own_schedule=True)
    ServiceHours.objects.create(service=night, weekday=4, opens=time(22), closes=time(1))
    friday, saturday = date(2026, 3, 13), date(2026, 3, 14)

    def starts():
        service = Service.objects.get(pk=night.pk)
        return [f"{s.start:%a %H:%M}" for s in free_slots(service, friday, saturday)]

    before = starts()
    assert before == ["Fri 22:00", "Fri 22:30", "Fri 23:00", "Fri 23:30", "Sat 00:00", "Sat 00:30"]

    migration = importlib.import_module("rdv.migrations.0004_weekly_hours_within_a_day")
    migration.split_ranges_past_midnight(apps, None)

    assert hours_of(night) == [(4, time(22)), (5, time(0))]
    assert starts() == before
