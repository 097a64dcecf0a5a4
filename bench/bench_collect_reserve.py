"""Click & Collect: a reservation POST's p95 while other patients reserve and browse at once.

Run with ``.venv/bin/python -m bench.bench_collect_reserve`` (a few minutes). Like the upload
under load of ``bench.run_all`` (whose helpers it uses): PostgreSQL with production settings,
gunicorn with 2 workers, real HTTP. It (re)creates its own database (``--database-url``, default
``officine_bench_collect``) and flushes its Redis db (``--redis-url``, default db 13).

Each reservation is what a browser without JavaScript does: GET the reservation page with the
selection in its address (it carries the signed form token), then POST the form; only the POST
is timed. Baseline in the same run: reservations one at a time, nothing else running. Measured:
4 patients reserving at the same moment while 2 others browse the catalogue and search it. Target:
p95 under load < 2 s, no error, every reservation stored once with its lines.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from bench import run_all

HOST = "pharmacie-retrait.bench.test"
PRODUCTS = 2_000
PATIENTS = 4
BROWSERS = 2


def seed():
    """The pharmacy under test with 2,000 offers, through the real provisioning and models."""
    from cms.models import ContentPage
    from collect.codes import with_check_digit
    from collect.models import PharmacyProduct, Product
    from collect.provisioning import PAGE_SLUG
    from pharmacies.tenancy import pharmacy_scope
    from tests.factories import make_pharmacy

    pharmacy = make_pharmacy("Pharmacie du Retrait", HOST)
    Product.objects.bulk_create(
        Product(
            code=with_check_digit(f"3401{i:08d}"),
            name=f"Crème hydratante {i}",
            brand=f"Marque {i % 40}",
            description=f"Soin quotidien numéro {i} pour peaux sensibles.",
        )
        for i in range(1, PRODUCTS + 1)
    )
    with pharmacy_scope(pharmacy):
        PharmacyProduct.objects.bulk_create(
            PharmacyProduct(pharmacy=pharmacy, product=product, price=Decimal("9.90"))
            for product in Product.objects.all()
        )
        offers = list(PharmacyProduct.objects.order_by("pk").values_list("pk", flat=True))
    page = ContentPage.objects.child_of(pharmacy.site.root_page).get(slug=PAGE_SLUG)
    block = next(b.id for b in page.body if b.block_type == "collect_catalogue")
    day = pharmacy_open_day(pharmacy)
    return pharmacy, f"{urlsplit(page.url).path}boutique/{block}/", offers, day


def pharmacy_open_day(pharmacy):
    from django.utils import timezone

    day = timezone.localdate() + timedelta(days=1)
    while pharmacy.schedule.is_closed_day(day):
        day += timedelta(days=1)
    return day


def reserve(session, base_url, offers, day, n):
    """GET the reservation page of a two-product selection, POST it; the POST's seconds."""
    from bench.http_forms import PATIENT, fill, post_forms, rebase

    pairs = [f"{offers[n % len(offers)]}:1", f"{offers[(n * 7 + 3) % len(offers)]}:2"]
    page = session.get(base_url + "reserver/", params={"p": pairs}, timeout=60)
    page.raise_for_status()
    form = next(f for f in post_forms(page.text, page.url) if "form_token" in f.fields)
    data = fill(form, {**PATIENT, "notify_by": "both"})
    data.update(selection=pairs, pickup_date=day.isoformat(), consent="on")
    started = time.perf_counter()
    response = session.post(
        rebase(form.action, base_url), data=data, timeout=60, allow_redirects=False
    )
    elapsed = time.perf_counter() - started
    if response.status_code != 303 or "/reservee/" not in response.headers.get("Location", ""):
        raise RuntimeError(f"reservation not accepted: {response.status_code}")
    return elapsed


def p95(values):
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/officine_bench_collect"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--per-patient", type=int, default=10)
    args = parser.parse_args()
    run_all.configure(args.database_url, args.redis_url)
    run_all.prepare_database(fresh=True)
    run_all.django_setup()
    import requests

    from collect.models import Reservation, ReservationLine
    from pharmacies.tenancy import all_pharmacies

    pharmacy, path, offers, day = seed()
    server = run_all.Gunicorn(run_all.free_port())
    base = f"http://127.0.0.1:{server.port}{path}"
    errors: list[str] = []
    try:

        def session():
            s = requests.Session()
            s.headers["Host"] = HOST
            return s

        alone_session = session()
        reserve(alone_session, base, offers, day, 0)  # warm-up (not counted)
        alone = [
            reserve(alone_session, base, offers, day, n) for n in range(1, args.per_patient * 2)
        ]

        stop = threading.Event()
        browsed: list[float] = []
        loaded: list[float] = []

        def browse():
            s = session()
            queries = ["", "crème", "sensibles", "marque 7"]
            n = 0
            while not stop.is_set():
                started = time.perf_counter()
                r = s.get(base, params={"q": queries[n % 4], "page": n % 5 + 1}, timeout=60)
                if r.status_code != 200:
                    errors.append(f"catalogue answered {r.status_code}")
                browsed.append(time.perf_counter() - started)
                n += 1

        def patient(k):
            s = session()
            for n in range(args.per_patient):
                try:
                    loaded.append(reserve(s, base, offers, day, 1000 + k * 100 + n))
                except Exception as exc:  # noqa: BLE001 - counted and reported, not hidden
                    errors.append(str(exc))

        browsers = [threading.Thread(target=browse, daemon=True) for _ in range(BROWSERS)]
        patients = [threading.Thread(target=patient, args=(k,)) for k in range(PATIENTS)]
        for t in browsers + patients:
            t.start()
        for t in patients:
            t.join()
        stop.set()
        for t in browsers:
            t.join(timeout=60)
        peak, _ = server.memory()
    finally:
        server.stop()

    with all_pharmacies():
        stored = Reservation.objects.filter(pharmacy=pharmacy).count()
        lines = ReservationLine.objects.filter(reservation__pharmacy=pharmacy).count()
    expected = 1 + len(alone) + PATIENTS * args.per_patient
    print(f"database: PostgreSQL; {PRODUCTS} offers; gunicorn 2 workers; {os.cpu_count()} CPUs")
    print(f"{'reservation POST':<52} {'p95':>9} {'median':>9} {'n':>4}")
    print(
        f"{'alone (baseline)':<52} {p95(alone) * 1000:>6.0f} ms "
        f"{statistics.median(alone) * 1000:>6.0f} ms {len(alone):>4}"
    )
    if len(loaded) > 1:
        print(
            f"{f'{PATIENTS} patients at once + {BROWSERS} browsing the catalogue':<52} "
            f"{p95(loaded) * 1000:>6.0f} ms {statistics.median(loaded) * 1000:>6.0f} ms "
            f"{len(loaded):>4}"
        )
        print(f"ratio of the p95s: {p95(loaded) / p95(alone):.2f}x")
    if len(browsed) > 1:
        print(f"catalogue pages meanwhile: {len(browsed)}, p95 {p95(browsed) * 1000:.0f} ms")
    print(f"reservations stored: {stored} of {expected}; lines: {lines} (2 each)")
    print(f"worker peak memory: {peak:.0f} MiB; errors: {len(errors)}")
    for error in errors[:5]:
        print("  ", error)
    ok = (
        not errors
        and len(loaded) == PATIENTS * args.per_patient
        and p95(loaded) < 2
        and stored == expected
        and lines == 2 * expected
    )
    print("target (p95 under load < 2 s, no error, each stored once):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
