"""Free slots of a whole pharmacy through the ORM: time, query count, growth with the window.

Run with ``.venv/bin/python -m bench.bench_rdv`` (DATABASE_URL picks the database, as for the
site; a throwaway test database is created and dropped). One pharmacy, 8 services, 500 existing
bookings; `rdv.availability.pharmacy_slots` is timed for 30, 60 and 120 days.

The baseline, measured in the same run on the same data, is the pure slot engine fed from
memory (schedules and bookings already loaded): the ratio is what reading the database and
building the inputs adds. Targets: well under 50 ms for 60 days, a query count that does not
grow with the window or the number of services (one query for the bookings), linear growth.
"""

from __future__ import annotations

import os
import random
import sys
import timeit
from datetime import datetime, time, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402

from rdv import availability, slots  # noqa: E402
from rdv.models import Booking, Service, ServiceHours  # noqa: E402

NOW_ARGS = (2026, 3, 2, 8, 0)  # a Monday; the windows cross the spring change
WINDOWS = (30, 60, 120)
BOOKINGS = 500
REPEATS = 7
SEED = 20260302
SERVICES = [
    # name, minutes, capacity, buffer, max per day, own schedule
    ("Vaccination antigrippale", 10, 1, 5, None, False),
    ("Vaccination Covid-19", 15, 2, 0, None, False),
    ("TROD angine", 15, 1, 0, None, False),
    ("Test cystite", 15, 1, 0, None, False),
    ("Entretien pharmaceutique", 30, 1, 0, 4, False),
    ("Bilan partagé de médication", 45, 1, 15, 2, False),
    ("Aide au sevrage tabagique", 30, 1, 0, None, False),
    ("Atelier soin de la peau", 60, 6, 0, None, True),
]


def build(now):
    from tests.factories import make_pharmacy

    pharmacy = make_pharmacy("Pharmacie Bench", "bench.test")
    services = []
    for order, (name, minutes, capacity, buffer, per_day, own) in enumerate(SERVICES):
        service = Service.objects.create(
            pharmacy=pharmacy,
            name=name,
            slug=f"s{order}",
            duration_minutes=minutes,
            capacity=capacity,
            buffer_after_minutes=buffer,
            max_per_day=per_day,
            horizon_days=200,
            min_notice_hours=2,
            use_own_schedule=own,
            sort_order=order,
        )
        if own:
            for weekday in (2, 5):
                ServiceHours.objects.create(
                    service=service, weekday=weekday, opens=time(10), closes=time(12)
                )
        services.append(service)
    rng = random.Random(SEED)
    today = now.date()
    candidates = availability.pharmacy_slots(services, today, today + timedelta(days=60), now=now)
    pool = [(sid, slot.start) for sid, found in candidates.items() for slot in found]
    Booking.objects.bulk_create(
        Booking(
            pharmacy=pharmacy,
            service_id=sid,
            start=start,
            end=start + timedelta(minutes=10),
            first_name="Bench",
            last_name=str(n),
            phone="+33612345678",
            # bulk_create skips save(), where a reference is normally given.
            reference=Booking.new_reference(),
        )
        for n, (sid, start) in enumerate(rng.sample(pool, BOOKINGS))
    )
    return pharmacy


def load_services(pharmacy):
    return list(
        Service.objects.filter(pharmacy=pharmacy, active=True)
        .select_related("pharmacy")
        .prefetch_related("hours")
    )


def through_orm(pharmacy, now, days):
    services = load_services(pharmacy)
    today = now.date()
    return availability.pharmacy_slots(services, today, today + timedelta(days=days), now=now)


def preload(pharmacy, now, days):
    """Everything the engine needs, read once outside the timing (the baseline's free lunch)."""
    services = load_services(pharmacy)
    today = now.date()
    last = today + timedelta(days=days)
    inputs = {s.pk: availability.service_inputs(s, today, last) for s in services}
    held = {s.pk: [] for s in services}
    for sid, start in Booking.objects.values_list("service_id", "start"):
        held[sid].append((start, 1))
    return inputs, held


def engine_only(inputs, held, now, days):
    today = now.date()
    return {
        sid: slots.available_slots(
            i.rules,
            i.weekly,
            now=now,
            date_from=today,
            date_to=today + timedelta(days=days),
            closed_dates=i.closed_dates,
            exceptions=i.exceptions,
            bookings=held[sid],
            tz=slots.PARIS,
        )
        for sid, i in inputs.items()
    }


def best(fn):
    return min(timeit.repeat(fn, number=1, repeat=REPEATS)) * 1000


def main() -> int:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        now = datetime(*NOW_ARGS, tzinfo=slots.PARIS)
        pharmacy = build(now)
        print(
            f"database: {connection.vendor}; 1 pharmacy, {len(SERVICES)} services, "
            f"{Booking.objects.count()} bookings"
        )
        print(
            f"{'days':>5} {'orm ms':>8} {'engine ms':>10} {'ratio':>6} {'queries':>8} "
            f"{'booking q':>9} {'slots':>6}"
        )
        results = {}
        for days in WINDOWS:
            with CaptureQueriesContext(connection) as captured:
                found = through_orm(pharmacy, now, days)
            queries = len(captured.captured_queries)
            booking_queries = sum('"rdv_booking"' in q["sql"] for q in captured.captured_queries)
            orm_ms = best(lambda d=days: through_orm(pharmacy, now, d))
            inputs, held = preload(pharmacy, now, days)
            engine_ms = best(lambda d=days, i=inputs, h=held: engine_only(i, h, now, d))
            count = sum(len(v) for v in found.values())
            results[days] = (orm_ms, queries)
            print(
                f"{days:>5} {orm_ms:>8.1f} {engine_ms:>10.1f} {orm_ms / engine_ms:>6.2f} "
                f"{queries:>8} {booking_queries:>9} {count:>6}"
            )
        growth_60 = results[60][0] / results[30][0]
        growth_120 = results[120][0] / results[60][0]
        print(f"growth 30→60 days: x{growth_60:.2f}; 60→120 days: x{growth_120:.2f} (linear ≈ x2)")
        ok = results[60][0] < 50 and len({q for _, q in results.values()}) == 1
        print("target (60 days < 50 ms, constant query count):", "met" if ok else "NOT met")
        return 0 if ok else 1
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    with scopes_disabled():  # the benchmark builds and reads its pharmacy's rows as a shell would
        sys.exit(main())
