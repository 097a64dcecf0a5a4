"""The catalogue's product cards are kept in the cache, yet never show an old price or someone
else's selection.

One page of cards is the same HTML for every visitor of a pharmacy's site, except the selection
each card's link and "add" form carry along; a pharmacist who changes a price expects the next
visitor to see it.
"""

import re
from decimal import Decimal
from urllib.parse import urlsplit

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from collect import catalogue
from collect.models import Availability, PharmacyProduct, Product

from .conftest import catalogue_url, code

CARD = re.compile(r'<li class="collect-card">.*?</li>', re.S)


def cards(client, pharmacy, **params) -> dict[str, str]:
    """Each card's HTML by product name, as the visitor reads them."""
    response = client.get(catalogue_url(pharmacy), params)
    assert response.status_code == 200
    found = {}
    for html in CARD.findall(response.content.decode()):
        name = re.search(r"<h3><a [^>]*>([^<]+)</a></h3>", html).group(1)
        found[name] = html
    return found


def test_a_new_price_availability_or_offer_shows_on_the_next_visit(client_a, offers, pharmacy_a):
    before = cards(client_a, pharmacy_a)
    assert "4,90" in before["Dentifrice fraîcheur"] or "4.90" in before["Dentifrice fraîcheur"]
    assert "Ajouter à ma sélection" in before["Dentifrice fraîcheur"]

    toothpaste = offers["a_toothpaste"]
    toothpaste.price = Decimal("3.95")
    toothpaste.save()
    card = cards(client_a, pharmacy_a)["Dentifrice fraîcheur"]
    assert ("3,95" in card or "3.95" in card) and "4,90" not in card and "4.90" not in card

    toothpaste.availability = Availability.UNAVAILABLE
    toothpaste.save()
    card = cards(client_a, pharmacy_a)["Dentifrice fraîcheur"]
    assert "Indisponible" in card and "Ajouter à ma sélection" not in card

    soap = Product.objects.create(code=code(9), name="Savon surgras", brand="Avène")
    PharmacyProduct.objects.create(pharmacy=pharmacy_a, product=soap, price=Decimal("2.50"))
    assert "Savon surgras" in cards(client_a, pharmacy_a)

    # A bulk write sends no signal: it replaces the tokens itself, like every bulk writer.
    PharmacyProduct.objects.filter(pk=toothpaste.pk).update(price=Decimal("5.10"))
    catalogue.bump(pharmacy_a.pk)
    card = cards(client_a, pharmacy_a)["Dentifrice fraîcheur"]
    assert "5,10" in card or "5.10" in card

    # The agency renames a product: every pharmacy's cards follow.
    soap.name = "Pain surgras"
    soap.save()
    shown = cards(client_a, pharmacy_a)
    assert "Pain surgras" in shown and "Savon surgras" not in shown


def test_the_next_visit_reads_no_offer(client_a, offers, pharmacy_a):
    cards(client_a, pharmacy_a)
    with CaptureQueriesContext(connection) as queries:
        shown = cards(client_a, pharmacy_a, p=f"{offers['a_toothpaste'].pk}:1")
    assert set(shown) == {"Crème solaire SPF 50", "Dentifrice fraîcheur", "Shampooing doux"}
    assert not [q for q in queries.captured_queries if "collect_pharmacyproduct" in q["sql"]]


def test_each_visitor_gets_their_own_selection(offers, pharmacy_a):
    toothpaste, sunscreen = offers["a_toothpaste"].pk, offers["a_sunscreen"].pk
    hostname = pharmacy_a.site.hostname
    first, second, third = (Client(HTTP_HOST=hostname) for _ in range(3))
    products = urlsplit(catalogue_url(pharmacy_a)).path + "produit/"

    mine = cards(first, pharmacy_a, p=[f"{toothpaste}:2"])["Crème solaire SPF 50"]
    assert f'href="{products}{sunscreen}/?p={toothpaste}%3A2"' in mine
    assert f'<input type="hidden" name="p" value="{toothpaste}:2">' in mine
    assert f'<input type="hidden" name="p" value="{sunscreen}:1">' in mine

    nobody = cards(second, pharmacy_a)["Crème solaire SPF 50"]
    assert f'href="{products}{sunscreen}/"' in nobody
    assert f'value="{toothpaste}:2"' not in nobody

    theirs = cards(third, pharmacy_a, p=[f"{sunscreen}:1", f"{toothpaste}:3"])
    card = theirs["Dentifrice fraîcheur"]
    assert f"?p={sunscreen}%3A1&amp;p={toothpaste}%3A3" in card
    assert f'value="{toothpaste}:2"' not in card
    assert f'<input type="hidden" name="p" value="{toothpaste}:3">' in card


def test_english_visitors_are_not_given_french_cards(client_a, offers, pharmacy_a):
    french = cards(client_a, pharmacy_a)["Crème solaire SPF 50"]
    assert "Disponible sous 24 h" in french and "Ajouter à ma sélection" in french

    english_client = Client(
        HTTP_HOST=pharmacy_a.site.hostname, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9"
    )
    english = cards(english_client, pharmacy_a)["Crème solaire SPF 50"]
    assert "Available within 24 h" in english and "Add to my selection" in english
    assert "Ajouter à ma sélection" not in english

    again = cards(client_a, pharmacy_a)["Crème solaire SPF 50"]
    assert "Ajouter à ma sélection" in again and "Add to my selection" not in again


def test_each_page_of_results_and_each_search_has_its_own_cards(client_a, offers, pharmacy_a):
    assert set(cards(client_a, pharmacy_a)) == {
        "Crème solaire SPF 50",
        "Dentifrice fraîcheur",
        "Shampooing doux",
    }
    assert set(cards(client_a, pharmacy_a, q="solaire")) == {"Crème solaire SPF 50"}
    assert set(cards(client_a, pharmacy_a, categorie="hygiene")) == {"Dentifrice fraîcheur"}
    assert set(cards(client_a, pharmacy_a, page="2")) == set(cards(client_a, pharmacy_a))
