"""50 patients press "Confirmer" for the same slot at once: PostgreSQL lets exactly `capacity` in,
and exactly one in when they ask two services that need the same pharmacist."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from django.db import connections
from django.test import Client

from rdv.models import Booking

from .conftest import PARIS, book_url, booking_form_data, make_service

ATTEMPTS = 50
SLOT = datetime(2026, 3, 10, 9, 0, tzinfo=PARIS)


def race(pharmacy, page, *services):
    """Every attempt posts the same start, for the services in turn."""
    client = Client(HTTP_HOST=pharmacy.site.hostname)
    templates = [booking_form_data(client, page, service, SLOT) for service in services]
    url = book_url(page)
    barrier = threading.Barrier(ATTEMPTS)

    def attempt(n):
        try:
            client = Client(HTTP_HOST=pharmacy.site.hostname)
            template = templates[n % len(templates)]
            nonce = f"race-{template['service']}-{n}"
            data = {**template, "nonce": nonce, "first_name": f"Patient{n}"}
            barrier.wait(timeout=30)
            response = client.post(url, data)
            return response.status_code, response.content.decode()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        return list(pool.map(attempt, range(ATTEMPTS)))


@pytest.mark.services
# The flush after a transactional test also drops Wagtail's root page: restore it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("capacity", [1, 3])
def test_last_seats_under_fifty_simultaneous_requests(
    require_postgres, pharmacy_a, frozen_now, capacity
):
    from .conftest import booking_page

    page = booking_page(pharmacy_a)
    service = make_service(pharmacy_a, capacity=capacity, slug=f"race-{capacity}")

    results = race(pharmacy_a, page, service)

    statuses = [status for status, _ in results]
    assert 500 not in statuses
    assert statuses.count(303) == capacity
    losers = [body for status, body in results if status != 303]
    assert len(losers) == ATTEMPTS - capacity
    assert all(status == 200 for status in statuses if status != 303)
    assert all("Ce créneau vient d&#x27;être pris" in body for body in losers)
    assert all('value="2026-03-10T09:10:00+01:00"' in body for body in losers)
    assert Booking.objects.filter(service=service, start=SLOT).count() == capacity


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_services_sharing_one_pharmacist_under_fifty_simultaneous_requests(
    require_postgres, pharmacy_a, frozen_now
):
    from rdv.models import Resource

    from .conftest import booking_page

    page = booking_page(pharmacy_a)
    pharmacist = Resource.objects.create(pharmacy=pharmacy_a, name="Mme Lefèvre")
    vaccination = make_service(pharmacy_a, slug="race-vaccin", resource=pharmacist)
    trod = make_service(
        pharmacy_a, slug="race-trod", name="TROD angine", duration_minutes=15, resource=pharmacist
    )

    results = race(pharmacy_a, page, vaccination, trod)

    statuses = [status for status, _ in results]
    assert 500 not in statuses
    assert statuses.count(303) == 1
    losers = [body for status, body in results if status != 303]
    assert len(losers) == ATTEMPTS - 1 and all(
        status == 200 for status in statuses if status != 303
    )
    assert all("Ce créneau vient d&#x27;être pris" in body for body in losers)
    assert Booking.objects.filter(start=SLOT, service__in=[vaccination, trod]).count() == 1
