"""Fixtures for Click & Collect: a small catalogue, both pharmacies' offers, a patient's browser."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cms.models import ContentPage
from collect.codes import with_check_digit
from collect.models import Availability, Category, PharmacyProduct, Product
from collect.provisioning import PAGE_SLUG

TOKEN_RE = re.compile(r'name="form_token" value="([^"]+)"')


def code(n: int) -> str:
    return with_check_digit(f"3401{n:08d}")


def catalogue_page_of(pharmacy) -> ContentPage:
    return ContentPage.objects.child_of(pharmacy.site.root_page).get(slug=PAGE_SLUG)


def block_id_of(page) -> str:
    return next(block.id for block in page.body if block.block_type == "collect_catalogue")


def catalogue_url(pharmacy) -> str:
    page = catalogue_page_of(pharmacy)
    return f"{page.url}boutique/{block_id_of(page)}/"


def next_open_day(pharmacy, start=None):
    day = start or timezone.localdate() + timedelta(days=1)
    while pharmacy.schedule.is_closed_day(day):
        day += timedelta(days=1)
    return day


def next_closed_day(pharmacy):
    day = timezone.localdate() + timedelta(days=1)
    while not pharmacy.schedule.is_closed_day(day):
        day += timedelta(days=1)
    return day


@pytest.fixture
def products(db):
    hygiene = Category.objects.create(name="Hygiène", slug="hygiene")
    dental = Category.objects.create(name="Soins bucco-dentaires", slug="dentaire", parent=hygiene)
    sun = Category.objects.create(name="Solaires", slug="solaires")
    return {
        "toothpaste": Product.objects.create(
            code=code(1), name="Dentifrice fraîcheur", brand="Elgydium", category=dental
        ),
        "sunscreen": Product.objects.create(
            code=code(2),
            name="Crème solaire SPF 50",
            brand="Avène",
            category=sun,
            description="Très haute protection pour peaux sensibles.",
        ),
        "shampoo": Product.objects.create(code=code(3), name="Shampooing doux", brand="Klorane"),
    }


@pytest.fixture
def offers(products, pharmacy_a, pharmacy_b):
    """A offers all three (shampoo unavailable); B offers the sunscreen at another price."""
    return {
        "a_toothpaste": PharmacyProduct.objects.create(
            pharmacy=pharmacy_a, product=products["toothpaste"], price=Decimal("4.90")
        ),
        "a_sunscreen": PharmacyProduct.objects.create(
            pharmacy=pharmacy_a,
            product=products["sunscreen"],
            price=Decimal("17.50"),
            availability=Availability.WITHIN_24H,
        ),
        "a_shampoo": PharmacyProduct.objects.create(
            pharmacy=pharmacy_a,
            product=products["shampoo"],
            price=Decimal("6.00"),
            availability=Availability.UNAVAILABLE,
        ),
        "b_sunscreen": PharmacyProduct.objects.create(
            pharmacy=pharmacy_b, product=products["sunscreen"], price=Decimal("19.99")
        ),
    }


def valid_data(pharmacy, **overrides):
    data = {
        "first_name": "Jeanne",
        "last_name": "Martin",
        "phone": "06 12 34 56 78",
        "email": "jeanne.martin@example.fr",
        "pickup_date": next_open_day(pharmacy).isoformat(),
        "comment": "",
        "notify_by": "both",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


class PatientBrowser:
    """A patient on a pharmacy's site: opens the reservation page and sends the form."""

    def __init__(self, client, pharmacy):
        self.client = client
        self.pharmacy = pharmacy
        self.base = catalogue_url(pharmacy)
        self.reserve_url = self.base + "reserver/"

    def open(self, selection):
        response = self.client.get(self.reserve_url, {"p": selection})
        assert response.status_code == 200
        return response.content.decode()

    def send(self, selection, *, headers=None, open_with=None, **overrides):
        """Post `selection`; `open_with`: the selection shown when the form was opened (a
        forged post sends another one)."""
        html = self.open(open_with or selection)
        data = valid_data(self.pharmacy, **overrides)
        data.setdefault("form_token", TOKEN_RE.search(html).group(1))
        data.setdefault("selection", selection)
        return self.client.post(self.reserve_url, data, headers=headers or {})


@pytest.fixture
def patient_a(client_a, pharmacy_a):
    return PatientBrowser(client_a, pharmacy_a)


@pytest.fixture
def patient_b(client_b, pharmacy_b):
    return PatientBrowser(client_b, pharmacy_b)
