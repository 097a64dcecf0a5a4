"""Against the real Redis broker and a real Celery worker process: nothing lost, nothing doubled.

Run with e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/officine_notifications
REDIS_URL=redis://127.0.0.1:6379/7 .venv/bin/pytest tests/notifications -m services
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from notifications import dispatch
from notifications.api import notify_patient
from notifications.models import OutboxMessage
from notifications.tasks import relay
from tests.resilience.servers import RedisServer

from .conftest import use_broker

pytestmark = pytest.mark.services

CELERY = Path(sys.executable).with_name("celery")


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"Timed out after {timeout}s waiting for {what}")


def _database_url():
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def consumed_queues(command: str) -> set[str]:
    """The queues a documented worker command line names after `-Q`."""
    args = command.split()
    return set(args[args.index("-Q") + 1].split(","))


class Workers:
    """Starts real `celery worker` processes on queues of their own and always stops them.

    They are started the documented way (`-Q` with the default queue and every routed queue), with
    each queue's name made unique to the test so no other worker on the same Redis takes its tasks.
    """

    def __init__(self, tmp_path, redis_url):
        self.tmp = tmp_path
        self.redis_url = redis_url
        self.queue = f"outbox-test-{uuid.uuid4().hex[:8]}"
        self.email_dir = tmp_path / "emails"
        self.sms_dir = tmp_path / "sms"
        self.marker_dir = tmp_path / "markers"
        self.processes = []

    def queues(self) -> list[str]:
        """The test's own name for the default queue, then for each queue of CELERY_TASK_ROUTES."""
        routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
        return [self.queue, *(f"{self.queue}-{name}" for name in sorted(routed))]

    def routes(self) -> dict:
        """CELERY_TASK_ROUTES onto this test's queues (as the workers' settings map them)."""
        return {
            task: {**route, "queue": f"{self.queue}-{route['queue']}"}
            for task, route in settings.CELERY_TASK_ROUTES.items()
        }

    def publish_here(self, app):
        """Have `app` publish to these workers' queues; returns the settings to put back."""
        saved = {key: app.conf[key] for key in ("task_default_queue", "task_routes")}
        app.conf.update(task_default_queue=self.queue, task_routes=self.routes())
        return saved

    def start(self, **env_overrides):
        log = self.tmp / f"worker-{len(self.processes)}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": self.redis_url,
            "OUTBOX_TEST_QUEUE": self.queue,
            "OUTBOX_TEST_EMAIL_DIR": str(self.email_dir),
            "OUTBOX_TEST_SMS_DIR": str(self.sms_dir),
            "OUTBOX_TEST_MARKER_DIR": str(self.marker_dir),
            "PYTHONPATH": str(settings.BASE_DIR),
            **env_overrides,
        }
        handle = open(log, "wb")  # noqa: SIM115 - closed in stop()
        process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "-c1",
                "-Q",
                ",".join(self.queues()),
                # One node name for every (re)start in a test, like a worker service restarted.
                f"--hostname={self.queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "info",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process.log, process.handle = log, handle
        self.processes.append(process)
        wait_for(
            lambda: b"ready." in log.read_bytes() or process.poll() is not None,
            60,
            "the worker to start",
        )
        assert process.poll() is None, log.read_text(errors="replace")
        return process

    def kill(self, process):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def stop_all(self):
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(5)
            process.handle.close()

    def sms_files(self):
        return sorted(self.sms_dir.glob("*.txt")) if self.sms_dir.exists() else []

    def email_files(self):
        return sorted(self.email_dir.glob("*.log")) if self.email_dir.exists() else []


@pytest.fixture
def workers(django_db_serialized_rollback, require_postgres, redis_url, tmp_path):
    """Real workers; serialized rollback restores the Wagtail root page flushed by earlier tests."""
    pool = Workers(tmp_path, redis_url)
    from config.celery import app

    saved = pool.publish_here(app)
    try:
        yield pool
    finally:
        pool.stop_all()
        app.conf.update(saved)


def _notify(pharmacy, obj, **kwargs):
    with transaction.atomic():
        return notify_patient(pharmacy=pharmacy, event="outbox_test", obj=obj, **kwargs)


def _statuses():
    return sorted(OutboxMessage.objects.values_list("status", flat=True))


def test_a_message_reaches_the_patient_through_the_worker(workers, pharmacy_a):
    workers.start()
    with use_broker(workers.redis_url):
        _notify(
            pharmacy_a,
            pharmacy_a.site.root_page,
            email="patient@example.org",
            phone="06 12 34 56 78",
            context={"reference": "W-1"},
        )
    wait_for(lambda: _statuses() == ["sent", "sent"], 60, "both messages to be sent")
    [sms_file] = workers.sms_files()
    assert "To: +33612345678" in sms_file.read_text() and "W-1" in sms_file.read_text()
    [email_file] = workers.email_files()
    content = email_file.read_text()
    assert "To: patient@example.org" in content and "Pharmacie A" in content


def test_broker_outage_loses_nothing_and_the_relay_sends_each_once(
    workers, pharmacy_a, monkeypatch
):
    monkeypatch.setattr(dispatch, "BROKER_COOLDOWN_SECONDS", 0)  # every request tries the broker
    page = pharmacy_a.site.root_page
    with socket_closed_port() as dead_url, use_broker(dead_url):
        started = time.monotonic()
        for i in range(100):
            _notify(pharmacy_a, page, phone=f"06 12 34 {i // 100:02d} {i % 100:02d}")
        elapsed = time.monotonic() - started
    assert elapsed < 30, f"100 requests took {elapsed:.1f}s with the broker down"
    assert _statuses() == ["pending"] * 100

    workers.start()
    with use_broker(workers.redis_url):
        assert relay(pending_after=0) == 100
        wait_for(lambda: len(workers.sms_files()) >= 100, 120, "100 SMS files")
        wait_for(lambda: _statuses() == ["sent"] * 100, 30, "all rows sent")
        assert relay(pending_after=0) == 0
    time.sleep(2)
    recipients = sorted(f.read_text().splitlines()[1] for f in workers.sms_files())
    assert len(recipients) == 100 and len(set(recipients)) == 100


def test_worker_killed_mid_send_delivers_exactly_once(workers, pharmacy_a):
    slow = {"OUTBOX_TEST_SMS_BACKEND": "tests.notifications.slow_backends.SlowFileSMSBackend"}
    first = workers.start(**slow, OUTBOX_TEST_SMS_DELAY="60")
    with use_broker(workers.redis_url):
        [message] = _notify(
            pharmacy_a, pharmacy_a.site.root_page, phone="0612345678", channels={"sms"}
        )
        wait_for(
            lambda: workers.marker_dir.exists() and any(workers.marker_dir.iterdir()),
            60,
            "the worker to start sending",
        )
        workers.kill(first)
        message.refresh_from_db()
        assert message.status == "sending" and workers.sms_files() == []

        # No relay, no grace period: the restarted worker takes back what its last run was sending.
        workers.start(**slow, OUTBOX_TEST_SMS_DELAY="0")
        wait_for(lambda: _statuses() == ["sent"], 60, "the message to be sent after the restart")
        time.sleep(3)  # a duplicate would show up now
        assert relay(pending_after=0, stuck_after=0) == 0
    time.sleep(1)
    assert len(workers.sms_files()) == 1


class socket_closed_port:
    """A broker URL on a local port where nothing listens."""

    def __enter__(self):
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        return f"redis://127.0.0.1:{port}/0"

    def __exit__(self, *exc):
        return False


@pytest.fixture
def own_redis(tmp_path):
    """A Redis of this test's own, so it may stop it without harming anybody else."""
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def stack(django_db_serialized_rollback, require_postgres, own_redis, tmp_path):
    pool = Workers(tmp_path, own_redis.url)
    from config.celery import app

    saved = pool.publish_here(app)
    try:
        yield pool
    finally:
        pool.stop_all()
        app.conf.update(saved)


def _terminate_other_connections():
    """What a PostgreSQL restart or failover does to the worker: its connections are cut."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def _markers(pool):
    return len(list(pool.marker_dir.iterdir())) if pool.marker_dir.exists() else 0


def test_broker_outage_killed_worker_and_dropped_connections_lose_nothing_double_nothing(
    stack, own_redis, pharmacy_a, monkeypatch
):
    monkeypatch.setattr(dispatch, "BROKER_COOLDOWN_SECONDS", 0)
    slow = {"OUTBOX_TEST_SMS_BACKEND": "tests.notifications.slow_backends.SlowFileSMSBackend"}
    page = pharmacy_a.site.root_page
    phones = iter(f"06 12 34 {n // 100:02d} {n % 100:02d}" for n in range(100))
    worker = stack.start(**slow, OUTBOX_TEST_SMS_DELAY="1")

    with use_broker(own_redis.url):
        # 1. The broker stops with the worker running; patients go on sending.
        own_redis.stop()
        for _ in range(5):
            _notify(pharmacy_a, page, phone=next(phones), channels={"sms"})
        assert _statuses() == ["pending"] * 5
        own_redis.start()  # empty: what was queued is gone with it
        dispatch.reset_breaker()
        assert relay() == 5  # at the relay's next minute, not after OUTBOX_RELAY_PENDING_AFTER
        wait_for(lambda: _statuses() == ["sent"] * 5, 90, "the relayed messages to be sent")

        # 2. The database cuts the worker's connections while it is sending.
        for n in range(3):
            _notify(pharmacy_a, page, phone=next(phones), channels={"sms"})
            wait_for(lambda n=n: _markers(stack) >= 6 + n, 30, "the worker to start sending")
            assert _terminate_other_connections() >= 1
        wait_for(lambda: _statuses() == ["sent"] * 8, 60, "the cut-off sends to be recorded")

        # 3. The worker is killed mid-send, then restarted.
        stack.kill(worker)
        worker = stack.start(**slow, OUTBOX_TEST_SMS_DELAY="60")
        _notify(pharmacy_a, page, phone=next(phones), channels={"sms"})
        wait_for(lambda: _markers(stack) >= 9, 30, "the worker to start sending")
        stack.kill(worker)
        stack.start(**slow, OUTBOX_TEST_SMS_DELAY="0")
        wait_for(lambda: _statuses() == ["sent"] * 9, 60, "the message within a minute of restart")

        time.sleep(3)  # a duplicate would show up now
        assert relay(pending_after=0, stuck_after=0) == 0
    time.sleep(1)
    recipients = sorted(f.read_text().splitlines()[1] for f in stack.sms_files())
    assert len(recipients) == 9 and len(set(recipients)) == 9  # none lost, none twice
