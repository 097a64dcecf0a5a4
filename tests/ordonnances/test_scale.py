"""The admin listing on PostgreSQL with 100,000 prescriptions: served from the index, not a scan."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.urls import reverse

from ordonnances.admin_views import scoped_prescriptions

ROWS_A = 100_000
ROWS_B = 20_000


def _bulk_insert(pharmacy, count, prefix):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO ordonnances_prescription
                (pharmacy_id, reference, first_name, last_name, phone, email, comment,
                 notify_by, status, status_note, created_at, updated_at)
            SELECT %s, %s || lpad(i::text, 7, '0'), 'Patient', 'N' || i, '+33612345678', '',
                   '', 'sms',
                   (ARRAY['received','preparing','ready','collected'])[1 + i %% 4], '',
                   now() - (i || ' minutes')::interval, now()
            FROM generate_series(1, %s) AS i
            """,
            [pharmacy.pk, prefix, count],
        )
        cursor.execute("ANALYZE ordonnances_prescription")


@pytest.mark.services
def test_listing_with_100k_rows_uses_the_pharmacy_index(
    require_postgres, pharmacy_a, pharmacy_b, staff_a, admin_client_a
):
    _bulk_insert(pharmacy_a, ROWS_A, "A")
    _bulk_insert(pharmacy_b, ROWS_B, "B")

    page = scoped_prescriptions(staff_a)[:50]
    plan = page.explain()
    assert "ord_pharmacy_created" in plan or "ord_pharmacy_status" in plan, plan
    assert "Seq Scan on ordonnances_prescription" not in plan, plan

    url = reverse("prescriptions:index")
    started = time.perf_counter()
    first = admin_client_a.get(url)
    first_ms = (time.perf_counter() - started) * 1000
    assert first.status_code == 200
    html = first.content.decode()
    assert "A0000001" in html  # the newest first
    assert "B0000001" not in html
    assert "Reçue <strong>25000</strong>" in html

    started = time.perf_counter()
    filtered = admin_client_a.get(url, {"status": "ready", "p": 100})
    filtered_ms = (time.perf_counter() - started) * 1000
    assert filtered.status_code == 200
    print(f"\nlisting page 1: {first_ms:.0f} ms; status filter page 100: {filtered_ms:.0f} ms")
