"""A backlog of day-before reminders is sent by every worker process, each reminder once.

The quarter-hourly tick queues one task per batch of due bookings; batches lock their rows with
SKIP LOCKED, so overlapping ticks (a beat restarted, a tick late after an outage) and batches
running side by side never remind a patient twice, and a batch that is rolled back loses nothing.
"""

import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from notifications.api import notify_contacts
from notifications.models import OutboxMessage
from pharmacies.tenancy import all_pharmacies
from rdv import booking as operations
from rdv.models import Booking, BookingChange
from rdv.tasks import send_reminders
from tests.notifications.conftest import use_broker
from tests.notifications.test_worker_services import consumed_queues, wait_for
from tests.notifications.test_worker_services import workers as workers  # shared fixture

from .conftest import PARIS, make_service

pytestmark = pytest.mark.django_db

MONDAY_9H30 = datetime(2026, 3, 9, 9, 30, tzinfo=PARIS)


def book(service, count, start, made_at, notify_by="email"):
    """`count` bookings from `start` on, every 10 minutes, made at `made_at`."""
    with time_machine.travel(made_at, tick=True):
        return [
            Booking.objects.create(
                pharmacy=service.pharmacy,
                service=service,
                start=start + timedelta(minutes=10 * n),
                end=start + timedelta(minutes=10 * n + 10),
                first_name="Patient",
                last_name=f"Numéro {n}",
                phone=f"+336120000{n:02d}",
                email=f"patient{n}@example.fr",
                notify_by=notify_by,
            )
            for n in range(count)
        ]


def reminders_per_booking():
    with all_pharmacies():
        return dict(
            BookingChange.objects.filter(action=BookingChange.Action.REMINDED)
            .values_list("booking")
            .annotate(n=Count("pk"))
            .values_list("booking", "n")
        )


@pytest.fixture
def six_due(pharmacy_a):
    """Six bookings on Tuesday morning, made the Friday before: due on Monday at 9:30."""
    service = make_service(pharmacy_a, capacity=6)
    tuesday = datetime(2026, 3, 10, 8, 0, tzinfo=PARIS)
    return book(service, 6, tuesday, datetime(2026, 3, 6, 10, 0, tzinfo=PARIS))


def test_two_ticks_in_batches_remind_each_patient_once(
    six_due, settings, django_capture_on_commit_callbacks
):
    settings.OFFICINE_REMINDER_BATCH = 4
    mail.outbox.clear()
    with time_machine.travel(MONDAY_9H30, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert send_reminders.delay().get() == 2  # batches of 4 and 2
            assert send_reminders.delay().get() == 0
    recipients = sorted(to for message in mail.outbox for to in message.to)
    assert recipients == sorted(f"patient{n}@example.fr" for n in range(6))
    assert all("Rappel" in message.subject for message in mail.outbox)
    assert reminders_per_booking() == {b.pk: 1 for b in six_due}


def test_messages_stored_for_a_batch_at_once_are_stored_and_sent_once(
    six_due, django_capture_on_commit_callbacks
):
    """The batch's outbox rows are written together; writing them again adds and sends nothing."""
    mail.outbox.clear()
    with time_machine.travel(MONDAY_9H30, tick=False), all_pharmacies():
        two = six_due[:2]
        history = [
            BookingChange.objects.create(booking=b, action=BookingChange.Action.REMINDED)
            for b in two
        ]
        items = [
            (b, h, operations.notification_context(b)) for b, h in zip(two, history, strict=True)
        ]
        stored = []
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
                stored.append(notify_contacts("booking_reminder", items))
    assert [len(messages) for messages in stored] == [2, 0]
    assert sorted(to for message in mail.outbox for to in message.to) == [
        "patient0@example.fr",
        "patient1@example.fr",
    ]
    for booking, message in zip(two, sorted(mail.outbox, key=lambda m: m.to), strict=True):
        assert booking.reference in message.body  # each rendered with its own booking


def test_a_booking_not_due_yet_waits_for_its_tick(pharmacy_a, settings):
    service = make_service(pharmacy_a, capacity=2)
    wednesday = datetime(2026, 3, 11, 9, 0, tzinfo=PARIS)
    [later] = book(service, 1, wednesday, datetime(2026, 3, 6, 10, 0, tzinfo=PARIS))
    with time_machine.travel(MONDAY_9H30, tick=False), all_pharmacies():
        assert operations.due_reminder_batches() == []
        assert operations.send_reminders_for([later.pk]) == 0
    with time_machine.travel(wednesday - timedelta(hours=23), tick=False), all_pharmacies():
        assert operations.due_reminder_batches() == [[later.pk]]


@pytest.mark.services
def test_overlapping_batches_skip_each_others_rows_and_send_each_once(six_due, require_postgres):
    """Batch A reminds three bookings and has not committed yet when batch B runs over all six."""
    ids = [b.pk for b in six_due]
    a_holds, b_done, errors = threading.Event(), threading.Event(), []

    def batch_a():
        try:
            with time_machine.travel(MONDAY_9H30, tick=True), all_pharmacies():
                with transaction.atomic():
                    assert operations.send_reminders_for(ids[:3]) == 3
                    a_holds.set()
                    assert b_done.wait(30)
        except Exception as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)
            a_holds.set()
        finally:
            connection.close()

    thread = threading.Thread(target=batch_a)
    thread.start()
    assert a_holds.wait(30)
    with time_machine.travel(MONDAY_9H30 + timedelta(seconds=1), tick=True), all_pharmacies():
        assert operations.send_reminders_for(ids) == 3  # A's rows are locked: skipped, not waited
        b_done.set()
        thread.join(30)
        assert operations.send_due_reminders() == 0
    assert errors == []
    assert reminders_per_booking() == {pk: 1 for pk in ids}
    with all_pharmacies():
        assert Booking.objects.filter(pk__in=ids, reminder_sent_at__isnull=True).count() == 0


@pytest.mark.services
def test_a_batch_rolled_back_is_reminded_at_the_next_tick(six_due, require_postgres):
    ids = [b.pk for b in six_due]
    with time_machine.travel(MONDAY_9H30, tick=True), all_pharmacies():
        with pytest.raises(RuntimeError), transaction.atomic():
            assert operations.send_reminders_for(ids[:2]) == 2
            raise RuntimeError("worker lost mid-batch")
        assert operations.send_due_reminders() == 6
    assert reminders_per_booking() == {pk: 1 for pk in ids}


def test_batches_have_a_queue_of_their_own_that_every_documented_worker_consumes():
    """The sends are not queued behind a backlog's batches, and a worker started as documented
    (Procfile, systemd unit) takes both, so a backlog is not left on a queue nobody reads."""
    from config.celery import app

    def queue_of(task):
        return app.amqp.router.route({}, task)["queue"].name

    assert queue_of("rdv.send_reminder_batch") == "bulk"
    assert queue_of("notifications.send_outbox_message") == "celery"
    assert queue_of("rdv.send_reminders") == "celery"
    deploy = Path(django_settings.BASE_DIR) / "deploy"
    commands = [
        line.split(":", 1)[1]
        for line in (deploy / "Procfile").read_text().splitlines()
        if line.startswith("worker:")
    ] + [
        line.split("=", 1)[1]
        for line in (deploy / "systemd" / "officine-worker.service").read_text().splitlines()
        if line.startswith("ExecStart=")
    ]
    assert len(commands) == 2
    for command in commands:
        assert consumed_queues(command) == {"celery", "bulk"}


@pytest.mark.services
def test_real_workers_send_a_backlog_once_despite_two_ticks(
    workers, pharmacy_a, redis_url, settings
):
    """Two worker processes, the tick queued twice at once: one SMS per booking, none twice.

    The workers consume the default queue and the batches' own queue (`-Q`), as deployed.
    """
    service = make_service(pharmacy_a, capacity=12)
    now = timezone.now()
    start = now.replace(second=0, microsecond=0) + timedelta(hours=3)
    bookings = book(service, 12, start, now - timedelta(days=2), notify_by="sms")
    workers.start(OFFICINE_REMINDER_BATCH="5")
    workers.start(OFFICINE_REMINDER_BATCH="5")
    with use_broker(redis_url):
        send_reminders.delay()
        send_reminders.delay()

    def all_sent():
        with all_pharmacies():
            return OutboxMessage.objects.filter(event="booking_reminder", status="sent").count()

    wait_for(lambda: all_sent() >= 12, 120, "every reminder to be sent")
    assert reminders_per_booking() == {b.pk: 1 for b in bookings}
    assert len(workers.sms_files()) == 12
