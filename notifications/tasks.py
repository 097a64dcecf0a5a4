"""Celery tasks: send one outbox row (with retries), and the periodic relay; how rows reach them."""

from functools import partial

from celery import shared_task
from celery.signals import worker_ready
from django.db import transaction
from django.utils import timezone

from pharmacies.tenancy import all_pharmacies

from . import dispatch, sending

# When this process loaded its tasks: a worker's claims older than that are from an earlier run.
LOADED_AT = timezone.now()


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
    worker = "" if self.request.is_eager else (self.request.hostname or "")
    with all_pharmacies():  # the row's own pharmacy: the id names one message, whichever it is
        return sending.send(message_id, token=self.request.id or "", worker=worker)


def dispatch_now(message_id: int) -> bool:
    """Publish the send task now; False (row left for the relay) if the broker is down."""
    if dispatch.publish(send_outbox_message, message_id):
        return True
    sending.mark_awaiting_relay([message_id])
    return False


def dispatch_on_commit(message_id: int) -> None:
    """Publish the send task once the business transaction commits (never before, never on rollback)."""
    transaction.on_commit(partial(dispatch_now, message_id))


def relay(pending_after: float | None = None, stuck_after: float | None = None) -> int:
    """Dispatch again what `sending.due_for_relay` finds; stops at the first broker failure."""
    ids = sending.due_for_relay(pending_after, stuck_after)
    dispatched = 0
    for position, pk in enumerate(ids):
        if not dispatch.publish(send_outbox_message, pk):
            sending.mark_awaiting_relay(ids[position:])
            break
        dispatched += 1
    if ids:
        sending.logger.info("Outbox relay dispatched %d of %d due message(s)", dispatched, len(ids))
    return dispatched


@shared_task(name="notifications.relay_outbox", acks_late=True)
def relay_outbox() -> int:
    with all_pharmacies():
        return relay()


@worker_ready.connect(dispatch_uid="officine-outbox-release-claims")
def release_claims_of_the_last_run(sender=None, **kwargs):
    """A restarted worker sends at once what its killed predecessor was sending."""
    name = getattr(sender, "hostname", None)
    with all_pharmacies():
        if name and sending.release_claims(name, before=LOADED_AT):
            relay()
