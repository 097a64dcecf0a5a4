"""Booking fixtures: a known Monday morning, the provisioned booking pages, a flu vaccination."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cms.models import ContentPage
from cms.public_forms import feature_url
from rdv.models import Service

PARIS = ZoneInfo("Europe/Paris")
# Monday 9 March 2026, 8:00 in Paris: the pharmacies open at 9h.
NOW = datetime(2026, 3, 9, 8, 0, tzinfo=PARIS)


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def make_service(pharmacy, **overrides):
    fields = {
        "name": "Vaccination antigrippale",
        "slug": "vaccination-antigrippale",
        "category": "vaccination",
        "duration_minutes": 10,
        "capacity": 1,
        "min_notice_hours": 2,
        "horizon_days": 30,
    }
    fields.update(overrides)
    return Service.objects.create(pharmacy=pharmacy, **fields)


@pytest.fixture
def service_a(pharmacy_a):
    return make_service(pharmacy_a)


@pytest.fixture
def service_b(pharmacy_b):
    return make_service(pharmacy_b)


def booking_page(pharmacy):
    return ContentPage.objects.child_of(pharmacy.site.root_page).get(slug="rendez-vous")


@pytest.fixture
def page_a(pharmacy_a):
    return booking_page(pharmacy_a)


@pytest.fixture
def page_b(pharmacy_b):
    return booking_page(pharmacy_b)


def block_id_of(page):
    return next(b.id for b in page.body if b.block_type == "appointment_booking")


def hidden_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)" name="{name}"', html
    )
    if match is None:
        match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html)
    assert match, f"no hidden field {name} in the page"
    return match.group(1)


def booking_form_data(client, page, service, start, **overrides):
    """What a patient's browser posts after opening the page: real token and nonce."""
    html = client.get(page.url).content.decode()
    data = {
        "block": block_id_of(page),
        "form_token": hidden_value(html, "form_token"),
        "nonce": hidden_value(html, "nonce"),
        "service": str(service.pk),
        "start": start.isoformat(),
        "first_name": "Jeanne",
        "last_name": "Dupont",
        "phone": "06 12 34 56 78",
        "email": "jeanne.dupont@example.fr",
        "comment": "",
        "notify_by": "email",
        "consent": "on",
    }
    data.update(overrides)
    return data


def book_url(page):
    return feature_url(page, "rdv", "book")
