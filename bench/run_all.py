"""Every benchmark in one run, on PostgreSQL with production settings (DEBUG off), one table out.

Run with ``.venv/bin/python -m bench.run_all`` (about 15 minutes; ``--quick`` for shorter HTTP
runs; ``--sites 1000,10000`` for the site counts compared with the platform's 3 sites). It
(re)creates the database ``officine_bench`` (``--database-url`` / ``BENCH_DATABASE_URL``), migrates
it, seeds it through the real provisioning code and the real models (thousands of sites with bulk
SQL through the same tables: ``bench/sites.py``), and starts gunicorn for the HTTP figures. Every
row compares against a baseline measured in the same run and says whether it meets its target.
Needs PostgreSQL, Redis (``--redis-url`` / ``BENCH_REDIS_URL``, db 12 by default, flushed) and
``wrk`` (Debian package). Not part of the test suite: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
BIN = Path(sys.executable).parent
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/officine_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
HOST_MAIN = "pharmacie-banc.bench.test"  # the page with every block (forms: never cached)
HOST_PLAIN = "pharmacie-vitrine.bench.test"  # a provisioned home without forms (cacheable)
HOST_AGENCY = "agence.bench.test"  # the default site, whose news every pharmacy shows
WORK = Path(tempfile.mkdtemp(prefix="officine-bench-"))
SERVER_ENV: dict[str, str] = {}


def configure(database_url: str, redis_url: str) -> None:
    """Point this process (and the servers it starts) at the benchmark's database and Redis."""
    global DB_URL, REDIS_URL
    DB_URL, REDIS_URL = database_url, redis_url
    SERVER_ENV.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DATABASE_URL": DB_URL,
            "REDIS_URL": REDIS_URL,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ANYMAIL_WEBHOOK_SECRET": "bench:" + secrets.token_urlsafe(24),
            "OFFICINE_FILE_KEYS": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": ".bench.test,127.0.0.1,localhost,testserver",
            "SECURE_SSL_REDIRECT": "0",
            # The benchmark logs the pharmacist in without a TOTP device and posts at machine speed.
            "OFFICINE_2FA_REQUIRED": "0",
            "OFFICINE_MIN_FILL_SECONDS": "0",
            "OFFICINE_RATE_LIMIT_PER_IP": "1000000/h",
            "OFFICINE_RATE_LIMIT_PER_PHARMACY": "1000000/h",
            "OFFICINE_VAR_DIR": str(WORK / "var"),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "SMS_BACKEND": "notifications.sms.LocmemSMSBackend",
            "CONN_MAX_AGE": "60",
        }
    )
    os.environ.update(SERVER_ENV)
    # The render figures measure rendering: the page cache is switched off in this process only.
    os.environ["OFFICINE_PAGE_CACHE"] = "0"


ROWS: list[tuple] = []  # (benchmark, measured, baseline, ratio text, queries, target, verdict)


def row(name, measured, baseline, ratio, queries, target, ok):
    verdict = "ok" if ok else ("n/a" if ok is None else "MISSED")
    ROWS.append((name, measured, baseline, ratio, queries, target, verdict))
    print(f"  {name}: {measured} vs {baseline} -> {ratio} [{verdict}]", flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


# --------------------------------------------------------------------------- database


def prepare_database(fresh: bool) -> None:
    import psycopg

    url = urlparse(DB_URL)
    name = url.path.lstrip("/")
    admin = f"postgresql://{url.username or 'postgres'}@{url.hostname}:{url.port or 5432}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    started = time.perf_counter()
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, check=True)
    subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, check=True)
    print(f"database migrated and static files collected in {time.perf_counter() - started:.0f} s")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def django_setup():
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # lets the test Client capture templates; DEBUG stays off


# --------------------------------------------------------------------------- seed


def rich_block_values():
    from cms.blocks import body_blocks

    blocks = dict(body_blocks())
    values = {}
    for name in ("prescription_upload", "appointment_booking", "opening_hours", "latest_news"):
        values[name] = blocks[name].get_default()
    return values


def seed_agency():
    """The agency's site (the default one) and its blog, whose posts every pharmacy shows."""
    from wagtail.models import Page, Site

    from blog.demo import ensure_agency_blog
    from cms.models import HomePage

    site = Site.objects.get(is_default_site=True)
    if site.hostname != HOST_AGENCY:
        home = HomePage(title="Officine — le réseau", slug="agence")
        Page.get_first_root_node().add_child(instance=home)
        home.save_revision().publish()
        site.hostname, site.port, site.root_page, site.site_name = HOST_AGENCY, 80, home, "Agence"
        site.save()
    return ensure_agency_blog(site.root_page.specific)


def publish_agency_post(blog, n: int):
    """An agency post, published with the real code (signals, purges), as the agency would."""
    import datetime as dt

    from blog.models import BlogPostPage

    post = BlogPostPage(
        title=f"Campagne de prévention numéro {n}",
        slug=f"campagne-{n}-{secrets.token_hex(3)}",
        date=dt.date(2027, 1, 1) + dt.timedelta(days=n),
        author="L'agence",
        intro="Un conseil de saison pour tout le réseau.",
        body=[("paragraph", "<p>Pensez à votre vaccination.</p>")],
    )
    blog.add_child(instance=post)
    post.save_revision().publish()
    return post


def seed_main():
    """The pharmacy under test: its home holds the upload, booking, hours and news blocks."""
    from pharmacies.models import Pharmacy
    from tests.factories import make_pharmacy, make_staff

    pharmacy = Pharmacy.objects.filter(site__hostname=HOST_MAIN).first()
    if pharmacy is None:
        seed_agency()
        pharmacy = make_pharmacy("Pharmacie du Banc", HOST_MAIN)
        plain = make_pharmacy("Pharmacie Vitrine", HOST_PLAIN)
        make_staff(pharmacy, "pharmacien-banc")
        make_staff(plain, "pharmacien-vitrine")
        home = pharmacy.site.root_page.specific
        values = rich_block_values()
        home.body = [
            ("prescription_upload", values["prescription_upload"]),
            ("appointment_booking", values["appointment_booking"]),
            ("opening_hours", values["opening_hours"]),
            ("latest_news", values["latest_news"]),
        ]
        home.save_revision().publish()
    return pharmacy


def add_services(pharmacy, total):
    from rdv.models import Service

    have = Service.objects.filter(pharmacy=pharmacy).count()
    for n in range(have, total):
        Service.objects.create(
            pharmacy=pharmacy,
            name=f"Vaccination {n}",
            slug=f"vaccination-{n}",
            category="vaccination",
            duration_minutes=15,
        )


def add_posts(pharmacy, total):
    import datetime as dt

    from blog.models import BlogPostPage, NewsIndexPage

    index = NewsIndexPage.objects.descendant_of(pharmacy.site.root_page).first()
    have = BlogPostPage.objects.child_of(index).count()
    for n in range(have, total):
        post = BlogPostPage(
            title=f"Conseil santé numéro {n}",
            slug=f"conseil-{n}",
            date=dt.date(2026, 1, 1) + dt.timedelta(days=n),
            author="La pharmacie",
            intro="Un conseil de saison de votre pharmacien.",
            body=[("paragraph", "<p>Pensez à votre vaccination.</p>")],
        )
        index.add_child(instance=post)
        post.save_revision().publish()


def plain_twin(pharmacy, html: str):
    """A ContentPage with as much plain rich text as the feature page's main content."""
    from cms.models import ContentPage

    main = re.search(r"<main.*?</main>", html, re.S)
    size = len(main.group(0)) if main else len(html)
    sentence = "Votre pharmacie vous accueille et vous conseille tous les jours. "
    paragraphs = [
        ("paragraph", f"<p>{sentence * 8}</p>") for _ in range(max(1, size // (len(sentence) * 8)))
    ]
    home = pharmacy.site.root_page
    page = ContentPage.objects.child_of(home).filter(slug="texte-seul").first()
    if page is None:
        page = ContentPage(title="Texte seul", slug="texte-seul", show_in_menus=False)
        home.add_child(instance=page)
    page.body = paragraphs
    page.save_revision().publish()
    return page


# --------------------------------------------------------------------------- in-process timing


def timed_get(client, url, runs=30):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    count = len(queries)  # now: the next request empties the connection's query log
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - started)
    return statistics.median(times), count, response


def interleaved(client, urls, rounds=40, before=None):
    """Median time of each URL, requests alternating so a shared machine's noise hits all alike.

    `before(url)`, if given, runs untimed before each request (e.g. to empty a cache).
    """
    times = {url: [] for url in urls}
    for url in urls:
        for _ in range(3):
            assert client.get(url).status_code == 200
    for _ in range(rounds):
        for url in urls:
            if before is not None:
                before(url)
            started = time.perf_counter()
            client.get(url)
            times[url].append(time.perf_counter() - started)
    return [statistics.median(times[url]) for url in urls]


def cold_queries(client, url) -> int:
    """Queries of one request with every cached fragment forgotten first."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def bench_render(pharmacy):
    from django.test import Client

    print("1. page render", flush=True)
    client = Client(HTTP_HOST=HOST_MAIN)
    add_services(pharmacy, 2)
    add_posts(pharmacy, 3)
    small, q_small, response = timed_get(client, "/")
    twin = plain_twin(pharmacy, response.content.decode())
    add_services(pharmacy, 20)
    add_posts(pharmacy, 60)
    twin_url = twin.url_path[len(pharmacy.site.root_page.url_path) - 1 :]
    _, q_large, _ = timed_get(client, "/", runs=1)
    _, q_base, _ = timed_get(client, twin_url, runs=1)
    cold_small = cold_queries(client, "/")
    add_services(pharmacy, 40)
    add_posts(pharmacy, 90)
    cold_large = cold_queries(client, "/")
    large, base = interleaved(client, ["/", twin_url])
    ratio = large / base
    row(
        "1 render: home with upload+booking+hours+news / plain rich-text page",
        ms(large),
        ms(base),
        f"{ratio:.2f}x",
        f"{q_small} (2 services, 3 posts) = {q_large} (20, 60); plain {q_base}",
        "<= 1.3x, same queries",
        ratio <= 1.3 and q_small == q_large,
    )
    from django.core.cache import cache

    cold, cold_base = interleaved(client, ["/", twin_url], before=lambda url: cache.clear())
    row(
        "1 render, fragment cache emptied before each request / plain page, same",
        ms(cold),
        ms(cold_base),
        f"{cold / cold_base:.2f}x",
        f"{cold_small} (20 services, 60 posts) = {cold_large} (40, 90); plain {q_base}",
        "for reference: the first visitor after a publish",
        None,
    )
    return large, q_large


def samples(client, url, runs) -> tuple[list[float], list[float]]:
    """(wall, CPU of this process) seconds of `runs` requests, after 3 untimed ones."""
    for _ in range(3):
        assert client.get(url).status_code == 200
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get(url)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return wall, cpu


def bench_sites(pharmacy, counts, rounds=12, per_round=8):
    """The same page with the platform's 3 sites, then with each count of sites, alternately.

    The extra sites (home, news index, Site, Pharmacy) are written with bulk SQL in a transaction
    that is rolled back after each measurement, so both states alternate in one run. The ratio is
    the median of each round's ratio (the two states measured a few seconds apart), which a
    machine whose load changes from one minute to the next does not bias.
    """
    from django.db import transaction
    from django.test import Client
    from wagtail.models import Site

    from bench import sites as bulk

    print("2. site count", flush=True)
    client = Client(HTTP_HOST=HOST_MAIN)
    existing = Site.objects.count()
    body = bulk.body_of(pharmacy.site.root_page)

    class Rollback(Exception):
        pass

    for count in counts:
        few, many, few_cpu, many_cpu, q_few, q_many, seeded, paired = [], [], [], [], 0, 0, [], []
        for _ in range(rounds):
            bulk.forget_caches()
            _, q_few, _ = timed_get(client, "/", runs=1)
            wall, cpu = samples(client, "/", per_round)
            few, few_cpu = few + wall, few_cpu + cpu
            round_few = statistics.median(wall)
            try:
                with transaction.atomic():
                    seeded.append(bulk.bulk_sites(count - existing, body))
                    bulk.forget_caches()
                    total = Site.objects.count()
                    _, q_many, _ = timed_get(client, "/", runs=1)
                    wall, cpu = samples(client, "/", per_round)
                    many, many_cpu = many + wall, many_cpu + cpu
                    paired.append(statistics.median(wall) / round_few)
                    raise Rollback
            except Rollback:
                pass
        bulk.forget_caches()
        baseline, measured = statistics.median(few), statistics.median(many)
        ratio = statistics.median(paired)
        cpu_ratio = statistics.median(many_cpu) / statistics.median(few_cpu)
        row(
            f"2 render with {total:,} sites / with {existing} sites "
            f"(alternating, median of {rounds} rounds' ratios, {per_round} requests each)",
            ms(measured),
            ms(baseline),
            f"{ratio:.2f}x",
            f"{q_many} vs {q_few} queries; CPU {cpu_ratio:.2f}x; {count - existing:,} sites "
            f"written in {statistics.median(seeded):.1f} s",
            "<= 1.05x, same queries",
            ratio <= 1.05 and q_many == q_few,
        )


def seed_sites(pharmacy, total: int) -> list[str]:
    """Commit bulk sites up to `total` for the rest of the run; returns their hostnames."""
    from wagtail.models import Site

    from bench import sites as bulk

    existing = Site.objects.count()
    missing = total - existing
    if missing > 0:
        took = bulk.bulk_sites(missing, bulk.body_of(pharmacy.site.root_page))
        print(f"   {missing:,} sites written and committed in {took:.1f} s", flush=True)
        row(
            f"2 seeding {missing:,} sites (bulk SQL: home, news index, Site, Pharmacy)",
            f"{took:.1f} s",
            "",
            "",
            "",
            "minutes, not hours",
            took < 600,
        )
    bulk.forget_caches()
    rebuild, size = bulk.wagtail_root_paths_cost()
    row(
        f"2 Wagtail's all-sites list at {Site.objects.count():,} sites (no longer read per request)",
        f"rebuilt in {ms(rebuild)}",
        f"{size / 1024:.0f} KiB pickled",
        "",
        "",
        "(for reference)",
        None,
    )
    return list(
        Site.objects.filter(hostname__startswith="site-").values_list("hostname", flat=True)
    )


def bench_provisioning(hosts, rounds=6):
    """At thousands of sites: a request just after provisioning a pharmacy, against a normal one."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from wagtail.models import Site

    from tests.factories import make_pharmacy

    print("2. provisioning at scale", flush=True)
    client = Client()
    rng = random.Random(18)
    normal, after, provisioning, q_normal, q_after = [], [], [], [], []

    def one(host, times, counts):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            assert client.get("/", HTTP_HOST=host).status_code == 200
            times.append(time.perf_counter() - started)
        counts.append(len(queries))

    for n in range(rounds):
        targets = [HOST_MAIN, rng.choice(hosts)]
        for host in targets:
            client.get("/", HTTP_HOST=host)
            one(host, normal, q_normal)
        started = time.perf_counter()
        make_pharmacy(f"Pharmacie Nouvelle {n}", f"nouvelle-{n}-{secrets.token_hex(2)}.bench.test")
        provisioning.append(time.perf_counter() - started)
        for host in targets:
            one(host, after, q_after)
    ratio = statistics.median(after) / statistics.median(normal)
    row(
        f"2 next request after provisioning a pharmacy at {Site.objects.count():,} sites / "
        f"a normal request ({rounds} rounds, 2 sites each)",
        f"{ms(statistics.median(after))} (max {ms(max(after))})",
        ms(statistics.median(normal)),
        f"{ratio:.2f}x",
        f"{max(q_after)} vs {max(q_normal)} queries; provisioning "
        f"{ms(statistics.median(provisioning))}",
        "<= 1.5x",
        ratio <= 1.5,
    )


def http_visit(port: int, host: str) -> tuple[float, str]:
    """One anonymous GET over HTTP, timed until the whole body is read (not the server's close)."""
    import http.client

    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", "/", headers={"Host": host})
        response = conn.getresponse()
        response.read()  # Content-Length bytes: returns before the worker runs its close hooks
        elapsed = time.perf_counter() - started
    finally:
        conn.close()
    assert response.status == 200, host
    return elapsed, response.getheader("X-Officine-Cache") or ""


def bench_publish(hosts, sample=1000, rounds=2):
    """An agency publish at thousands of sites: the first visit to each of 1,000 sites after it.

    Each bulk site's home is the page under test (forms, hours, news). Over HTTP (gunicorn, 2
    workers, as deployed): a warm pass over the sample, a real publish (signals and purges as in
    production), then the first visit to each site, one after the other; the rounds alternate, and
    p99 of the first visits is compared with p99 of the warm visits. Over HTTP because each site's
    news is rendered again after its first visitor's response is sent (`response.close()`), which
    Django's in-process test client would time as part of the request. Query counts in-process.
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    print(f"2. agency publish, first visit to each of {sample:,} sites", flush=True)
    blog = seed_agency()
    hosts = hosts[:sample]
    client = Client()

    def queries(host) -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get("/", HTTP_HOST=host)  # with what the response's close() runs
        return len(captured)

    server = Gunicorn(free_port())
    try:

        def visit_all() -> tuple[list[float], list[str]]:
            visits = [http_visit(server.port, host) for host in hosts]
            return [t for t, _ in visits], [state for _, state in visits]

        visit_all()
        warm, first, q_warm, q_first, stale = [], [], 0, 0, 0
        for n in range(rounds):
            time.sleep(1)  # the warm pass's own refreshes are over
            warm += visit_all()[0]
            q_warm = queries(hosts[0])
            publish_agency_post(blog, n)
            q_first = queries(hosts[-1])
            times, states = visit_all()
            first += times[:-1]
            stale += states[:-1].count("stale")
    finally:
        server.stop()
    p99 = lambda values: statistics.quantiles(values, n=100, method="inclusive")[98]  # noqa: E731
    ratio = p99(first) / p99(warm)
    row(
        f"2 first visit to each of {len(hosts):,} sites after an agency publish / warm visit "
        f"(HTTP, p99, {rounds} rounds)",
        f"p99 {ms(p99(first))} (median {ms(statistics.median(first))})",
        f"p99 {ms(p99(warm))} (median {ms(statistics.median(warm))})",
        f"{ratio:.2f}x",
        f"{stale:,} of {len(first):,} first visits answered stale; {q_first} queries with the "
        f"refresh after the response vs {q_warm}",
        "p99 <= 1.5x",
        ratio <= 1.5,
    )


def bulk_rows(pharmacy_ids: list[int], per_pharmacy: int, tag: str) -> None:
    """Prescriptions and bookings straight in SQL (generate_series): a million rows in seconds."""
    from django.db import connection

    from rdv.models import Service

    with connection.cursor() as cursor:
        for n, pid in enumerate(pharmacy_ids):
            service = Service.objects.filter(pharmacy_id=pid).first() or Service.objects.create(
                pharmacy_id=pid, name="Vaccination", slug="vaccination", category="vaccination"
            )
            cursor.execute(
                """
                INSERT INTO ordonnances_prescription
                    (pharmacy_id, reference, first_name, last_name, phone, email, comment,
                     notify_by, status, status_note, created_at, updated_at)
                SELECT %s, %s || lpad(i::text, 8, '0'), 'Patient', 'N' || i, '+33612345678', '',
                       '', 'sms', (ARRAY['received','preparing','ready','collected'])[1 + i %% 4],
                       '', now() - (i || ' minutes')::interval, now()
                FROM generate_series(1, %s) AS i
                """,
                [pid, f"{tag}{n}", per_pharmacy],
            )
            cursor.execute(
                """
                INSERT INTO rdv_booking
                    (pharmacy_id, service_id, start, "end", first_name, last_name, phone, email,
                     comment, notify_by, status, reference, secret, booked_by_staff,
                     created_at, updated_at)
                SELECT %s, %s, now() + (i || ' minutes')::interval,
                       now() + (i + 15 || ' minutes')::interval, 'Patient', 'N' || i,
                       '+33612345678', '', '', 'sms', 'booked', %s || lpad(i::text, 8, '0'),
                       md5(%s || i::text), false, now(), now()
                FROM generate_series(1, %s) AS i
                """,
                [pid, service.pk, f"{tag}{n}", f"{tag}{n}", per_pharmacy],
            )
        cursor.execute("ANALYZE ordonnances_prescription")
        cursor.execute("ANALYZE rdv_booking")


def bench_listings(pharmacy):
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from pharmacies.models import Pharmacy
    from tests.factories import make_pharmacy

    print("5. admin listings", flush=True)
    staff = get_user_model().objects.get(username="pharmacien-banc")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(staff)
    urls = {
        "prescriptions": reverse("prescriptions:index"),
        "bookings": reverse("rdv_bookings:index"),
    }
    bulk_rows([pharmacy.pk], 1_000, "S")
    small = {k: timed_get(client, u, runs=15) for k, u in urls.items()}
    others = [
        p.pk for p in Pharmacy.objects.exclude(pk=pharmacy.pk).exclude(site__hostname=HOST_PLAIN)
    ]
    while len(others) < 4:
        others.append(
            make_pharmacy(f"Pharmacie Autre {len(others)}", f"autre-{len(others)}.bench.test").pk
        )
    started = time.perf_counter()
    bulk_rows([pharmacy.pk], 99_000, "L")
    bulk_rows(others[:4], 250_000, "O")
    print(
        f"   1,100,000 prescriptions and bookings inserted in {time.perf_counter() - started:.0f} s"
    )
    for key, url in urls.items():
        big, q_big, _ = timed_get(client, url, runs=15)
        base, q_base, _ = small[key]
        ratio = big / base
        row(
            f"5 admin {key} listing, 100k own + 1M others / 1k own",
            ms(big),
            ms(base),
            f"{ratio:.2f}x",
            f"{q_big} vs {q_base}",
            "<= 2x, same queries",
            ratio <= 2 and q_big == q_base,
        )
    return client.cookies[os.environ.get("SESSION_COOKIE_NAME", "sessionid")].value, urls


# --------------------------------------------------------------------------- HTTP


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    def __init__(self, port):
        self.port = port
        env = {**os.environ, **SERVER_ENV, "OFFICINE_PAGE_CACHE": "1"}
        env.update(GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2", GUNICORN_ACCESSLOG="")
        self.log = open(WORK / "gunicorn.log", "w")
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "config.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        import requests

        for _ in range(100):
            try:
                requests.get(f"http://127.0.0.1:{port}/", headers={"Host": HOST_PLAIN}, timeout=2)
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start; see " + self.log.name)

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        return [int(pid) for pid in children.split()]

    def memory(self) -> tuple[float, float]:
        """(peak, current) resident memory of the biggest worker, in MiB."""
        peak = current = 0.0
        for pid in self.workers():
            status = Path(f"/proc/{pid}/status").read_text()
            hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
            rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
            peak, current = max(peak, hwm), max(current, rss)
        return peak, current

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


def wrk(url, host, seconds, extra_headers=()) -> dict:
    cmd = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    cmd += ["-H", f"Host: {host}"]
    for header in extra_headers:
        cmd += ["-H", header]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p):
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "rps": rps,
        "p50": pct(50),
        "p90": pct(90),
        "p99": pct(99),
        "errors": int(non2xx.group(1)) if non2xx else 0,
    }


def latency_text(r) -> str:
    return f"{r['rps']:.0f} req/s (p50 {r['p50']:.1f} / p90 {r['p90']:.1f} / p99 {r['p99']:.1f} ms)"


def merge_runs(runs: list[dict]) -> dict:
    """Median of each figure over the alternating rounds; errors add up."""
    merged = {k: statistics.median(r[k] for r in runs) for k in ("rps", "p50", "p90", "p99")}
    merged["errors"] = sum(r["errors"] for r in runs)
    return merged


def http_targets(server):
    from django.templatetags.static import static

    base = f"http://127.0.0.1:{server.port}"
    return {
        "static": (base + static("css/site.css"), HOST_PLAIN, []),
        "cached": (base + "/", HOST_PLAIN, []),
        # A (meaningless) session cookie makes the cache step aside: the full render per request.
        "uncached": (base + "/", HOST_PLAIN, ["Cookie: sessionid=none"]),
        # The page with the upload and booking forms: never page-cached, its blocks are.
        "forms": (base + "/", HOST_MAIN, []),
    }


def run_alternating(server, seconds, rounds) -> dict[str, dict]:
    """Each target once per round, the order rotating, so no target always runs first."""
    targets = http_targets(server)
    names = list(targets)
    runs = {name: [] for name in names}
    for n in range(rounds):
        for name in names[n % len(names) :] + names[: n % len(names)]:
            url, host, headers = targets[name]
            runs[name].append(wrk(url, host, seconds, headers))
    return {name: merge_runs(results) for name, results in runs.items()}


def bench_http(server, seconds, rounds, sites):
    print(f"3. HTTP throughput (wrk, 2 threads, 32 connections, {rounds} alternating rounds)")
    results = run_alternating(server, seconds, rounds)
    static = results["static"]
    ratio = results["cached"]["rps"] / static["rps"]
    row(
        f"3 HTTP cacheable home (no form block), page cache on / whitenoise static file, "
        f"{sites:,} sites",
        latency_text(results["cached"]),
        latency_text(static),
        f"{ratio:.2f}x",
        f"errors {results['cached']['errors']}",
        ">= 0.5x",
        ratio >= 0.5 and results["cached"]["errors"] == 0,
    )
    for name, label in (
        ("uncached", "same home, page cache bypassed (full render)"),
        ("forms", "home with upload + booking + hours + news forms (never page-cached)"),
    ):
        row(
            f"3 HTTP {label} / static file",
            latency_text(results[name]),
            latency_text(static),
            f"{results[name]['rps'] / static['rps']:.2f}x",
            f"errors {results[name]['errors']}",
            "(for reference)" if name == "uncached" else "0 errors",
            None if name == "uncached" else results[name]["errors"] == 0,
        )
    return results


def memory_row(server, sites: int, baseline: tuple[float, float] | None):
    peak, current = server.memory()
    row(
        f"4 gunicorn worker memory after the HTTP runs, {sites:,} sites (VmHWM / VmRSS)"
        + (f" / the same at {baseline[2]} sites" if baseline else ""),
        f"peak {peak:.0f} MiB, now {current:.0f} MiB",
        f"peak {baseline[0]:.0f} MiB, now {baseline[1]:.0f} MiB" if baseline else "",
        f"{peak / baseline[0]:.2f}x" if baseline else "",
        "",
        "< 400 MiB",
        peak < 400,
    )
    return peak, current


def memory_at_few_sites(seconds) -> tuple[float, float, int]:
    """Worker memory after a short alternating run at the platform's few sites."""
    from wagtail.models import Site

    server = Gunicorn(free_port())
    try:
        run_alternating(server, seconds, 1)
        peak, current = server.memory()
    finally:
        server.stop()
    return peak, current, Site.objects.count()


def bench_submission(server, session_id, listing_urls, submissions):
    import requests

    from tests.ordonnances.filesets import phone_jpeg

    print("4. prescription submission under admin load", flush=True)
    jpeg = phone_jpeg()
    base = f"http://127.0.0.1:{server.port}"
    page_url = f"{base}/"
    stop = threading.Event()
    listing_hits = []

    def admin_load():
        s = requests.Session()
        s.headers["Cookie"] = f"sessionid={session_id}"
        urls = list(listing_urls.values())
        n = 0
        while not stop.is_set():
            started = time.perf_counter()
            r = s.get(base + urls[n % len(urls)], timeout=60, allow_redirects=False)
            if r.status_code != 200:
                raise RuntimeError(f"admin listing answered {r.status_code}")
            listing_hits.append(time.perf_counter() - started)
            n += 1

    def submit_many(count):
        s = requests.Session()
        s.headers["Host"] = HOST_MAIN
        times = []
        for _ in range(count):
            started = time.perf_counter()
            response, _ = submit_prescription_via(s, page_url, jpeg)
            if "envoyee" not in response.url:
                raise RuntimeError(f"submission not accepted: {response.url}")
            times.append(time.perf_counter() - started)
        return times

    quiet = submit_many(max(3, submissions // 2))
    loaders = [threading.Thread(target=admin_load, daemon=True) for _ in range(2)]
    for t in loaders:
        t.start()
    try:
        loaded = submit_many(submissions)
    finally:
        stop.set()
        for t in loaders:
            t.join(timeout=60)
    peak, _ = server.memory()

    def p95(values):
        return statistics.quantiles(values, n=20, method="inclusive")[-1]

    ratio = p95(loaded) / p95(quiet)
    row(
        f"4 upload 12 MP JPEG ({len(jpeg) / 1e6:.1f} MB) end to end, p95 under admin load / alone",
        f"p95 {ms(p95(loaded))} (n={len(loaded)})",
        f"p95 {ms(p95(quiet))} (n={len(quiet)})",
        f"{ratio:.2f}x",
        f"{len(listing_hits)} listings, p95 {ms(p95(listing_hits))}"
        if len(listing_hits) > 1
        else "",
        "p95 < 5 s; worker peak < 400 MiB",
        p95(loaded) < 5 and peak < 400,
    )


def submit_prescription_via(session, page_url, jpeg):
    """Like http_forms.submit_prescription, with the site's Host header on a loopback URL."""
    from bench.http_forms import PATIENT, fill, post_forms

    page = session.get(page_url, timeout=60)
    page.raise_for_status()
    form = next(f for f in post_forms(page.text, page_url) if "files" in f.files)
    data = fill(form, {**PATIENT, "notify_by": "both"})
    response = session.post(
        form.action,
        data=data,
        files=[("files", ("ordonnance.jpg", jpeg, "image/jpeg"))],
        timeout=60,
    )
    return response, response.elapsed.total_seconds()


# --------------------------------------------------------------------------- others' benchmarks

FOLDED = [
    ("bench.bench_files", "files: sanitise + encrypt a 12 MP photo"),
    ("bench.bench_ordonnances", "files: whole stored path of one page"),
    ("bench.bench_slots", "slot engine (pure)"),
    ("bench.bench_rdv", "slots through the ORM"),
    ("bench.bench_news_index", "news index, 1,100 posts"),
]


def fold_in_others(timeout):
    print("6. feature benchmarks", flush=True)
    env = {k: v for k, v in os.environ.items() if k not in SERVER_ENV}
    env.pop("OFFICINE_PAGE_CACHE", None)
    env["DATABASE_URL"] = DB_URL
    outputs = {}
    for module, label in FOLDED:
        if not (ROOT / (module.replace(".", "/") + ".py")).exists():
            continue
        started = time.perf_counter()
        try:
            done = subprocess.run(
                [PY, "-m", module],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            out, code = done.stdout + done.stderr, done.returncode
        except subprocess.TimeoutExpired:
            out, code = "timed out", -1
        took = time.perf_counter() - started
        outputs[module] = out
        lines = [ln.strip() for ln in out.splitlines() if ln.strip()]
        verdicts = [ln for ln in lines if re.search(r"target|OK|MISSED", ln)]
        ratio_lines = [ln for ln in lines if re.search(r"\d\.\d+ ?x|×", ln)]
        summary = (verdicts or ratio_lines or lines or ["(no output)"])[-1][:110]
        row(f"6 {label} ({module})", summary, f"{took:.0f} s run", "", "", "its own", code == 0)
    return outputs


def print_table():
    headers = ("benchmark", "measured", "baseline", "ratio", "queries / notes", "target", "")
    widths = [min(70, max(len(str(r[i])) for r in [headers, *ROWS])) for i in range(7)]
    print()
    print(f"Officine benchmarks — {os.cpu_count()} cores (nproc {nproc()}), PostgreSQL, DEBUG off")
    line = " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line)
    print("-" * len(line))
    for r in ROWS:
        print(" | ".join(str(c)[:w].ljust(w) for c, w in zip(r, widths, strict=True)))


def nproc() -> str:
    return subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()


PHASES = ("render", "sites", "scale", "publish", "listings", "http", "others")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 s wrk runs, fewer uploads")
    parser.add_argument("--keep-db", action="store_true", help="reuse the database as it is")
    parser.add_argument("--skip-others", action="store_true", help="skip the feature benchmarks")
    parser.add_argument(
        "--sites",
        default="1000,10000",
        help="site counts compared with the platform's 3 (comma-separated); the largest stays "
        "for the rest of the run",
    )
    parser.add_argument(
        "--publish-sample", type=int, default=1000, help="sites visited after a publish"
    )
    parser.add_argument(
        "--phases",
        default=",".join(PHASES),
        help=f"what to run, among {', '.join(PHASES)} (e.g. http with --keep-db after a full run)",
    )
    parser.add_argument("--database-url", default=DB_URL, help="dropped and re-created")
    parser.add_argument("--redis-url", default=REDIS_URL, help="flushed")
    args = parser.parse_args()
    configure(args.database_url, args.redis_url)
    phases = set(args.phases.split(",")) - ({"others"} if args.skip_others else set())
    counts = sorted(int(c.replace("_", "")) for c in args.sites.split(",") if c.strip())
    seconds, rounds = (3, 2) if args.quick else (5, 3)
    prepare_database(fresh=not args.keep_db)
    django_setup()
    pharmacy = seed_main()
    if "render" in phases:
        bench_render(pharmacy)
    if "sites" in phases:
        bench_sites(pharmacy, counts)
    few_sites_memory = None
    if "http" in phases and "sites" in phases:
        few_sites_memory = memory_at_few_sites(seconds)
        print(f"   worker memory at 3 sites: peak {few_sites_memory[0]:.0f} MiB", flush=True)
    hosts = seed_sites(pharmacy, counts[-1]) if phases & {"scale", "publish", "http"} else []
    if "scale" in phases:
        bench_provisioning(hosts)
    if "publish" in phases:
        bench_publish(hosts, sample=min(args.publish_sample, len(hosts)))
    session_id, listing_urls = bench_listings(pharmacy) if "listings" in phases else (None, None)
    if "http" in phases:
        server = Gunicorn(free_port())
        try:
            bench_http(server, seconds, rounds, len(hosts) + 3)
            memory_row(server, len(hosts) + 3, few_sites_memory)
            if session_id:
                bench_submission(server, session_id, listing_urls, 6 if args.quick else 12)
        finally:
            server.stop()
    if "others" in phases:
        fold_in_others(timeout=600)
    print_table()
    return 0 if all(r[-1] != "MISSED" for r in ROWS) else 1


if __name__ == "__main__":
    sys.exit(main())
