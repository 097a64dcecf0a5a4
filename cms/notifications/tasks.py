"""Celery tasks: send one outbox row (with retries), and the periodic relay."""

from celery import shared_task

from . import sending


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


@shared_task(name="notifications.relay_outbox", acks_late=True)
def relay_outbox() -> int:
    return sending.relay()
