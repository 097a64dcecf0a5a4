"""The embedded default under a burst: patients posting at the same moment all get through.

`make demo` runs on SQLite with tasks in-process. SQLite has one writer at a time; without WAL, a
busy timeout and `BEGIN IMMEDIATE`, a transaction that read first and writes second fails at once
with "database is locked" (a 500) instead of waiting its turn. A real threaded server on a SQLite
file, 20 uploads and 20 bookings sent at once: no server error, every one of them stored.
"""

from __future__ import annotations

import os
import sqlite3

import pytest

from .http import prepared_bookings, prepared_uploads, send_all
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


def _count(db_path, table):
    with sqlite3.connect(db_path, timeout=30) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608


def _errors(server):
    lines = server.output().splitlines()
    return "\n".join(line for line in lines if "Error" in line or "locked" in line)[-3000:]


def test_simultaneous_uploads_and_bookings_all_get_through(demo_server):
    base, db_path, server = demo_server
    seeded = {t: _count(db_path, t) for t in ("ordonnances_prescription", "rdv_booking")}

    uploads = send_all(prepared_uploads(base, HOST, CONCURRENT))
    bookings = send_all(prepared_bookings(base, HOST, CONCURRENT))

    assert uploads == [303] * CONCURRENT, _errors(server)
    assert bookings == [303] * CONCURRENT, _errors(server)
    for table, before in seeded.items():  # the demo seeds a few of its own
        assert _count(db_path, table) == before + CONCURRENT
    # Each one's messages were written and sent in-process too: none stuck, none failed.
    with sqlite3.connect(db_path, timeout=30) as conn:
        statuses = dict(
            conn.execute("SELECT status, count(*) FROM notifications_outboxmessage GROUP BY 1")
        )
    assert set(statuses) == {"sent"}, statuses
    with sqlite3.connect(db_path, timeout=30) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
