"""The relay: a broker outage or a killed worker delays a message but never loses it."""

import logging
import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.db import transaction

from notifications import sms
from notifications.api import notify_patient
from notifications.models import OutboxMessage
from notifications.sending import claim
from notifications.tasks import relay

pytestmark = pytest.mark.django_db


def _notify_without_dispatch(pharmacy, obj, django_capture_on_commit_callbacks, phone):
    """As if the process died right after commit: the on-commit dispatch never happened."""
    with django_capture_on_commit_callbacks(execute=False):
        with transaction.atomic():
            [message] = notify_patient(
                pharmacy=pharmacy, event="outbox_test", obj=obj, phone=phone, channels={"sms"}
            )
    return message


def test_relay_leaves_fresh_rows_to_their_own_task(
    pharmacy_a, subject_obj, django_capture_on_commit_callbacks
):
    _notify_without_dispatch(
        pharmacy_a, subject_obj, django_capture_on_commit_callbacks, "0612345678"
    )
    assert relay() == 0
    assert sms.outbox == []


def test_relay_sends_rows_left_pending(pharmacy_a, subject_obj, django_capture_on_commit_callbacks):
    message = _notify_without_dispatch(
        pharmacy_a, subject_obj, django_capture_on_commit_callbacks, "0612345678"
    )
    assert relay(pending_after=0) == 1
    assert [m.to for m in sms.outbox] == ["+33612345678"]
    message.refresh_from_db()
    assert message.status == "sent"
    assert relay(pending_after=0) == 0
    assert len(sms.outbox) == 1


def test_relay_revives_a_row_whose_worker_died_mid_send(
    pharmacy_a, subject_obj, django_capture_on_commit_callbacks
):
    message = _notify_without_dispatch(
        pharmacy_a, subject_obj, django_capture_on_commit_callbacks, "0612345678"
    )
    assert claim(message.pk) is not None  # the worker took it, then was killed
    assert relay(pending_after=0) == 0  # still within the grace period of a slow send
    assert relay(pending_after=0, stuck_after=0) == 1
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 2
    assert len(sms.outbox) == 1


def test_broker_down_requests_succeed_quickly_and_rows_wait_for_the_relay(
    pharmacy_a, django_capture_on_commit_callbacks, closed_port_broker, caplog
):
    logging.getLogger("officine").addHandler(caplog.handler)
    pages = [pharmacy_a.site.root_page]
    started = time.monotonic()
    for i in range(20):
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                notify_patient(
                    pharmacy=pharmacy_a,
                    event="outbox_test",
                    obj=pages[0],
                    phone=f"06 12 34 56 {i:02d}",
                    channels={"sms"},
                )
    elapsed = time.monotonic() - started
    assert elapsed < 10, f"20 notifications took {elapsed:.1f}s with the broker down"
    assert OutboxMessage.objects.filter(status="pending").count() == 20
    assert sms.outbox == []
    logging.getLogger("officine").removeHandler(caplog.handler)
    assert "Broker unavailable" in caplog.text


def test_after_the_outage_the_relay_sends_each_message_once(
    pharmacy_a, subject_obj, django_capture_on_commit_callbacks, closed_port_broker
):
    for i in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                notify_patient(
                    pharmacy=pharmacy_a,
                    event="outbox_test",
                    obj=subject_obj,
                    phone=f"06 12 34 56 {i:02d}",
                    channels={"sms"},
                )
    assert relay(pending_after=0) == 0  # broker still down: nothing lost, nothing sent
    closed_port_broker.conf.task_always_eager = True  # the broker is back
    from notifications import dispatch

    dispatch.reset_breaker()
    assert relay(pending_after=0) == 5
    assert sorted(m.to for m in sms.outbox) == [f"+336123456{i:02d}" for i in range(5)]
    assert relay(pending_after=0) == 0
    assert len(sms.outbox) == 5
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_the_relay_runs_every_minute_under_celery_beat():
    from config.celery import app

    entry = app.conf.beat_schedule["notifications-relay-outbox"]
    assert entry["task"] == "notifications.relay_outbox"
    assert entry["schedule"] <= 60
    assert entry["task"] in app.tasks


def test_rows_the_broker_refused_go_out_as_soon_as_it_answers_again(
    pharmacy_a, subject_obj, django_capture_on_commit_callbacks, closed_port_broker
):
    """Not `OUTBOX_RELAY_PENDING_AFTER` (5 minutes) later: at the relay's next run."""
    for i in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                notify_patient(
                    pharmacy=pharmacy_a,
                    event="outbox_test",
                    obj=subject_obj,
                    phone=f"06 12 34 56 {i:02d}",
                    channels={"sms"},
                )
    assert relay() == 0 and sms.outbox == []  # still down
    closed_port_broker.conf.task_always_eager = True  # the broker is back
    from notifications import dispatch

    dispatch.reset_breaker()
    assert relay() == 3
    assert len(sms.outbox) == 3
    assert relay(pending_after=0) == 0 and len(sms.outbox) == 3


def test_a_restarted_worker_sends_at_once_what_its_killed_run_was_sending(
    pharmacy_a, subject_obj, django_capture_on_commit_callbacks, time_machine
):
    from types import SimpleNamespace

    from notifications.tasks import LOADED_AT, release_claims_of_the_last_run

    mine = _notify_without_dispatch(
        pharmacy_a, subject_obj, django_capture_on_commit_callbacks, "0612345678"
    )
    other = _notify_without_dispatch(
        pharmacy_a, subject_obj, django_capture_on_commit_callbacks, "0698765432"
    )
    time_machine.move_to(LOADED_AT - timedelta(seconds=30))  # the previous run of the worker
    claim(mine.pk, token="t1", worker="officine@host-1")
    claim(other.pk, token="t2", worker="officine@host-2")  # another machine's worker, alive
    time_machine.move_to(LOADED_AT + timedelta(seconds=5))

    release_claims_of_the_last_run(sender=SimpleNamespace(hostname="officine@host-1"))

    assert [m.to for m in sms.outbox] == ["+33612345678"]
    mine.refresh_from_db()
    other.refresh_from_db()
    assert (mine.status, other.status) == ("sent", "sending")


def test_relay_grace_periods_come_from_the_environment():
    env = {**os.environ, "OUTBOX_RELAY_PENDING_AFTER": "30", "OUTBOX_RELAY_STUCK_AFTER": "90"}
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.OUTBOX_RELAY_PENDING_AFTER, settings.OUTBOX_RELAY_STUCK_AFTER)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.split() == ["30.0", "90.0"], done.stderr
