"""Sending one outbox row, exactly once, and relaying rows that were left behind.

A row is claimed (pending → sending) in its own short transaction before anything leaves the
building, so a replayed task, a duplicate dispatch and the relay never send the same row twice.
What the provider answers is written on the row first thing, on a fresh database connection if the
old one dropped meanwhile, so a message the provider accepted is never taken for unsent.

A claim whose holder is gone is taken back: by the same Celery task when the broker redelivers it
(its worker process was killed), by the worker's next start (`release_claims`), or by the relay
after `OUTBOX_RELAY_STUCK_AFTER`. An attempt after the first asks the provider whether an earlier
one went through (`already_accepted`), and every attempt carries the row's idempotency key where
the provider honours one (Brevo email), so an attempt whose answer was lost is not sent twice.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import time
from datetime import timedelta
from email.utils import formataddr, parseaddr

import requests
from anymail.exceptions import (
    AnymailError,
    AnymailInvalidAddress,
    AnymailRecipientsRefused,
    AnymailRequestsAPIError,
)
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.db.models import F, Q
from django.utils import timezone

from .models import Channel, OutboxMessage, Status
from .sms import SMSMessage, SMSProviderError, get_sms_backend

logger = logging.getLogger("officine.notifications")

MAX_RETRIES = 6
MAX_ATTEMPTS = MAX_RETRIES + 1
# Writing the provider's answer: tries on a fresh connection, and the pause before each.
RECORD_ATTEMPTS = 5
RECORD_PAUSE_SECONDS = 0.5


class RetryableSendError(Exception):
    """A provider error or timeout worth another try later (Celery retries on it)."""


def _setting(name, default):
    return getattr(settings, name, default)


def this_process() -> str:
    """Who claims when no Celery worker does (tasks run in-process: the demo, the tests)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(message_id: int, *, token: str = "", worker: str = "") -> OutboxMessage | None:
    """Take the row for sending, or None if it is sent, failed, or someone else is sending it.

    A pending row is taken. So is a row in `sending` whose claim carries this very `token` (the
    Celery task id): a task id runs once at a time, so that claim was left by an earlier run of
    this task that is gone (the broker redelivered it after its worker died, or it stopped on an
    error before it could record anything).
    """
    now = timezone.now()
    changes = {
        "status": Status.SENDING,
        "claimed_at": now,
        "updated_at": now,
        "attempts": F("attempts") + 1,
        "claim_token": token,
        "claimed_by": worker or this_process(),
        "awaiting_relay": False,
    }
    # One conditional UPDATE each, atomic on its own: of two claims racing for a row, the second
    # waits for the first (a few milliseconds) and then no longer matches. A first attempt costs
    # this statement and the read below, not a transaction of four (a backlog sends thousands).
    rows = OutboxMessage.objects.filter(pk=message_id)
    if not rows.filter(status=Status.PENDING).update(**changes):
        if not token or not rows.filter(status=Status.SENDING, claim_token=token).update(**changes):
            return None
        logger.warning(
            "Outbox message %s: task %s takes back its own stale claim", message_id, token
        )
    return OutboxMessage.objects.get(pk=message_id)


def _write(message: OutboxMessage, **fields) -> int:
    """Update our claimed row, even if the database connection dropped since we claimed it.

    Only while our claim stands (same `claimed_at`): a row taken back meanwhile is someone
    else's. A dropped connection is replaced and the write tried again, a few times.
    """
    fields["updated_at"] = timezone.now()
    mine = OutboxMessage.objects.filter(
        pk=message.pk, status=Status.SENDING, claimed_at=message.claimed_at
    )
    for attempt in range(1, RECORD_ATTEMPTS + 1):
        try:
            return mine.update(**fields)
        except (OperationalError, InterfaceError):
            if attempt == RECORD_ATTEMPTS or connection.in_atomic_block:
                raise
            logger.warning(
                "Outbox message %s: database connection lost while recording, reconnecting",
                message.pk,
            )
            connection.close()
            time.sleep(RECORD_PAUSE_SECONDS * attempt)
    return 0  # pragma: no cover - the loop returns or raises


def _record_sent(message: OutboxMessage, provider_id: str) -> None:
    _write(
        message,
        status=Status.SENT,
        sent_at=timezone.now(),
        provider_message_id=provider_id[:255],
        last_error="",
    )


def send_email(message: OutboxMessage) -> str:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=from_address(message.sender_name),
        to=[message.recipient],
        reply_to=[message.reply_to] if message.reply_to else None,
        # Brevo sends one request per idempotency key; a resend with the same key is dropped.
        headers={"X-Officine-Message": str(message.pk), "idempotencyKey": message.idempotency_key},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    for name, content, mimetype in message.decoded_attachments():
        email.attach(name, content, mimetype)
    email.metadata = {"outbox_id": str(message.pk)}  # anymail: echoed back by tracking webhooks
    email.send(fail_silently=False)
    status = getattr(email, "anymail_status", None)
    return str(status.message_id or "") if status is not None else ""


def _sms_of(message: OutboxMessage) -> SMSMessage:
    return SMSMessage(
        to=message.recipient,
        body=message.body_text,
        sender=message.sender_name,
        idempotency_key=message.idempotency_key,
    )


def send_sms(message: OutboxMessage) -> str:
    sms = _sms_of(message)
    get_sms_backend().send_messages([sms])
    return sms.provider_message_id


def already_accepted(message: OutboxMessage) -> str | None:
    """The provider's id if an earlier attempt at this row went through, else None.

    Asked before any attempt after the first: the earlier one may have timed out after the
    provider took it, or its worker died before it could record the answer. SMS providers are
    asked by the row's idempotency key (backends that cannot tell answer None); email relies on
    the key sent with the message. When the provider cannot be asked, we send.
    """
    if message.channel != Channel.SMS:
        return None
    try:
        return get_sms_backend().find_sent(_sms_of(message))
    except Exception as exc:  # noqa: BLE001 - a failed check must not block the message
        logger.warning(
            "Outbox message %s: could not ask the provider (%s); sending", message.pk, exc
        )
        return None


def is_retryable(exc: Exception) -> bool:
    """Provider hiccups (5xx, 429, timeouts, network) are retried; refusals fail at once."""
    if isinstance(exc, SMSProviderError):
        return exc.retryable
    if isinstance(exc, AnymailRecipientsRefused | AnymailInvalidAddress):
        return False
    if isinstance(exc, AnymailRequestsAPIError):
        code = exc.status_code
        return code is None or code >= 500 or code == 429
    if isinstance(exc, AnymailError):
        return False
    if isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPSenderRefused):
        return False
    return isinstance(exc, OSError | smtplib.SMTPException | requests.RequestException)


def send(message_id: int, *, token: str = "", worker: str = "") -> str:
    """Send one row; raises RetryableSendError when Celery should try again later."""
    try:
        message = claim(message_id, token=token, worker=worker)
    except (OperationalError, InterfaceError) as exc:
        if not connection.in_atomic_block:
            connection.close()
        raise RetryableSendError(f"Database unavailable while claiming: {exc}") from exc
    if message is None:
        return "skipped"
    if message.attempts > 1:
        found = already_accepted(message)
        if found:
            _record_sent(message, found)
            logger.warning(
                "Outbox message %s was already accepted (%s): not sent again", message.pk, found
            )
            return "sent"
    try:
        if message.channel == Channel.EMAIL:
            provider_id = send_email(message)
        else:
            provider_id = send_sms(message)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if is_retryable(exc) and message.attempts < MAX_ATTEMPTS:
            logger.warning(
                "Outbox message %s attempt %s failed, will retry: %s",
                message.pk,
                message.attempts,
                error,
            )
            _write(message, status=Status.PENDING, last_error=error)
            raise RetryableSendError(error) from exc
        logger.error("Outbox message %s failed for good: %s", message.pk, error)
        _write(message, status=Status.FAILED, last_error=error)
        return "failed"
    _record_sent(message, provider_id)
    logger.info("Outbox message %s sent (%s)", message.pk, message.channel)
    return "sent"


def release_claims(worker: str, before) -> list[int]:
    """Put back the rows a previous run of `worker` (a Celery node name) left in `sending`.

    Called when the worker starts: a node name belongs to one running worker at a time, so its
    claims older than this start were made by a run that was killed. They go back to the relay
    at once instead of waiting for `OUTBOX_RELAY_STUCK_AFTER`.
    """
    stale = OutboxMessage.objects.filter(
        status=Status.SENDING, claimed_by=worker, claimed_at__lt=before
    )
    ids = list(stale.values_list("pk", flat=True))
    if ids:
        OutboxMessage.objects.filter(pk__in=ids, status=Status.SENDING).update(
            status=Status.PENDING, awaiting_relay=True, updated_at=timezone.now()
        )
        logger.warning(
            "Outbox: %d message(s) left sending by %s's last run put back", len(ids), worker
        )
    return ids


def mark_awaiting_relay(message_ids) -> None:
    """The broker did not take these rows: the relay sends them as soon as it answers again."""
    try:
        OutboxMessage.objects.filter(pk__in=list(message_ids), status=Status.PENDING).update(
            awaiting_relay=True
        )
    except DatabaseError:
        logger.exception("Could not mark outbox messages %s for the relay", message_ids)


def due_for_relay(
    pending_after: float | None = None, stuck_after: float | None = None
) -> list[int]:
    """Rows to dispatch again, oldest first; they are touched so a concurrent relay skips them.

    Rows the broker refused (`awaiting_relay`) are due at once; rows left pending otherwise (a
    task lost with the broker's memory, a process killed before its dispatch) after
    `OUTBOX_RELAY_PENDING_AFTER` seconds, so that a fresh row's own task or a retry waiting its
    backoff is not doubled; rows stuck in `sending` after `OUTBOX_RELAY_STUCK_AFTER` seconds.
    """
    if pending_after is None:
        pending_after = _setting("OUTBOX_RELAY_PENDING_AFTER", 300)
    if stuck_after is None:
        stuck_after = _setting("OUTBOX_RELAY_STUCK_AFTER", 600)
    now = timezone.now()
    stuck = OutboxMessage.objects.filter(
        status=Status.SENDING, claimed_at__lte=now - timedelta(seconds=stuck_after)
    )
    stuck.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=Status.FAILED, last_error="Worker lost while sending (last attempt)", updated_at=now
    )
    revived = list(stuck.values_list("pk", flat=True))
    if revived:
        logger.warning("Outbox: %d message(s) stuck in sending put back to pending", len(revived))
        OutboxMessage.objects.filter(pk__in=revived, status=Status.SENDING).update(
            status=Status.PENDING, updated_at=now
        )
    due = OutboxMessage.objects.filter(status=Status.PENDING).filter(
        Q(updated_at__lte=now - timedelta(seconds=pending_after))
        | Q(awaiting_relay=True)
        | Q(pk__in=revived)
    )
    ids = list(due.order_by("pk").values_list("pk", flat=True)[:1000])
    if ids:
        OutboxMessage.objects.filter(pk__in=ids, status=Status.PENDING).update(
            updated_at=now, awaiting_relay=False
        )
    return ids


def from_address(sender_name: str) -> str:
    """The platform address with the pharmacy's name shown as the sender."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((sender_name, address)) if sender_name else settings.DEFAULT_FROM_EMAIL
