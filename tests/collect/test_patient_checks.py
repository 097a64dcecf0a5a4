"""What the issue promises a patient, checked where it is easy to break unnoticed: no cookie, a
pickup day the pharmacy is really open (closures and public holidays too), each product's
availability on the tracking page, and search on both databases."""

import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from collect import catalogue, services
from collect.models import LineStatus, PharmacyProduct, Product, Reservation, Status
from pharmacies.models import Closure
from tests.rdv.conftest import PARIS

from .conftest import catalogue_url, code
from .test_workflow import reservation_a  # noqa: F401 - fixture


def test_the_selection_and_the_reservation_set_no_cookie(patient_a, offers, pharmacy_a):
    """The selection lives in the address and the browser's localStorage: nothing to consent to."""
    client, base = patient_a.client, patient_a.base
    selection = [f"{offers['a_toothpaste'].pk}:2"]
    responses = [
        client.get(base, {"p": selection}),
        client.get(base, {"q": "solaire"}),
        client.get(f"{base}produit/{offers['a_sunscreen'].pk}/", {"p": selection}),
        client.get(f"{base}reserver/", {"p": selection}),
    ]
    sent = patient_a.send(selection)
    assert sent.status_code == 303
    responses += [sent, client.get(sent["Location"])]
    tracking = services.tracking_url(Reservation.objects.get()).split("://", 1)[1]
    responses.append(client.get("/" + tracking.split("/", 1)[1]))
    for response in responses:
        assert response.status_code in (200, 303)
        assert not response.cookies, (response.request["PATH_INFO"], response.cookies)
    assert not client.cookies


@pytest.fixture
def late_april(time_machine):
    time_machine.move_to(datetime(2026, 4, 28, 9, 0, tzinfo=PARIS), tick=False)


def test_pickup_on_a_public_holiday_or_a_dated_closure_is_refused(
    late_april, patient_a, offers, pharmacy_a
):
    Closure.objects.create(pharmacy=pharmacy_a, start_date=date(2026, 5, 5), label="Inventaire")
    selection = [f"{offers['a_toothpaste'].pk}:1"]
    for closed in ("2026-05-01", "2026-05-05"):  # Fête du Travail (a Friday), the inventory
        refused = patient_a.send(selection, pickup_date=closed)
        assert refused.status_code == 200, closed
        assert "La pharmacie est fermée ce jour-là" in refused.content.decode(), closed
    assert not Reservation.objects.exists()
    assert patient_a.send(selection, pickup_date="2026-05-06").status_code == 303
    assert Reservation.objects.get().pickup_date == date(2026, 5, 6)


def test_tracking_page_shows_each_product_as_the_pharmacist_marked_it(
    reservation_a,  # noqa: F811
    client_a,
):
    toothpaste, sunscreen = reservation_a.lines.order_by("pk")
    services.set_line_status(toothpaste, LineStatus.REPLACED, "Format 50 ml")
    services.set_line_status(sunscreen, LineStatus.UNAVAILABLE)
    services.change_status(reservation_a, Status.READY, note="Crème solaire en rupture")
    tracking = services.tracking_url(reservation_a).split("://", 1)[1]
    html = client_a.get("/" + tracking.split("/", 1)[1]).content.decode()
    rows = html.split("<tbody>")[1].split("</tbody>")[0]
    assert "Remplacé — Format 50 ml" in rows and "Indisponible" in rows
    assert "Crème solaire en rupture" in html and "Prête" in html
    assert "9,80 €" in html or "9.80 €" in html  # the unavailable sunscreen is not to pay
    assert "Annuler ma réservation" not in html  # ready: the patient calls instead


@pytest.fixture
def plain_products(offers, pharmacy_a):
    return catalogue.offers_for(pharmacy_a)


def names(queryset) -> set[str]:
    return {offer.product.name for offer in queryset}


def test_plain_search_of_sqlite_matches_every_word_in_any_case(plain_products):
    """The embedded demo's search (no full text on SQLite), run here whatever the database."""

    def found(query):
        return names(catalogue.search(plain_products, query, full_text=False))

    assert found("SOLAIRE") == {"Crème solaire SPF 50"}
    assert found("avène") == {"Crème solaire SPF 50"}
    assert found("peaux sensibles") == {"Crème solaire SPF 50"}
    assert found("crème dentifrice") == set()  # every word must match
    assert found("doux klorane") == {"Shampooing doux"}
    typed = Product.objects.get(name="Dentifrice fraîcheur").code
    assert found(f"{typed[:4]} {typed[4:8]} {typed[8:]}") == {"Dentifrice fraîcheur"}


@pytest.mark.services
def test_postgresql_search_understands_french_plurals(require_postgres, pharmacy_a, client_a):
    product = Product.objects.create(code=code(41), name="Crème solaire SPF 50", brand="Avène")
    PharmacyProduct.objects.create(pharmacy=pharmacy_a, product=product, price=Decimal("17.50"))
    Product.objects.create(code=code(42), name="Dentifrice", brand="Elgydium")
    html = client_a.get(catalogue_url(pharmacy_a), {"q": "crèmes solaires"}).content.decode()
    assert "Crème solaire SPF 50" in html and "Dentifrice" not in html


def test_admin_reservation_detail_links_to_the_patient_tracking(
    reservation_a,  # noqa: F811
    admin_client_a,
    client_a,
):
    html = admin_client_a.get(reverse("reservations:inspect", args=[reservation_a.pk]))
    link = re.search(
        r'href="http://pharmacie-a\.test(/retrait/suivi/[^"]+)"[^>]*>Page de suivi du patient',
        html.content.decode(),
    )
    tracking = client_a.get(link.group(1))
    assert tracking.status_code == 200 and reservation_a.reference in tracking.content.decode()
