"""The agenda as a time grid: a column per pharmacist or room, closed hours shaded, cancelled
bookings out of the way unless asked for, a week without its closed days, the day printable."""

import re
from datetime import date, datetime, time

import pytest
from django.urls import reverse

from rdv import agenda
from rdv import booking as operations
from rdv.models import Resource, ResourceHours

from .conftest import PARIS, make_service

pytestmark = pytest.mark.django_db


def at(day, hour, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=PARIS)


def book(service, start, last_name):
    made, _ = operations.create_booking(
        service=service, start=start, first_name="Jeanne", last_name=last_name, phone="+33612345678"
    )
    return made


@pytest.fixture
def resources(pharmacy_a, frozen_now):
    pharmacist = Resource.objects.create(pharmacy=pharmacy_a, name="Mme Lefèvre", sort_order=1)
    room = Resource.objects.create(
        pharmacy=pharmacy_a, name="Box de vaccination", kind="salle", sort_order=2
    )
    ResourceHours.objects.create(resource=pharmacist, weekday=1, opens=time(9), closes=time(12))
    vaccination = make_service(pharmacy_a, resource=room)
    interview = make_service(
        pharmacy_a, name="Entretien", slug="entretien", duration_minutes=30, resource=pharmacist
    )
    return pharmacist, room, vaccination, interview


def columns(html):
    return re.findall(
        r'class="rdv-grid__column" data-resource="([^"]+)">\s*<div class="rdv-grid__head">([^<]*)<',
        html,
    )


def column_html(html, key):
    start = html.index(f'data-resource="{key}"')
    end = html.find('class="rdv-grid__column"', start + 1)
    return html[start : end if end > 0 else len(html)]


def agenda_page(client, **params):
    response = client.get(reverse("rdv_agenda:agenda"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_day_grid_has_a_column_per_resource_with_its_bookings(admin_client_a, resources):
    pharmacist, room, vaccination, interview = resources
    book(vaccination, at(10, 9), "Vaccin")
    book(interview, at(10, 10), "Entretien")

    html = agenda_page(admin_client_a, jour="2026-03-10")

    titular = pharmacist.pharmacy.pharmacists.get().full_name
    assert [label for _, label in columns(html)] == [titular, "Mme Lefèvre", "Box de vaccination"]
    assert "Jeanne Vaccin" in column_html(html, room.pk)
    assert "Jeanne Vaccin" not in column_html(html, pharmacist.pk)
    assert "Jeanne Entretien" in column_html(html, pharmacist.pk)


def test_closed_hours_are_shaded_per_resource(admin_client_a, resources):
    pharmacist, room, _, _ = resources

    html = agenda_page(admin_client_a, jour="2026-03-10")

    # The grid runs 9h-20h (9:00-19:30 opening); the room is closed over lunch (12:30-14:00)
    # and after 19:30; the pharmacist is there 9h-12h only.
    closed = r'class="rdv-grid__closed" style="--top: (\d+); --height: (\d+)"'
    assert re.findall(closed, column_html(html, room.pk)) == [("210", "90"), ("630", "30")]
    assert re.findall(closed, column_html(html, pharmacist.pk)) == [("180", "480")]


def test_cancelled_bookings_are_hidden_until_asked_for(admin_client_a, resources):
    _, _, vaccination, _ = resources
    cancelled = book(vaccination, at(10, 9), "Annulée")
    operations.cancel_booking(cancelled, by_patient=False)
    book(vaccination, at(10, 9), "Présente")

    hidden = agenda_page(admin_client_a, jour="2026-03-10")
    shown = agenda_page(admin_client_a, jour="2026-03-10", annules="1")

    assert "Jeanne Présente" in hidden and "Jeanne Annulée" not in hidden
    assert "Afficher les rendez-vous annulés" in hidden
    assert "Jeanne Annulée" in shown and "Masquer les rendez-vous annulés" in shown
    assert "rdv-grid__booking rdv-status-cancelled" in shown


def test_week_grid_skips_the_closed_sunday(admin_client_a, resources):
    html = agenda_page(admin_client_a, jour="2026-03-12", vue="semaine")

    heads = re.findall(r'class="rdv-grid__dayhead">([^<]*)<', html)
    assert heads == [
        "lundi 9 mars",
        "mardi 10 mars",
        "mercredi 11 mars",
        "jeudi 12 mars",
        "vendredi 13 mars",
        "samedi 14 mars",
    ]
    assert "Imprimer la semaine" in html


def test_jump_to_a_date_and_print_the_day(admin_client_a, resources):
    _, _, vaccination, _ = resources
    book(vaccination, at(17, 15), "Lointaine")

    html = agenda_page(admin_client_a, jour="2026-03-17")

    assert "Jeanne Lointaine" in html and 'value="2026-03-17"' in html
    assert "Imprimer la journée" in html and "js/rdv-agenda.js" in html
    assert "mardi 17 mars 2026" in html


def test_staff_of_b_see_neither_a_resources_nor_bookings(admin_client_b, resources):
    _, _, vaccination, _ = resources
    book(vaccination, at(10, 9), "Secret")

    html = agenda_page(admin_client_b, jour="2026-03-10")

    assert "Box de vaccination" not in html and "Jeanne Secret" not in html


def test_agency_picks_the_pharmacy_whose_agenda_it_reads(
    superuser, client, resources, pharmacy_a, pharmacy_b
):
    _, _, vaccination, _ = resources
    book(vaccination, at(10, 9), "Agence")
    client.force_login(superuser)

    a = agenda_page(client, jour="2026-03-10", pharmacie=pharmacy_a.pk)
    b = agenda_page(client, jour="2026-03-10", pharmacie=pharmacy_b.pk)

    assert "Jeanne Agence" in a and "Box de vaccination" in a
    assert "Jeanne Agence" not in b and "Box de vaccination" not in b
    assert 'name="pharmacie"' in a


def test_layout_spans_bookings_outside_the_opening_hours():
    day = date(2026, 3, 10)
    start = datetime(2026, 3, 10, 7, 30, tzinfo=PARIS)
    grid = agenda.build_grid(
        [day],
        [("r", "Salle", None)],
        {day: [(time(9), time(12))]},
        [("r", start, datetime(2026, 3, 10, 7, 45, tzinfo=PARIS), "early")],
        PARIS,
    )
    assert (grid.lower, grid.upper) == (7 * 60, 12 * 60)
    [(_, [column])] = grid.days
    assert [(b.top, b.height, b.item) for b in column.bookings] == [(30, 15, "early")]
    assert [(b.top, b.height) for b in column.closed] == [(0, 120)]
    assert grid.hours[0] == (0, "07h") and grid.hours[-1] == (300, "12h")
