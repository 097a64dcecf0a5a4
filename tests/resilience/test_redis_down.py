"""Production with one Redis for cache and broker: Redis stops, patients notice nothing.

Pages render, prescriptions and bookings are accepted and saved, their messages wait in the
outbox; Wagtail's site lookup, the rate limiter, the page and fragment caches all carry on without
Redis. When it is back, the relay hands every waiting message to a worker and each is sent once.
"""

from __future__ import annotations

import os
import re
import secrets
import time

import pytest
import requests
from cryptography.fernet import Fernet
from django.conf import settings

from notifications import dispatch
from notifications.models import OutboxMessage
from notifications.tasks import relay
from ordonnances.models import Prescription
from rdv.models import Booking
from tests.notifications.conftest import use_broker
from tests.notifications.test_worker_services import _database_url
from tests.rdv.conftest import make_service

from .http import prepared_bookings, prepared_uploads, send_all
from .servers import BIN, Process, RedisServer, free_port, wait_for

pytestmark = pytest.mark.services

HOST = "pharmacie-a.test"
PATIENTS = 4


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def production_env(require_postgres, redis_server, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.resilience.production_settings",
        DATABASE_URL=_database_url(),
        REDIS_URL=redis_server.url,
        SECRET_KEY=secrets.token_urlsafe(50),
        OFFICINE_FILE_KEYS=Fernet.generate_key().decode(),
        ANYMAIL_WEBHOOK_SECRET="hooks:" + secrets.token_urlsafe(16),
        ALLOWED_HOSTS=".test,127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        OFFICINE_2FA_REQUIRED="0",
        OFFICINE_MIN_FILL_SECONDS="0",
        OFFICINE_VAR_DIR=str(tmp_path / "var"),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path / "emails"),
        SMS_BACKEND="notifications.sms.FileSMSBackend",
        SMS_FILE_PATH=str(tmp_path / "sms"),
        PYTHONPATH=str(settings.BASE_DIR),
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture
def web(production_env, tmp_path):
    """gunicorn as deployed (deploy/gunicorn.conf.py, sync workers), on the production settings."""
    port = free_port()
    env = {**production_env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2"}
    server = Process(
        [BIN / "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"],
        env=env,
        log=tmp_path / "gunicorn.log",
    )
    base = f"http://127.0.0.1:{port}"

    def ready():
        try:
            return requests.get(base + "/", headers={"Host": HOST}, timeout=3).status_code == 200
        except requests.RequestException:
            return not server.alive()

    try:
        wait_for(ready, 60, "gunicorn to answer")
        assert server.alive(), server.output()[-3000:]
        yield base, server
    finally:
        server.stop()


def _get(base, path, **headers):
    started = time.monotonic()
    response = requests.get(base + path, headers={"Host": HOST, **headers}, timeout=30)
    return response, time.monotonic() - started


def _server_errors(server):
    lines = server.output().splitlines()
    return "\n".join(line for line in lines if "Error" in line or '" 500 ' in line)[-4000:]


def test_with_redis_stopped_patients_are_served_and_every_message_goes_out_once_it_is_back(
    pharmacy_a, production_env, redis_server, web, tmp_path, monkeypatch
):
    make_service(pharmacy_a, horizon_days=60, min_notice_hours=0)
    base, server = web
    assert _get(base, "/")[0].status_code == 200
    assert _get(base, "/")[0].headers.get("X-Officine-Cache") == "hit"  # Redis is the cache

    redis_server.stop()

    for path in ("/", "/ordonnance/", "/rendez-vous/", "/mentions-legales/"):
        for _ in range(3):  # every worker process, more than once
            response, seconds = _get(base, path)
            assert response.status_code == 200, (path, _server_errors(server))
            assert seconds < 10, f"{path} took {seconds:.1f}s without Redis"
    uploads = send_all(prepared_uploads(base, HOST, PATIENTS))
    bookings = send_all(prepared_bookings(base, HOST, PATIENTS))
    assert uploads == [303] * PATIENTS, _server_errors(server)
    assert bookings == [303] * PATIENTS, _server_errors(server)
    assert Prescription.objects.count() == PATIENTS and Booking.objects.count() == PATIENTS
    waiting = list(OutboxMessage.objects.values_list("status", flat=True))
    assert waiting and set(waiting) == {"pending"}

    redis_server.start()
    worker = Process(
        [
            BIN / "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-l",
            "info",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env=production_env,
        log=tmp_path / "worker.log",
    )
    try:
        wait_for(lambda: "ready." in worker.output() or not worker.alive(), 60, "the worker")
        monkeypatch.setattr(dispatch, "BROKER_COOLDOWN_SECONDS", 0)
        with use_broker(redis_server.url):
            dispatch.reset_breaker()
            assert relay() == len(waiting)  # the relay's next run after Redis is back
            wait_for(
                lambda: set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"},
                120,
                "every waiting message to be sent",
            )
            time.sleep(2)
            assert relay(pending_after=0, stuck_after=0) == 0
    finally:
        worker.stop()
    sms_keys = [
        line
        for f in (tmp_path / "sms").glob("*.txt")
        for line in f.read_text().splitlines()
        if line.startswith("Key: ")
    ]
    # Django's file backend names a file by second and backend object: two sends in one second may
    # share a file, so the messages are counted by their outbox header, not by file.
    emails = [
        found
        for f in (tmp_path / "emails").glob("*.log")
        for found in re.findall(r"^X-Officine-Message: (\d+)$", f.read_text(errors="replace"), re.M)
    ]
    assert len(emails) == len(set(emails))
    by_channel = {
        channel: OutboxMessage.objects.filter(channel=channel).count()
        for channel in ("sms", "email")
    }
    assert len(sms_keys) == len(set(sms_keys)) == by_channel["sms"]
    assert len(emails) == by_channel["email"]
