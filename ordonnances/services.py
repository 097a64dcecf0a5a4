"""What happens to a prescription: received, moved through the workflow, cancelled, purged.

Views (public and admin) and tasks call these functions; each one writes the business record, its
history and its notifications in one transaction, so there is never a message about a prescription
that does not exist, nor a stored file without its row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from cms.public_forms import TrackingLink
from notifications.api import notify_contact, notify_pharmacy, patient_language, render_sms
from notifications.models import Channel, OutboxMessage
from notifications.sms import segment_count
from pharmacies import audit
from pharmacies.models import Pharmacy

from .files import CleanFile, encrypt, key_fingerprint, make_thumbnail
from .models import (
    CLOSED_STATUSES,
    LIVE_RENEWAL_STATUSES,
    NOTE_REQUIRED,
    TRANSITIONS,
    Dispensing,
    FileKind,
    Prescription,
    PrescriptionFile,
    RenewalSchedule,
    Status,
    StatusChange,
)
from .pickup import pickup_hours_text

logger = logging.getLogger("officine.ordonnances")

# Patient notification per status the pharmacist sets; statuses not listed notify nobody.
STATUS_EVENTS = {
    Status.READY: "prescription_ready",
    Status.PARTIALLY_READY: "prescription_partially_ready",
    Status.READY_TOMORROW: "prescription_ready_tomorrow",
    Status.REFUSED: "prescription_refused",
    Status.CANCELLED: "prescription_cancelled",
}


# --- Tracking links ---------------------------------------------------------------------

TRACKING = TrackingLink(
    Prescription, salt="ordonnances.tracking", max_age=timedelta(days=60), route="ordonnances:track"
)
tracking_token = TRACKING.token
decode_tracking_token = TRACKING.decode
prescription_for_token = TRACKING.record
tracking_url = TRACKING.url
tracking_url_for_page = TRACKING.url_on_page


def admin_url(prescription: Prescription) -> str:
    path = reverse("prescriptions:inspect", args=[prescription.pk])
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


# --- Receiving --------------------------------------------------------------------------


@dataclass
class Upload:
    """A sanitised file with where it goes: which kind, which position."""

    kind: str
    position: int
    clean: CleanFile


def _encrypted_parts(upload: Upload) -> tuple[bytes, bytes | None]:
    keys = settings.OFFICINE_FILE_KEYS
    thumb = make_thumbnail(upload.clean.content, upload.clean.content_type)
    return (
        encrypt(upload.clean.content, keys),
        encrypt(thumb, keys) if thumb is not None else None,
    )


def create_prescription(
    *, pharmacy, fields: dict, uploads: list[Upload], renewal: dict | None = None
) -> Prescription:
    """Store a new prescription with its files, history row and notifications, all or nothing.

    Files are encrypted before anything is written; if anything fails afterwards, the files
    already written to the storage are deleted again, so no orphan file is left behind.
    `renewal` ({"requested_months": n or None}) says the patient ticked "renouvelable": a schedule
    then waits for the pharmacist to confirm it.
    """
    encrypted = [(upload, *_encrypted_parts(upload)) for upload in uploads]
    written: list[tuple] = []
    try:
        with transaction.atomic():
            prescription = Prescription.objects.create(
                pharmacy=pharmacy, language=patient_language(), **fields
            )
            for upload, content, thumbnail in encrypted:
                row = PrescriptionFile(
                    prescription=prescription,
                    kind=upload.kind,
                    position=upload.position,
                    content_type=upload.clean.content_type,
                    size=len(upload.clean.content),
                    sha256=upload.clean.sha256,
                    width=upload.clean.width,
                    height=upload.clean.height,
                    pages=upload.clean.pages,
                    key_fingerprint=key_fingerprint(settings.OFFICINE_FILE_KEYS[0]),
                )
                row.file.save("upload", ContentFile(content), save=False)
                written.append((row.file.storage, row.file.name))
                if thumbnail is not None:
                    row.thumbnail.save("thumb", ContentFile(thumbnail), save=False)
                    written.append((row.thumbnail.storage, row.thumbnail.name))
                row.save()
            if renewal is not None:
                RenewalSchedule.objects.create(prescription=prescription, **renewal)
            StatusChange.objects.create(
                prescription=prescription, from_status="", to_status=Status.RECEIVED
            )
            _notify_received(prescription)
    except BaseException:
        for storage, name in written:
            try:
                storage.delete(name)
            except Exception:  # pragma: no cover - logged, the original error matters more
                logger.exception("Could not remove %s after a failed prescription save", name)
        raise
    logger.info("Prescription %s received for pharmacy %s", prescription.pk, pharmacy.pk)
    return prescription


def _patient_context(prescription: Prescription) -> dict:
    return {
        "prescription": prescription,
        "reference": prescription.reference,
        "tracking_url": tracking_url(prescription),
        "pickup_hours": pickup_hours(prescription.pharmacy),
    }


def pickup_hours(pharmacy):
    """Today's pickup hours for a message, computed now but worded in the patient's language.

    Templates call it while rendering, inside the patient's language (`notify_contact`).
    """
    now = timezone.now()
    return lambda: pickup_hours_text(pharmacy, now)


def _notify_received(prescription: Prescription) -> None:
    pages = prescription.files.filter(kind=FileKind.PAGE).count()
    notify_contact(
        prescription, event="prescription_received", context=_patient_context(prescription)
    )
    notify_pharmacy(
        pharmacy=prescription.pharmacy,
        event="prescription_new",
        obj=prescription,
        context={
            "prescription": prescription,
            "reference": prescription.reference,
            "admin_url": admin_url(prescription),
            "page_count": pages,
        },
    )


# --- Workflow ---------------------------------------------------------------------------


class TransitionError(ValueError):
    """A status change the workflow does not allow; the message is French, for the pharmacist."""


def change_status(
    prescription: Prescription,
    to_status: str,
    *,
    user=None,
    note: str = "",
    by_patient=False,
    request=None,
) -> StatusChange:
    """Move a prescription along the workflow, record it, and tell the patient when it matters."""
    note = (note or "").strip()
    with transaction.atomic():
        locked = (
            Prescription.objects.select_for_update()
            .select_related("pharmacy")
            .get(pk=prescription.pk)
        )
        if locked.purged_at:
            raise TransitionError("Cette ordonnance a été effacée.")
        if to_status not in TRANSITIONS.get(locked.status, set()):
            raise TransitionError(
                f"Impossible de passer de « {locked.get_status_display()} » "
                f"à « {Status(to_status).label} »."
            )
        if to_status in NOTE_REQUIRED and not note and not by_patient:
            raise TransitionError("Indiquez un message pour le patient.")
        from_status = locked.status
        locked.status = to_status
        if to_status in NOTE_REQUIRED or note:
            locked.status_note = note
        if to_status in CLOSED_STATUSES:
            locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "status_note", "closed_at", "updated_at"])
        change = StatusChange.objects.create(
            prescription=locked,
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
                event="prescription_cancelled_by_patient",
                obj=locked,
                context={
                    "prescription": locked,
                    "reference": locked.reference,
                    "admin_url": admin_url(locked),
                },
            )
        elif to_status in STATUS_EVENTS:
            notify_contact(
                locked,
                event=STATUS_EVENTS[to_status],
                context={**_patient_context(locked), "note": locked.status_note},
            )
    prescription.refresh_from_db()
    logger.info(
        "Prescription %s: %s -> %s (user %s)",
        prescription.pk,
        from_status,
        to_status,
        getattr(user, "pk", None),
    )
    return change


# A message the pharmacist types is never longer than this, whatever the channel.
NOTE_MAX_LENGTH = 1000
SMS_MAX_SEGMENTS = 2


def status_sms_body(prescription: Prescription, to_status: str, note: str, context=None):
    """The SMS the patient would get for this status and note, or None (no SMS for it)."""
    event = STATUS_EVENTS.get(to_status)
    if event is None or Channel.SMS not in prescription.channels:
        return None
    ctx = {**_patient_context(prescription), **(context or {}), "note": note.strip()}
    return render_sms(prescription.pharmacy, event, prescription, ctx, prescription.language)


def note_fits_sms(prescription: Prescription, to_status: str, note: str, context=None) -> bool:
    body = status_sms_body(prescription, to_status, note, context)
    return body is None or segment_count(body) <= SMS_MAX_SEGMENTS


def sms_note_limit(prescription: Prescription, statuses, context=None) -> int:
    """How many characters of note fit in every SMS these statuses would send (two segments).

    Measured on the real message (pharmacy name, link, today's hours, the patient's language),
    so a short name leaves room for a longer note. Counted as plain GSM characters: a character
    that counts double (€, [ ]) is caught by `note_fits_sms` when the form is sent.
    """
    limit = NOTE_MAX_LENGTH
    for status in statuses:
        body = status_sms_body(prescription, status, "", context)
        if body is None:
            continue
        room = 153 * SMS_MAX_SEGMENTS - len(body) - 1
        limit = min(limit, max(room, 0))
    return limit


def cancel_by_patient(prescription: Prescription) -> StatusChange:
    if not prescription.patient_can_cancel:
        raise TransitionError("Cette ordonnance est déjà préparée et ne peut plus être annulée.")
    return change_status(prescription, Status.CANCELLED, by_patient=True)


# --- Retention --------------------------------------------------------------------------


def purge_prescription(prescription: Prescription) -> bool:
    """Delete the files and blank the personal data of one closed prescription; idempotent."""
    with transaction.atomic():
        locked = Prescription.objects.select_for_update().get(pk=prescription.pk)
        if locked.purged_at:
            return False
        for row in list(locked.files.all()):
            row.delete_stored()
            row.delete()
        locked.first_name = ""
        locked.last_name = ""
        locked.phone = ""
        locked.email = ""
        locked.birth_date = None
        locked.comment = ""
        locked.status_note = ""
        locked.purged_at = timezone.now()
        locked.save()
        locked.history.update(note="")
        dispensing_ids = [
            str(pk)
            for pk in Dispensing.objects.filter(prescription=locked).values_list("pk", flat=True)
        ]
        Dispensing.objects.filter(prescription=locked).update(status_note="", patient_request="")
        # Messages carry the patient's name and contact; one still unsent after the retention
        # period is stale anyway.
        OutboxMessage.objects.filter(
            content_type=ContentType.objects.get_for_model(Prescription),
            object_id=str(locked.pk),
        ).delete()
        OutboxMessage.objects.filter(
            content_type=ContentType.objects.get_for_model(Dispensing),
            object_id__in=dispensing_ids,
        ).delete()
    return True


def purge_expired(now=None) -> int:
    """Purge every closed prescription older than its pharmacy's retention period.

    A renewable prescription is kept while its follow-up runs, and its retention period counts
    from its last dispensing: the pharmacist needs the files for every month's preparation.
    """
    now = now or timezone.now()
    purged = 0
    for pharmacy in Pharmacy.objects.only("pk", "prescription_retention_days"):
        cutoff = now - timedelta(days=pharmacy.prescription_retention_days)
        due = Prescription.objects.filter(
            pharmacy=pharmacy,
            status__in=CLOSED_STATUSES,
            purged_at__isnull=True,
            closed_at__lt=cutoff,
        )
        due = (
            due.exclude(renewal__status__in=LIVE_RENEWAL_STATUSES)
            .exclude(
                Exists(
                    Dispensing.objects.filter(prescription=OuterRef("pk")).filter(
                        Q(closed_at__isnull=True) | Q(closed_at__gte=cutoff)
                    )
                )
            )
            .only("pk")
        )
        for prescription in due.iterator():
            if purge_prescription(prescription):
                purged += 1
    if purged:
        logger.info("Purged %d prescriptions past their retention period", purged)
    return purged
