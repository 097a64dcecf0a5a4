"""The embedded default under a burst: patients posting at the same moment all get through.

`make demo` runs on SQLite with tasks in-process. SQLite has one writer at a time; without WAL, a
busy timeout and `BEGIN IMMEDIATE`, a transaction that read first and writes second fails at once
with "database is locked" (a 500) instead of waiting its turn. A real threaded server on a SQLite
file, 20 uploads and 20 bookings sent at once: no server error, every one of them stored.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin

import pytest
import requests

from bench.http_forms import PATIENT, fill, links_matching, parse, post_forms, rebase
from tests.ordonnances.filesets import large_jpeg

from .servers import BIN, Process, free_port, manage, port_open, wait_for

HOST = "pharmacie-du-centre.localhost"  # from `manage.py seed_demo`
CONCURRENT = 20


@pytest.fixture
def demo_server(tmp_path):
    """`manage.py runserver` (threaded) on a fresh SQLite file with the demo content."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.pop("REDIS_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.resilience.sqlite_settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        OFFICINE_VAR_DIR=str(tmp_path / "var"),
        OFFICINE_TEST_EMAIL_DIR=str(tmp_path / "emails"),
        OFFICINE_TEST_SMS_DIR=str(tmp_path / "sms"),
        OFFICINE_MIN_FILL_SECONDS="0",
        OFFICINE_RATE_LIMIT_PER_IP="10000/h",
        OFFICINE_RATE_LIMIT_PER_PHARMACY="10000/h",
        PYTHONUNBUFFERED="1",
    )
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    port = free_port()
    server = Process(
        [BIN / "python", "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        log=tmp_path / "runserver.log",
    )
    try:
        wait_for(lambda: port_open(port) or not server.alive(), 60, "runserver to listen")
        assert server.alive(), server.output()
        yield f"http://127.0.0.1:{port}", tmp_path / "db.sqlite3", server
    finally:
        server.stop()


def _session():
    session = requests.Session()
    session.headers["Host"] = HOST
    return session


def _count(db_path, table):
    with sqlite3.connect(db_path, timeout=30) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608


def _send_all(requests_to_send):
    """Every (session, url, kwargs) POSTed at the same instant; the status codes, in order."""
    barrier = threading.Barrier(len(requests_to_send))

    def post(item):
        session, url, kwargs = item
        barrier.wait(timeout=60)
        return session.post(url, allow_redirects=False, timeout=120, **kwargs).status_code

    with ThreadPoolExecutor(max_workers=len(requests_to_send)) as pool:
        return list(pool.map(post, requests_to_send))


def _prepared_uploads(base, count):
    photo = large_jpeg(1200, 900)
    prepared = []
    for n in range(count):
        session = _session()
        page = session.get(base + "/ordonnance/", timeout=30)
        assert page.status_code == 200
        form = next(f for f in post_forms(page.text, base + "/ordonnance/") if "files" in f.files)
        data = fill(form, {**PATIENT, "last_name": f"Martin{n}", "notify_by": "both"})
        files = [("files", ("ordonnance.jpg", photo, "image/jpeg"))]
        prepared.append((session, rebase(form.action, base), {"data": data, "files": files}))
    return prepared


def _free_start_links(base, count):
    """Links to `count` different free slots, walking the booking steps without JavaScript."""
    session = _session()
    page = session.get(base + "/rendez-vous/", timeout=30)
    choose = next(f for f in parse(page.text).forms if f.method == "get" and "service" in f.radios)
    starts = []
    for service in choose.radios["service"]:
        query = "&".join(f"{k}={v}" for k, v in {**choose.fields, "service": service}.items())
        url = rebase(urljoin(page.url, choose.action), base) + "?" + query
        days = session.get(url, timeout=30)
        for day in links_matching(days.text, days.url, r"[?&]jour="):
            slots = session.get(rebase(day, base), timeout=30)
            starts += [
                rebase(s, base) for s in links_matching(slots.text, slots.url, r"[?&]start=")
            ]
            if len(set(starts)) >= count:
                return sorted(set(starts))[:count]
    pytest.fail(f"only {len(set(starts))} free slots in the demo")


def _prepared_bookings(base, count):
    prepared = []
    for n, link in enumerate(_free_start_links(base, count)):
        session = _session()
        page = session.get(link, timeout=30)
        form = next(f for f in post_forms(page.text, link) if "start" in f.fields)
        data = fill(form, {**PATIENT, "last_name": f"Durand{n}", "notify_by": "both"})
        prepared.append((session, rebase(form.action, base), {"data": data}))
    return prepared


def _errors(server):
    lines = server.output().splitlines()
    return "\n".join(line for line in lines if "Error" in line or "locked" in line)[-3000:]


def test_simultaneous_uploads_and_bookings_all_get_through(demo_server):
    base, db_path, server = demo_server

    uploads = _send_all(_prepared_uploads(base, CONCURRENT))
    bookings = _send_all(_prepared_bookings(base, CONCURRENT))

    assert uploads == [303] * CONCURRENT, _errors(server)
    assert bookings == [303] * CONCURRENT, _errors(server)
    assert _count(db_path, "ordonnances_prescription") == CONCURRENT
    assert _count(db_path, "rdv_booking") == CONCURRENT
    # Each one's messages were written and sent in-process too: none stuck, none failed.
    with sqlite3.connect(db_path, timeout=30) as conn:
        statuses = dict(
            conn.execute("SELECT status, count(*) FROM notifications_outboxmessage GROUP BY 1")
        )
    assert set(statuses) == {"sent"}, statuses
    with sqlite3.connect(db_path, timeout=30) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
