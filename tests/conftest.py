"""Shared fixtures: two provisioned pharmacies, their staff, and clients bound to their hostnames."""

import os

import pytest
from django.test import Client

from .factories import make_pharmacy, make_staff, make_superuser


def pytest_collection_modifyitems(config, items):
    """Real-service tests run in CI and must fail (not skip) there when a service is missing."""
    for item in items:
        if item.get_closest_marker("services") and os.environ.get("CI") != "true":
            if not os.environ.get("DATABASE_URL", "").startswith("postgres") and not os.environ.get(
                "REDIS_URL"
            ):
                item.add_marker(
                    pytest.mark.skip(reason="needs DATABASE_URL/REDIS_URL (always run in CI)")
                )


@pytest.fixture
def pharmacy_a(db):
    return make_pharmacy("Pharmacie A", "pharmacie-a.test")


@pytest.fixture
def pharmacy_b(db):
    return make_pharmacy("Pharmacie B", "pharmacie-b.test")


@pytest.fixture
def staff_a(pharmacy_a):
    return make_staff(pharmacy_a, "staff-a")


@pytest.fixture
def staff_b(pharmacy_b):
    return make_staff(pharmacy_b, "staff-b")


@pytest.fixture
def superuser(db):
    return make_superuser()


@pytest.fixture
def client_a(pharmacy_a):
    """An anonymous visitor of pharmacy A's site."""
    return Client(HTTP_HOST=pharmacy_a.site.hostname)


@pytest.fixture
def client_b(pharmacy_b):
    return Client(HTTP_HOST=pharmacy_b.site.hostname)


@pytest.fixture
def admin_client_a(staff_a):
    client = Client()
    client.force_login(staff_a)
    return client


@pytest.fixture
def admin_client_b(staff_b):
    client = Client()
    client.force_login(staff_b)
    return client
