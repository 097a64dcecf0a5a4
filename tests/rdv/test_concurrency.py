"""50 patients press "Confirmer" for the same slot at once: PostgreSQL lets exactly `capacity` in."""

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


def race(pharmacy, page, service):
    template = booking_form_data(Client(HTTP_HOST=pharmacy.site.hostname), page, service, SLOT)
    url = book_url(page)
    barrier = threading.Barrier(ATTEMPTS)

    def attempt(n):
        try:
            client = Client(HTTP_HOST=pharmacy.site.hostname)
            data = {**template, "nonce": f"race-{service.pk}-{n}", "first_name": f"Patient{n}"}
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
