"""The beat job creating due renewal preparations, on PostgreSQL and real Celery workers.

Two workers on one queue take the same job several times at once: each preparation exists
once, and the pharmacy hears about it once. The workers start with an empty tenancy scope, as
in production, so the job also proves it declares its cross-pharmacy scope.

Run with e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/officine_renewals
REDIS_URL=redis://127.0.0.1:6379/7 .venv/bin/pytest tests/ordonnances/test_renewal_worker.py -m services
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from ordonnances import renewals
from ordonnances.models import Dispensing, Prescription
from tests.notifications.conftest import use_broker
from tests.notifications.test_worker_services import Workers, wait_for

pytestmark = pytest.mark.services

TASK = "ordonnances.create_due_dispensings"
SUCCEEDED = re.compile(rf"Task {re.escape(TASK)}\[[^\]]+\] succeeded in [^:]+: (\d+)")


@pytest.fixture
def two_workers(django_db_serialized_rollback, require_postgres, redis_url, tmp_path):
    """Two worker processes consuming the same queue (like two worker machines)."""
    first = Workers(tmp_path / "one", redis_url)
    second = Workers(tmp_path / "two", redis_url)
    second.queue = first.queue
    for pool in (first, second):
        pool.tmp.mkdir()
    from config.celery import app

    saved = first.publish_here(app)
    try:
        yield first, second
    finally:
        for pool in (first, second):
            pool.stop_all()
        app.conf.update(saved)


def _results(pools) -> list[int]:
    found = []
    for pool in pools:
        for process in pool.processes:
            found += [int(n) for n in SUCCEEDED.findall(process.log.read_text(errors="replace"))]
    return found


def test_job_run_many_times_at_once_creates_each_preparation_once(two_workers, pharmacy_a):
    prescription = Prescription.objects.create(
        pharmacy=pharmacy_a,
        first_name="Claire",
        last_name="Renouvelable",
        email="claire@example.org",
        notify_by="email",
        status="collected",
    )
    # Dispensing 1 four weeks ago: dispensing 2 is due today, dispensing 3 in four weeks.
    renewals.set_schedule(
        prescription,
        dispensings_total=3,
        interval_days=28,
        first_date=timezone.localdate() - timedelta(days=28),
    )
    for pool in two_workers:
        pool.start()
    from config.celery import app

    with use_broker(two_workers[0].redis_url):
        for _ in range(6):
            app.send_task(TASK)
        wait_for(lambda: len(_results(two_workers)) == 6, 90, "six runs of the job")
    assert sum(_results(two_workers)) == 1
    [dispensing] = Dispensing.objects.all()
    assert (dispensing.number, dispensing.due_date) == (2, timezone.localdate())
    assert all(pool.processes[0].poll() is None for pool in two_workers)
    wait_for(
        lambda: sum(len(pool.email_files()) for pool in two_workers) == 1,
        60,
        "the pharmacy's email",
    )
    [email] = [f for pool in two_workers for f in pool.email_files()]
    assert "2/3" in email.read_text(errors="replace")
