"""The pharmacist's dashboard: today's work at a glance, live counts, badges, branding."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from ordonnances.models import Prescription, Status
from rdv import booking as operations
from tests.rdv.conftest import PARIS, make_service

pytestmark = pytest.mark.django_db

# Tuesday 10 March 2026, 10:00 in Paris.
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=PARIS)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def prescription(pharmacy, last_name, *, status=Status.RECEIVED, received=None, **fields):
    made = Prescription.objects.create(
        pharmacy=pharmacy,
        first_name="Patient",
        last_name=last_name,
        phone="+33612345678",
        status=status,
        **fields,
    )
    Prescription.objects.filter(pk=made.pk).update(
        created_at=received or NOW, updated_at=received or NOW
    )
    return made


def book(service, start, last_name):
    made, _ = operations.create_booking(
        service=service, start=start, first_name="Client", last_name=last_name, phone="+33612345678"
    )
    return made


def home(client) -> str:
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def test_prescriptions_to_prepare_oldest_first_with_their_age(
    frozen, pharmacy_a, pharmacy_b, admin_client_a
):
    prescription(pharmacy_a, "Récente", received=NOW - timedelta(minutes=20))
    prescription(pharmacy_a, "Ancienne", received=NOW - timedelta(days=2, hours=1))
    prescription(pharmacy_a, "Hier", status=Status.PREPARING, received=NOW - timedelta(hours=5))
    prescription(pharmacy_b, "Ailleurs")
    html = home(admin_client_a)
    assert "Ordonnances à préparer" in html
    assert html.index("Patient Ancienne") < html.index("Patient Récente")
    assert "2 j" in html and "20 min" in html and "5 h" in html
    assert "Patient Ailleurs" not in html
    assert 'data-officine-count="prescriptions_to_prepare">3<' in html


def test_overdue_collections_are_listed(frozen, pharmacy_a, admin_client_a):
    prescription(pharmacy_a, "Enretard", status=Status.READY, pickup_date=date(2026, 3, 9))
    prescription(pharmacy_a, "Oubliee", status=Status.READY, received=NOW - timedelta(days=9))
    prescription(pharmacy_a, "Atemps", status=Status.READY, pickup_date=date(2026, 3, 11))
    prescription(pharmacy_a, "Retiree", status=Status.COLLECTED, pickup_date=date(2026, 3, 2))
    html = home(admin_client_a)
    late = html[html.index("Retraits en retard") :]
    assert "Patient Enretard" in late and "Patient Oubliee" in late
    assert "Patient Atemps" not in late and "Patient Retiree" not in html
    assert 'data-officine-count="prescriptions_overdue">2<' in html


def test_todays_and_tomorrows_appointments_without_cancelled(
    pharmacy_a, pharmacy_b, admin_client_a
):
    service = make_service(pharmacy_a)
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        book(service, NOW + timedelta(hours=4), "Aujourdhui")
        book(service, NOW + timedelta(days=1, hours=1), "Demain")
        cancelled = book(service, NOW + timedelta(hours=5), "Annule")
        operations.cancel_booking(cancelled, by_patient=False)
        book(make_service(pharmacy_b), NOW + timedelta(hours=4), "Autrepharmacie")
    with time_machine.travel(NOW, tick=False):
        html = home(admin_client_a)
    panel = html[html.index('id="rdv-today-title"') :]
    assert panel.index("Client Aujourdhui") < panel.index("Demain") < panel.index("Client Demain")
    assert "Client Annule" not in html and "Client Autrepharmacie" not in html
    assert 'data-officine-count="bookings_today">1<' in html


def test_counts_poll_is_scoped_and_holds_no_patient_data(
    frozen, pharmacy_a, pharmacy_b, admin_client_a, admin_client_b
):
    prescription(pharmacy_a, "Martin")
    data_a = admin_client_a.get("/admin/tableau-de-bord/compteurs/").json()
    counts_a = {item["name"]: item["count"] for item in data_a["items"]}
    assert counts_a["prescriptions_to_prepare"] == 1
    assert "Martin" not in str(data_a)
    data_b = admin_client_b.get("/admin/tableau-de-bord/compteurs/").json()
    assert {item["name"]: item["count"] for item in data_b["items"]}[
        "prescriptions_to_prepare"
    ] == 0
    assert Client().get("/admin/tableau-de-bord/compteurs/").status_code == 302


def test_a_new_prescription_shows_on_the_next_poll(frozen, pharmacy_a, admin_client_a):
    url = "/admin/tableau-de-bord/compteurs/"
    before = {i["name"]: i for i in admin_client_a.get(url).json()["items"]}
    assert before["prescriptions_to_prepare"]["count"] == 0
    assert before["prescriptions_to_prepare"]["alert"] is True
    prescription(pharmacy_a, "Nouvelle")
    after = {i["name"]: i for i in admin_client_a.get(url).json()["items"]}
    assert after["prescriptions_to_prepare"]["count"] == 1


def test_menu_items_carry_the_counts(
    frozen, pharmacy_a, pharmacy_b, admin_client_a, admin_client_b
):
    prescription(pharmacy_a, "Un")
    prescription(pharmacy_a, "Deux")
    assert "Ordonnances (2)" in home(admin_client_a)
    pages = admin_client_a.get("/admin/pages/", follow=True).content.decode()
    assert "Ordonnances (2)" in pages
    # The menu items are shared by every request: the badge is on a copy, B sees none.
    assert "Ordonnances (" not in home(admin_client_b)


def test_dashboard_is_branded_officine_with_the_pharmacy(pharmacy_a, admin_client_a):
    html = home(admin_client_a)
    assert "Officine — Pharmacie A" in html
    assert 'class="officine-logo"' in html
    assert "Son à l'arrivée d'une ordonnance" in html


def test_pharmacy_without_work_sees_zeroes_not_an_error(pharmacy_b, admin_client_b):
    html = home(admin_client_b)
    assert "Aucun rendez-vous." in html
    assert 'data-officine-count="prescriptions_to_prepare">0<' in html
    assert "Ordonnances (" not in html
