"""Sending one outbox row, exactly once per claim, and relaying rows that were left behind.

A row is claimed (pending → sending) in its own short transaction before anything leaves the
building, so a replayed task, a duplicate dispatch and the relay never send the same row twice.
A worker killed mid-send leaves the row in `sending`; the relay puts it back after a grace period.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.utils import formataddr, parseaddr

import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import Channel, OutboxMessage, Status
from .sms import SMSMessage, SMSProviderError, get_sms_backend

logger = logging.getLogger("officine.notifications")

MAX_RETRIES = 6
MAX_ATTEMPTS = MAX_RETRIES + 1


class RetryableSendError(Exception):
    """A provider error or timeout worth another try later (Celery retries on it)."""


def _setting(name, default):
    return getattr(settings, name, default)


def claim(message_id: int) -> OutboxMessage | None:
    """Take the row for sending, or None if it is not pending (already sent, or someone has it)."""
    now = timezone.now()
    changes = {
        "status": Status.SENDING,
        "claimed_at": now,
        "updated_at": now,
        "attempts": F("attempts") + 1,
    }
    with transaction.atomic():
        pending = OutboxMessage.objects.filter(pk=message_id, status=Status.PENDING)
        if connection.features.has_select_for_update_skip_locked:
            locked = pending.select_for_update(skip_locked=True).values_list("pk", flat=True)
            if not list(locked):
                return None
            OutboxMessage.objects.filter(pk=message_id).update(**changes)
        elif not pending.update(**changes):
            return None
    return OutboxMessage.objects.get(pk=message_id)


def _finish(message: OutboxMessage, **fields) -> None:
    fields["updated_at"] = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(**fields)


def send_email(message: OutboxMessage) -> str:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=from_address(message.sender_name),
        to=[message.recipient],
        reply_to=[message.reply_to] if message.reply_to else None,
        headers={"X-Officine-Message": str(message.pk)},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    for name, content, mimetype in message.decoded_attachments():
        email.attach(name, content, mimetype)
    email.metadata = {"outbox_id": str(message.pk)}  # anymail: echoed back by tracking webhooks
    email.send(fail_silently=False)
    status = getattr(email, "anymail_status", None)
    return str(status.message_id or "") if status is not None else ""


def send_sms(message: OutboxMessage) -> str:
    sms = SMSMessage(to=message.recipient, body=message.body_text, sender=message.sender_name)
    get_sms_backend().send_messages([sms])
    return sms.provider_message_id


def is_retryable(exc: Exception) -> bool:
    """Provider hiccups (5xx, 429, timeouts, network) are retried; refusals fail at once."""
    from anymail.exceptions import (
        AnymailError,
        AnymailInvalidAddress,
        AnymailRecipientsRefused,
        AnymailRequestsAPIError,
    )

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


def send(message_id: int) -> str:
    """Send one row; raises RetryableSendError when Celery should try again later."""
    message = claim(message_id)
    if message is None:
        return "skipped"
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
            _finish(message, status=Status.PENDING, last_error=error)
            raise RetryableSendError(error) from exc
        logger.error("Outbox message %s failed for good: %s", message.pk, error)
        _finish(message, status=Status.FAILED, last_error=error)
        return "failed"
    _finish(
        message,
        status=Status.SENT,
        sent_at=timezone.now(),
        provider_message_id=provider_id[:255],
        last_error="",
    )
    logger.info("Outbox message %s sent (%s)", message.pk, message.channel)
    return "sent"


def due_for_relay(
    pending_after: float | None = None, stuck_after: float | None = None
) -> list[int]:
    """Rows to dispatch again: left pending (broker down, lost task) or stuck in `sending` (worker
    killed), oldest first; they are touched so that a concurrent relay does not take them too."""
    if pending_after is None:
        pending_after = _setting("OUTBOX_RELAY_PENDING_AFTER", 300)
    if stuck_after is None:
        stuck_after = _setting("OUTBOX_RELAY_STUCK_AFTER", 900)
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
        Q(updated_at__lte=now - timedelta(seconds=pending_after)) | Q(pk__in=revived)
    )
    ids = list(due.order_by("pk").values_list("pk", flat=True)[:1000])
    if ids:
        OutboxMessage.objects.filter(pk__in=ids, status=Status.PENDING).update(updated_at=now)
    return ids


def from_address(sender_name: str) -> str:
    """The platform address with the pharmacy's name shown as the sender."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((sender_name, address)) if sender_name else settings.DEFAULT_FROM_EMAIL
