"""Celery tasks: send one outbox row (with retries), and the periodic relay; how rows reach them."""

from functools import partial

from celery import shared_task
from django.db import transaction

from . import dispatch, sending


@shared_task(
    bind=True,
    name="notifications.send_outbox_message",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(sending.RetryableSendError,),
    retry_backoff=15,
    retry_backoff_max=240,
    retry_jitter=True,
    max_retries=sending.MAX_RETRIES,
)
def send_outbox_message(self, message_id: int) -> str:
    return sending.send(message_id)


def dispatch_now(message_id: int) -> bool:
    """Publish the send task now; False (row left pending for the relay) if the broker is down."""
    return dispatch.publish(send_outbox_message, message_id)


def dispatch_on_commit(message_id: int) -> None:
    """Publish the send task once the business transaction commits (never before, never on rollback)."""
    transaction.on_commit(partial(dispatch_now, message_id))


def relay(pending_after: float | None = None, stuck_after: float | None = None) -> int:
    """Dispatch again what `sending.due_for_relay` finds; stops at the first broker failure."""
    ids = sending.due_for_relay(pending_after, stuck_after)
    dispatched = 0
    for pk in ids:
        if not dispatch_now(pk):
            break
        dispatched += 1
    if ids:
        sending.logger.info("Outbox relay dispatched %d of %d due message(s)", dispatched, len(ids))
    return dispatched


@shared_task(name="notifications.relay_outbox", acks_late=True)
def relay_outbox() -> int:
    return relay()
