"""The "Horaires et fermetures" page: the week on seven lines, dated exceptions, saved in place,
checked like the pharmacy's own form, and only ever the user's own pharmacy."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from pharmacies.models import Closure, OpeningHours

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(autouse=True)
def frozen_now():
    """Past closures leave the page: which ones are past depends on the day."""
    with time_machine.travel(datetime(2026, 11, 2, 10, tzinfo=PARIS), tick=False):
        yield


URL = "/admin/horaires/"


def week_of(pharmacy):
    return sorted(
        (row.weekday, row.opens, row.closes)
        for row in OpeningHours.objects.filter(pharmacy=pharmacy)
    )


def form_data(client):
    response = client.get(URL)
    assert response.status_code == 200
    week = response.context["week"]
    closures = response.context["closures"]
    data = {}
    for name in week.fields:
        value = week.initial.get(name)
        data[name] = value.strftime("%H:%M") if value else ""
    management = closures.management_form
    for name in management.fields:
        data[f"closures-{name}"] = management.initial.get(name, "")
    for form in closures.forms:
        for name in ("id", "start_date", "end_date", "label", "opens", "closes"):
            value = form[name].value()
            if hasattr(value, "strftime"):
                value = value.isoformat() if isinstance(value, date) else value.strftime("%H:%M")
            data[f"{form.prefix}-{name}"] = value if value is not None else ""
    return data


def test_menu_and_page_show_the_week_on_seven_lines(admin_client_a, pharmacy_a):
    home = admin_client_a.get("/admin/").content.decode()
    assert "Horaires et fermetures" in home and reverse("pharmacies_hours") == URL
    html = admin_client_a.get(URL).content.decode()
    for day in ("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"):
        assert f'<th scope="row">{day}</th>' in html
    assert 'value="09:00"' in html and pharmacy_a.name in html


def test_saving_the_week_and_a_sunday_on_duty_in_place(admin_client_a, pharmacy_a):
    data = form_data(admin_client_a)
    data.update(
        {
            "d5_0_opens": "09:00",
            "d5_0_closes": "12:00",
            "d5_1_opens": "",
            "d5_1_closes": "",
            "d6_0_opens": "",
            "d6_0_closes": "",
            "closures-0-start_date": "2026-12-20",
            "closures-0-label": "Dimanche de garde",
            "closures-0-opens": "09:00",
            "closures-0-closes": "13:00",
            "closures-1-start_date": "2026-12-24",
            "closures-1-end_date": "2026-12-26",
            "closures-1-label": "Congés",
        }
    )
    response = admin_client_a.post(URL, data)
    assert response.status_code == 302 and response["Location"] == URL
    saturday = [r for r in week_of(pharmacy_a) if r[0] == 5]
    assert saturday == [(5, time(9), time(12))]
    duty = Closure.objects.get(pharmacy=pharmacy_a, label="Dimanche de garde")
    assert (duty.start_date, duty.opens, duty.closes) == (date(2026, 12, 20), time(9), time(13))
    schedule = pharmacy_a.__class__.objects.get(pk=pharmacy_a.pk).schedule
    assert schedule.exceptions(date(2026, 12, 20), date(2026, 12, 20))[date(2026, 12, 20)] == [
        (time(9), time(13))
    ]
    page = admin_client_a.get(URL).content.decode()
    assert "Horaires et fermetures enregistrés." in page and "Dimanche de garde" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"d0_0_opens": "18:00", "d0_0_closes": "09:00"}, "L'heure de fin doit être après"),
        (
            {
                "d0_0_opens": "09:00",
                "d0_0_closes": "12:30",
                "d0_1_opens": "12:00",
                "d0_1_closes": "14:00",
            },
            "Cette plage chevauche la plage 9h–12h30 du même jour.",
        ),
        (
            {
                "d0_0_opens": "09:00",
                "d0_0_closes": "12:30",
                "d0_1_opens": "09:00",
                "d0_1_closes": "12:30",
            },
            "Cette plage est déjà saisie pour ce jour.",
        ),
        ({"d0_2_opens": "20:00", "d0_2_closes": ""}, "Indiquez l'heure de début et l'heure de fin"),
        (
            {
                "closures-0-start_date": "2026-12-24",
                "closures-0-end_date": "2026-12-26",
                "closures-1-start_date": "2026-12-25",
            },
            "Cette période recouvre une autre fermeture",
        ),
        (
            {"closures-0-start_date": "2026-12-24", "closures-0-end_date": "2026-12-20"},
            "La date de fin précède la date de début.",
        ),
    ],
    ids=["reversed", "overlap", "duplicate", "half-range", "closures-overlap", "closure-reversed"],
)
def test_invalid_hours_are_refused_with_the_reason_and_nothing_saved(
    admin_client_a, pharmacy_a, changes, message
):
    before = week_of(pharmacy_a)
    closures_before = Closure.objects.filter(pharmacy=pharmacy_a).count()
    data = form_data(admin_client_a)
    data.update(changes)
    response = admin_client_a.post(URL, data)
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert "Rien n'a été enregistré" in response.content.decode().replace("&#x27;", "'")
    assert week_of(pharmacy_a) == before
    assert Closure.objects.filter(pharmacy=pharmacy_a).count() == closures_before


def test_past_closures_stay_but_leave_the_page(admin_client_a, pharmacy_a):
    Closure.objects.create(pharmacy=pharmacy_a, start_date=date(2026, 8, 1), label="Été passé")
    Closure.objects.create(pharmacy=pharmacy_a, start_date=date(2026, 11, 11), label="Armistice")
    html = admin_client_a.get(URL).content.decode()
    assert "Armistice" in html and "Été passé" not in html
    assert admin_client_a.post(URL, form_data(admin_client_a)).status_code == 302
    assert Closure.objects.filter(pharmacy=pharmacy_a, label="Été passé").exists()


def test_only_the_users_own_pharmacy(admin_client_a, pharmacy_a, pharmacy_b):
    before_b = week_of(pharmacy_b)
    foreign = admin_client_a.get(URL, {"pharmacie": pharmacy_b.pk})
    assert foreign.status_code == 404
    data = form_data(admin_client_a)
    data["d0_0_opens"], data["d0_0_closes"] = "07:00", "08:00"
    assert admin_client_a.post(f"{URL}?pharmacie={pharmacy_b.pk}", data).status_code == 404
    assert week_of(pharmacy_b) == before_b
    assert pharmacy_b.name not in admin_client_a.get(URL).content.decode()
