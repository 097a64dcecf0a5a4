"""Patients on phones type without accents nor capitals: "creme" must find "Crème solaire", on
PostgreSQL's full text (still through its GIN index) and on the plain match of SQLite (issue #17)."""

from decimal import Decimal

import pytest
from django.db import connection, transaction

from collect import catalogue, catalogue_io
from collect.models import PharmacyProduct, Product

from .conftest import catalogue_url, code
from .test_import import csv_bytes

TYPED = ["creme", "CREME", "crème", "Crème", "CRÈME solaire", "creme SOLAIRE spf"]


def names(queryset) -> set[str]:
    return {offer.product.name for offer in queryset}


def offer_all(pharmacy):
    PharmacyProduct.objects.bulk_create(
        PharmacyProduct(pharmacy=pharmacy, product=product, price=Decimal("9.90"))
        for product in Product.objects.exclude(offers__pharmacy=pharmacy)
    )
    catalogue.bump()


@pytest.mark.parametrize("typed", TYPED)
def test_plain_search_ignores_accents_and_case(offers, pharmacy_a, typed):
    """The embedded demo's search (SQLite), run here whatever the database."""
    found = catalogue.search(catalogue.offers_for(pharmacy_a), typed, full_text=False)
    assert names(found) == {"Crème solaire SPF 50"}


def test_plain_search_finds_accented_brands_and_descriptions_typed_plainly(offers, pharmacy_a):
    def found(query):
        return names(catalogue.search(catalogue.offers_for(pharmacy_a), query, full_text=False))

    assert found("AVENE") == {"Crème solaire SPF 50"}
    assert found("tres haute protection") == {"Crème solaire SPF 50"}
    assert found("fraicheur") == {"Dentifrice fraîcheur"}
    assert found("creme fraicheur") == set()  # every word must still match


def test_imported_products_are_found_without_accents(db, pharmacy_a, client_a):
    """The import writes in bulk (no save()): its products are found like the others."""
    report = catalogue_io.import_catalogue(
        csv_bytes(
            f"{code(51)};Crème hydratante visage;La Roche-Posay;Soins > Visage;40 ml;;non",
            f"{code(52)};Eau thermale;Avène;Soins > Visage;300 ml;Apaise les irritations.;non",
        ),
        "catalogue.csv",
        dry_run=False,
    )
    assert report.written and report.created == 2
    offer_all(pharmacy_a)
    offers = catalogue.offers_for(pharmacy_a)
    assert names(catalogue.search(offers, "CREME", full_text=False)) == {"Crème hydratante visage"}
    assert names(catalogue.search(offers, "avene", full_text=False)) == {"Eau thermale"}
    html = client_a.get(catalogue_url(pharmacy_a), {"q": "creme hydratante"}).content.decode()
    assert "Crème hydratante visage" in html and "Eau thermale" not in html


def test_fold_drops_accents_and_case_like_a_phone_keyboard_would():
    assert catalogue.fold("CRÈME Fraîcheur Œil ÉTÉ") == "creme fraicheur œil ete"
    assert catalogue.fold("ﬁltre") == "filtre"  # compatibility forms (pasted ligatures) too


@pytest.mark.services
def test_postgresql_full_text_ignores_accents_and_keeps_plurals(
    require_postgres, pharmacy_a, client_a
):
    sunscreen = Product.objects.create(
        code=code(41), name="Crème solaire SPF 50+", brand="Avène", description="Très résistante."
    )
    Product.objects.create(code=code(42), name="Dentifrice", brand="Elgydium")
    catalogue_io.import_catalogue(
        csv_bytes(f"{code(43)};Crèmes mains réparatrices;Neutrogena;;50 ml;;non"),
        "catalogue.csv",
        dry_run=False,
    )
    offer_all(pharmacy_a)
    offers = catalogue.offers_for(pharmacy_a)
    both = {"Crème solaire SPF 50+", "Crèmes mains réparatrices"}
    for typed in ("creme", "CREME", "crème", "Crème", "crèmes", "CREMES"):
        assert names(catalogue.search(offers, typed, full_text=True)) == both, typed
    assert names(catalogue.search(offers, "creme solaire", full_text=True)) == {sunscreen.name}
    assert names(catalogue.search(offers, "AVENE tres resistantes", full_text=True)) == {
        sunscreen.name
    }
    html = client_a.get(catalogue_url(pharmacy_a), {"q": "CREME SOLAIRE"}).content.decode()
    assert "Crème solaire SPF 50+" in html and "Dentifrice" not in html


@pytest.mark.services
def test_postgresql_search_without_accents_still_reads_the_gin_index(require_postgres, products):
    """The index is built on the very document the search filters on, in the same configuration;
    sequential scans are switched off so that a tiny table still shows whether it can be used."""
    from django.contrib.postgres.search import SearchQuery

    wanted = SearchQuery("creme", config=catalogue.SEARCH_CONFIG, search_type="websearch")
    matching = Product.objects.annotate(document=catalogue.search_document()).filter(
        document=wanted
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = matching.explain()
    assert catalogue.SEARCH_INDEX in plan, plan
    assert [p.name for p in matching] == ["Crème solaire SPF 50"]
