"""Fixtures of the notification tests: a committed-transaction helper and a notified object."""

import contextlib
import socket

import pytest
from django.db import transaction
from kombu import pools as kombu_pools

from notifications import dispatch


@pytest.fixture(autouse=True)
def _fresh_breaker():
    dispatch.reset_breaker()
    yield
    dispatch.reset_breaker()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a block as a committed transaction, executing on-commit callbacks like production."""

    class Committed:
        def __call__(self, func, *args, **kwargs):
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                with transaction.atomic():
                    result = func(*args, **kwargs)
            self.callbacks = callbacks
            return result

    return Committed()


@pytest.fixture
def subject_obj(pharmacy_a):
    """Any saved model instance can be what a message is about; tests use a Site page."""
    return pharmacy_a.site.root_page


@contextlib.contextmanager
def use_broker(url):
    """Publish through a real broker URL (tasks not eager) for the duration of the block."""
    from config.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}

    def reset_pools():
        kombu_pools.reset()
        app._pool = None
        amqp = app.__dict__.get("amqp")
        if amqp is not None:
            amqp._producer_pool = None

    app.conf.update(broker_url=url, task_always_eager=False)
    reset_pools()
    try:
        yield app
    finally:
        reset_pools()
        app.conf.update(saved)
        dispatch.reset_breaker()


@pytest.fixture
def closed_port_broker():
    """A Redis URL on a port where nothing listens: the broker is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with use_broker(f"redis://127.0.0.1:{port}/0") as app:
        yield app


def notify_other(pharmacy):
    """A message of another pharmacy, sent and with its provider's id, to forge reports about."""
    from notifications.api import notify_patient
    from notifications.models import OutboxMessage

    with transaction.atomic():
        [message] = notify_patient(
            pharmacy=pharmacy,
            event="outbox_test",
            obj=pharmacy.site.root_page,
            email="someone-else@example.org",
            channels={"email"},
        )
    OutboxMessage.objects.filter(pk=message.pk).update(
        status="sent", provider_message_id="<other@brevo>"
    )
    message.refresh_from_db()
    return message
