"""What happens to a reservation: received, prepared line by line, collected, cancelled, expired.

Views (public and admin) and tasks call these functions; each one writes the reservation, its
history and the patient's messages in one transaction (a message exists exactly when what it
announces does).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cms.public_forms import TrackingLink
from notifications.api import notify_contact, notify_pharmacy, patient_language
from notifications.models import OutboxMessage
from pharmacies import audit

from .models import (
    CLOSED_STATUSES,
    DEFAULT_HOLD_DAYS,
    TRANSITIONS,
    CollectSettings,
    LineStatus,
    PharmacyProduct,
    Reservation,
    ReservationLine,
    Status,
    StatusChange,
)

logger = logging.getLogger("officine.collect")

# Closed reservations keep the patient's name and contact this long, then are blanked.
RETENTION_DAYS = 90

# The patient hears of every step; a status not listed here notifies nobody.
STATUS_EVENTS = {
    Status.PREPARING: "reservation_preparing",
    Status.READY: "reservation_ready",
    Status.COLLECTED: "reservation_collected",
    Status.CANCELLED: "reservation_cancelled",
    Status.EXPIRED: "reservation_expired",
}


class TransitionError(ValueError):
    """A change the workflow does not allow; the message is French, for whoever asked."""


# --- Tracking links ---------------------------------------------------------------------

TRACKING = TrackingLink(
    Reservation, salt="collect.tracking", max_age=timedelta(days=90), route="collect:track"
)
tracking_token = TRACKING.token
decode_tracking_token = TRACKING.decode
reservation_for_token = TRACKING.record
tracking_url = TRACKING.url


def admin_url(reservation: Reservation) -> str:
    path = reverse("reservations:inspect", args=[reservation.pk])
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


# --- Receiving --------------------------------------------------------------------------


@dataclass(frozen=True)
class Wanted:
    """One product the patient selected: an offer of this pharmacy, and how many."""

    offer: PharmacyProduct
    quantity: int


def create_reservation(*, pharmacy, fields: dict, items: list[Wanted]) -> Reservation:
    """Store a reservation with its lines, first history row and messages, all or nothing."""
    with transaction.atomic():
        reservation = Reservation.objects.create(
            pharmacy=pharmacy, language=patient_language(), **fields
        )
        ReservationLine.objects.bulk_create(
            ReservationLine(
                reservation=reservation,
                offer=item.offer,
                product_name=str(item.offer.product)[:200],
                product_code=item.offer.product.code,
                unit_price=item.offer.price,
                quantity=item.quantity,
            )
            for item in items
        )
        StatusChange.objects.create(
            reservation=reservation, from_status="", to_status=Status.RECEIVED
        )
        notify_contact(reservation, event="reservation_received", context=_context(reservation))
        notify_pharmacy(
            pharmacy=pharmacy,
            event="reservation_new",
            obj=reservation,
            context={
                "reference": reservation.reference,
                "admin_url": admin_url(reservation),
                "line_count": len(items),
                "pickup_date": reservation.pickup_date,
            },
        )
    logger.info("Reservation %s received for pharmacy %s", reservation.pk, pharmacy.pk)
    return reservation


def _context(reservation: Reservation, **extra) -> dict:
    return {
        "reservation": reservation,
        "reference": reservation.reference,
        "tracking_url": tracking_url(reservation),
        "lines": list(reservation.lines.all()),
        "total": reservation.total,
        **extra,
    }


# --- Workflow ---------------------------------------------------------------------------


def change_status(
    reservation: Reservation,
    to_status: str,
    *,
    user=None,
    note: str = "",
    by_patient: bool = False,
    request=None,
) -> StatusChange:
    """Move a reservation along the workflow, record it and tell the patient."""
    note = (note or "").strip()
    with transaction.atomic():
        locked = (
            Reservation.objects.select_for_update()
            .select_related("pharmacy__site")
            .get(pk=reservation.pk)
        )
        if locked.purged_at:
            raise TransitionError("Cette réservation a été effacée.")
        if to_status not in TRANSITIONS.get(locked.status, set()):
            raise TransitionError(
                f"Impossible de passer de « {locked.get_status_display()} » "
                f"à « {Status(to_status).label} »."
            )
        if (
            to_status == Status.READY
            and not locked.lines.exclude(status=LineStatus.UNAVAILABLE).exists()
        ):
            raise TransitionError(
                "Aucun produit n'est disponible : annulez la réservation avec un message."
            )
        from_status = locked.status
        locked.status = to_status
        if note:
            locked.status_note = note
        now = timezone.now()
        if to_status == Status.READY:
            locked.ready_at = now
        if to_status in CLOSED_STATUSES:
            locked.closed_at = now
        locked.save(update_fields=["status", "status_note", "ready_at", "closed_at", "updated_at"])
        change = StatusChange.objects.create(
            reservation=locked,
            user=user,
            by_patient=by_patient,
            from_status=from_status,
            to_status=to_status,
            note=note,
        )
        audit.record(
            audit.AuditAction.STATUS_CHANGE,
            pharmacy=locked.pharmacy,
            user=user,
            request=request,
            obj=locked,
            detail={"from": from_status, "to": to_status, "by_patient": by_patient},
            label="patient" if by_patient else "",
        )
        if by_patient:
            notify_pharmacy(
                pharmacy=locked.pharmacy,
                event="reservation_cancelled_by_patient",
                obj=locked,
                context={"reference": locked.reference, "admin_url": admin_url(locked)},
            )
        elif to_status in STATUS_EVENTS:
            notify_contact(
                locked,
                event=STATUS_EVENTS[to_status],
                context=_context(locked, note=locked.status_note, hold_days=hold_days(locked)),
            )
    reservation.refresh_from_db()
    return change


def cancel_by_patient(reservation: Reservation) -> StatusChange:
    if not reservation.patient_can_cancel:
        raise TransitionError(
            "Cette réservation est déjà prête et ne peut plus être annulée en ligne : "
            "appelez la pharmacie."
        )
    return change_status(reservation, Status.CANCELLED, by_patient=True)


def set_line_status(line: ReservationLine, status: str, note: str = "") -> None:
    """The pharmacist marks one product available, unavailable or replaced (while not closed)."""
    if status not in LineStatus.values:
        raise TransitionError("Disponibilité inconnue.")
    note = (note or "").strip()[:200]
    if status == LineStatus.REPLACED and not note:
        raise TransitionError("Indiquez par quel produit celui-ci est remplacé.")
    if line.reservation.is_closed:
        raise TransitionError("Cette réservation est clôturée.")
    line.status = status
    line.note = note
    line.save(update_fields=["status", "note"])


# --- Expiry, reminders, retention -------------------------------------------------------


def hold_days(reservation: Reservation) -> int:
    row = CollectSettings.objects.filter(pharmacy_id=reservation.pharmacy_id).first()
    return row.hold_days if row else DEFAULT_HOLD_DAYS


def _hold_days_by_pharmacy() -> dict[int, int]:
    return dict(CollectSettings.objects.values_list("pharmacy_id", "hold_days"))


def expire_and_remind(now: datetime | None = None) -> dict[str, int]:
    """Ready reservations not collected: a reminder the day before they expire, then expiry.

    Both are conditional updates claimed once, so overlapping or repeated runs change nothing
    twice and send nothing twice. Runs across pharmacies (`all_pharmacies()` in the task).
    """
    now = now or timezone.now()
    days_for = _hold_days_by_pharmacy()
    counts = {"reminded": 0, "expired": 0}
    ready = Reservation.objects.filter(status=Status.READY, purged_at__isnull=True).only(
        "pk", "pharmacy_id", "ready_at", "reminded_at"
    )
    for reservation in ready.iterator():
        hold = timedelta(days=days_for.get(reservation.pharmacy_id, DEFAULT_HOLD_DAYS))
        expires_at = (reservation.ready_at or now) + hold
        if now >= expires_at:
            try:
                change_status(reservation, Status.EXPIRED)
            except TransitionError:
                continue  # collected or cancelled meanwhile
            counts["expired"] += 1
        elif now >= expires_at - timedelta(days=1) and reservation.reminded_at is None:
            if _remind(reservation, now, expires_at):
                counts["reminded"] += 1
    if any(counts.values()):
        logger.info("Click & Collect: %(reminded)d reminded, %(expired)d expired", counts)
    return counts


def _remind(reservation: Reservation, now: datetime, expires_at: datetime) -> bool:
    with transaction.atomic():
        claimed = Reservation.objects.filter(
            pk=reservation.pk, status=Status.READY, reminded_at__isnull=True
        ).update(reminded_at=now)
        if not claimed:
            return False
        locked = Reservation.objects.select_related("pharmacy__site").get(pk=reservation.pk)
        notify_contact(
            locked,
            event="reservation_reminder",
            context=_context(locked, expires_on=timezone.localdate(expires_at)),
        )
    return True


def purge_reservation(reservation: Reservation) -> bool:
    """Blank the personal data of one closed reservation and drop its messages; idempotent."""
    with transaction.atomic():
        locked = Reservation.objects.select_for_update().get(pk=reservation.pk)
        if locked.purged_at:
            return False
        for name in ("first_name", "last_name", "phone", "email", "comment", "status_note"):
            setattr(locked, name, "")
        locked.birth_date = None
        locked.purged_at = timezone.now()
        locked.save()
        locked.history.update(note="")
        OutboxMessage.objects.filter(
            content_type=ContentType.objects.get_for_model(Reservation),
            object_id=str(locked.pk),
        ).delete()
    return True


def purge_expired(now: datetime | None = None) -> int:
    """Purge every closed reservation older than the retention period, across pharmacies."""
    now = now or timezone.now()
    due = Reservation.objects.filter(
        status__in=CLOSED_STATUSES,
        purged_at__isnull=True,
        closed_at__lt=now - timedelta(days=RETENTION_DAYS),
    ).only("pk")
    purged = sum(1 for reservation in due.iterator() if purge_reservation(reservation))
    if purged:
        logger.info("Purged %d reservations past their retention period", purged)
    return purged
