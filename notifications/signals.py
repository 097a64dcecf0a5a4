"""Delivery reports from the providers update the outbox row; a replayed report changes nothing."""

from __future__ import annotations

import logging

from anymail.signals import EventType, tracking
from django.dispatch import receiver
from django.utils import timezone

from pharmacies.tenancy import all_pharmacies

from .models import OutboxMessage, Status

logger = logging.getLogger("officine.notifications")

EMAIL_EVENT_STATUS = {
    EventType.DELIVERED: Status.DELIVERED,
    EventType.BOUNCED: Status.BOUNCED,
    EventType.REJECTED: Status.BOUNCED,
    EventType.FAILED: Status.BOUNCED,
}
# A report only moves a message forward: a late "delivered" never hides an earlier bounce.
UPDATABLE_FROM = {
    Status.DELIVERED: [Status.PENDING, Status.SENDING, Status.SENT],
    Status.BOUNCED: [Status.PENDING, Status.SENDING, Status.SENT, Status.DELIVERED],
}


def apply_delivery_report(
    *, provider_message_id: str, status: str, detail: str = "", outbox_id: str | None = None
) -> int:
    """Set the row's delivery status; returns how many rows changed (0 for a replay).

    The row is found by the id the provider gave when it accepted the message (recorded at send
    time), never by an id the report carries alone: the `outbox_id` we put in the email's metadata
    comes back in the report, and anyone who can post a report could write any number there. When
    present it must agree with the provider's id.
    """
    if status not in UPDATABLE_FROM or not str(provider_message_id or "").strip():
        return 0
    with all_pharmacies():  # the provider's webhook speaks for every pharmacy's messages
        return _apply(provider_message_id, status, detail, outbox_id)


def _apply(provider_message_id, status, detail, outbox_id) -> int:
    rows = OutboxMessage.objects.filter(provider_message_id=str(provider_message_id).strip())
    if outbox_id is not None:
        if not str(outbox_id).isdigit():
            return 0
        rows = rows.filter(pk=int(outbox_id))
    now = timezone.now()
    changes = {"status": status, "updated_at": now}
    if status == Status.DELIVERED:
        changes["delivered_at"] = now
    else:
        changes["last_error"] = (detail or "Bounced")[:2000]
    changed = rows.filter(status__in=UPDATABLE_FROM[status]).update(**changes)
    if changed:
        logger.info("Delivery report: message %s is now %s", provider_message_id, status)
    return changed


@receiver(tracking, dispatch_uid="officine_outbox_tracking")
def on_email_tracking(sender, event, esp_name, **kwargs):
    status = EMAIL_EVENT_STATUS.get(event.event_type)
    if status is None:
        return
    apply_delivery_report(
        provider_message_id=event.message_id or "",
        status=status,
        detail=" ".join(
            str(p) for p in (event.reject_reason, event.description, event.mta_response) if p
        ),
        outbox_id=(event.metadata or {}).get("outbox_id"),
    )
