"""Celery under a backlog: 100,000 due appointment reminders, sent once each by 4 worker processes.

Run with ``.venv/bin/python -m bench.celery_backlog`` (``--reminders`` to change the count). It
(re)creates its own database (``--database-url``, default ``officine_bench_celery``), flushes its
Redis db (``--redis-url``, default db 12), writes 100 pharmacy sites and 100,000 bookings due for
their day-before reminder with bulk SQL (``bench/sites.py``), starts one Celery worker with 4
processes on both queues (``--concurrency=4 -Q celery,bulk``, production settings, the file SMS
backend), and queues the reminder task twice at once (two overlapping beat ticks, as after an
outage): each tick queues one task per batch of due bookings (``OFFICINE_REMINDER_BATCH``), the batches of both ticks lock their rows with
SKIP LOCKED and claim each booking once, on every process, while the sends follow. It waits until
every outbox row is sent and checks: one reminder per booking, one SMS written per outbox row.
Prints the time it took; exit status 0 only if nothing was lost or sent twice.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def prepare(database_url: str, redis_url: str, env: dict) -> None:
    import psycopg
    import redis

    url = urlparse(database_url)
    name = url.path.lstrip("/")
    admin = f"postgresql://{url.username or 'postgres'}@{url.hostname}:{url.port or 5432}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    redis.Redis.from_url(redis_url).flushdb()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )


def seed(reminders: int, pharmacies: int) -> None:
    """Bookings starting within the next 24 h, made two days ago, SMS only: all due now."""
    from django.db import connection

    from bench.sites import bulk_sites

    bulk_sites(pharmacies, [])
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO rdv_service
                (pharmacy_id, name, slug, category, description, duration_minutes, capacity,
                 buffer_after_minutes, min_notice_hours, horizon_days, use_own_schedule, active,
                 sort_order)
            SELECT id, 'Vaccination', 'vaccination', 'vaccination', '', 15, 1000, 0, 2, 30,
                   false, true, 0
            FROM pharmacies_pharmacy
            """
        )
        cursor.execute(
            """
            INSERT INTO rdv_booking
                (pharmacy_id, service_id, start, "end", first_name, last_name, phone, email,
                 comment, notify_by, language, status, reference, secret, booked_by_staff,
                 created_at, updated_at)
            SELECT s.pharmacy_id, s.id,
                   now() + interval '1 hour' + (i %% 1320) * interval '1 minute',
                   now() + interval '1 hour' + (i %% 1320 + 15) * interval '1 minute',
                   'Patient', 'N' || i, '+3361' || lpad(i::text, 7, '0'), '', '', 'sms', 'fr',
                   'booked', 'RDV-' || lpad(i::text, 7, '0'), md5(i::text), false,
                   now() - interval '2 days', now() - interval '2 days'
            FROM generate_series(1, %s) AS i
            JOIN (SELECT id, pharmacy_id, row_number() OVER (ORDER BY id) - 1 AS n
                  FROM rdv_service) AS s ON s.n = i %% %s
            """,
            [reminders, pharmacies],
        )
        cursor.execute("ANALYZE rdv_booking")


def counts() -> dict:
    from django.db.models import Count
    from django_scopes import scopes_disabled

    from notifications.models import OutboxMessage
    from rdv.models import BookingChange

    with scopes_disabled():  # counts over every pharmacy, as a shell would
        by_status = dict(
            OutboxMessage.objects.filter(event="booking_reminder")
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
    reminded = BookingChange.objects.filter(action=BookingChange.Action.REMINDED)
    return {
        "outbox": by_status,
        "reminded": reminded.count(),
        "reminded_twice": reminded.values("booking")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=100_000)
    parser.add_argument("--pharmacies", type=int, default=100)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_CELERY_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/officine_bench_celery"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
    )
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="officine-backlog-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ANYMAIL_WEBHOOK_SECRET": "bench:" + secrets.token_urlsafe(24),
        "OFFICINE_FILE_KEYS": Fernet.generate_key().decode(),
        "SECURE_SSL_REDIRECT": "0",
        "SMS_BACKEND": "notifications.sms.FileSMSBackend",
        "SMS_FILE_PATH": str(tmp / "sent-sms"),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "OFFICINE_VAR_DIR": str(tmp / "var"),
        "CONN_MAX_AGE": "60",
    }
    os.environ.update(env)
    prepare(args.database_url, args.redis_url, env)
    import django

    django.setup()
    started = time.perf_counter()
    seed(args.reminders, args.pharmacies)
    print(f"{args.reminders:,} due bookings written in {time.perf_counter() - started:.0f} s")

    log = open(tmp / "worker.log", "w")
    worker = subprocess.Popen(
        [str(BIN / "celery"), "-A", "config", "worker", "-Q", "celery,bulk", "--loglevel=WARNING",
         f"--concurrency={args.processes}", "--hostname=backlog@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        from config.celery import app

        time.sleep(3)
        started = time.perf_counter()
        for _ in range(2):
            app.send_task("rdv.send_reminders")
        last_report = 0.0
        while True:
            time.sleep(5)
            now = counts()
            sent = now["outbox"].get("sent", 0)
            elapsed = time.perf_counter() - started
            if elapsed - last_report >= 30:
                print(f"  {elapsed:5.0f} s: {now}", flush=True)
                last_report = elapsed
            if sent >= args.reminders or worker.poll() is not None or elapsed > args.timeout:
                break
        took = time.perf_counter() - started
        time.sleep(5)  # anything sent twice would show up now
        final = counts()
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
        log.close()
    written = len(list((tmp / "sent-sms").glob("*.txt")))
    ok = (
        final["reminded"] == args.reminders
        and final["reminded_twice"] == 0
        and final["outbox"].get("sent", 0) == args.reminders
        and written == args.reminders
    )
    print(
        f"{args.reminders:,} reminders with {args.processes} worker processes: {took:.0f} s "
        f"({args.reminders / took:.0f} per second); reminded {final['reminded']:,} bookings "
        f"(twice: {final['reminded_twice']}), outbox {final['outbox']}, SMS written {written:,} "
        f"-> {'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
