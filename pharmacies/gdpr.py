"""A patient's GDPR rights against one pharmacy: access (export) and erasure, by email or phone.

The pharmacy is the controller: a request is always answered per pharmacy, never across the
platform. Both operations write an audit row that names the patient only by a keyed hash of the
contact given, so the trail shows the request was honoured without keeping who made it.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import audit

logger = logging.getLogger("officine.gdpr")

EXPORT_JSON_NAME = "donnees-patient.json"
EXPORT_FILES_FOLDER = "ordonnances"


class NoContactGiven(ValueError):
    """Neither an email nor a valid phone: refusing beats matching every record with a blank one."""


@dataclass
class PatientRecords:
    """The rows held about one patient in one pharmacy."""

    pharmacy: object
    email: str
    phone: str
    prescriptions: list = field(default_factory=list)
    bookings: list = field(default_factory=list)
    messages: list = field(default_factory=list)

    @property
    def subject(self) -> str:
        return audit.subject_hash(self.email, self.phone)

    @property
    def is_empty(self) -> bool:
        return not (self.prescriptions or self.bookings or self.messages)

    def counts(self) -> dict[str, int]:
        return {
            "prescriptions": len(self.prescriptions),
            "files": sum(len(p.files.all()) for p in self.prescriptions),
            "bookings": len(self.bookings),
            "messages": len(self.messages),
        }


def _contact(email: str | None, phone: str | None) -> tuple[str, str]:
    email = audit.normalise_email(email)
    phone = audit.normalise_phone(phone)
    if not email and not phone:
        raise NoContactGiven("an email or a phone number is required")
    return email, phone


def _contact_filter(email: str, phone: str, raw_phone: str | None) -> Q:
    condition = Q(pk__in=[])
    if email:
        condition |= Q(email__iexact=email)
    if phone:
        condition |= Q(phone=phone)
        if raw_phone and raw_phone.strip() != phone:
            condition |= Q(phone=raw_phone.strip())
    return condition


def find_patient_records(pharmacy, email=None, phone=None) -> PatientRecords:
    """Prescriptions, bookings and messages of that pharmacy matching the email or the phone."""
    from notifications.models import OutboxMessage
    from ordonnances.models import Prescription
    from rdv.models import Booking, BookingChange

    norm_email, norm_phone = _contact(email, phone)
    who = _contact_filter(norm_email, norm_phone, phone)
    prescriptions = list(
        Prescription.objects.filter(pharmacy=pharmacy)
        .filter(who)
        .prefetch_related("files", "history")
        .order_by("created_at", "pk")
    )
    bookings = list(
        Booking.objects.filter(pharmacy=pharmacy)
        .filter(who)
        .select_related("service")
        .prefetch_related("changes")
        .order_by("start", "pk")
    )
    about = Q(pk__in=[])
    linked = [
        (Prescription, [p.pk for p in prescriptions]),
        (Booking, [b.pk for b in bookings]),
        (BookingChange, [c.pk for b in bookings for c in b.changes.all()]),
    ]
    for model, pks in linked:
        if pks:
            about |= Q(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=[str(pk) for pk in pks],
            )
    recipients = [r for r in (norm_email, norm_phone) if r]
    if norm_email:
        about |= Q(recipient__iexact=norm_email)
    if recipients:
        about |= Q(recipient__in=recipients)
    messages = list(
        OutboxMessage.objects.filter(pharmacy=pharmacy).filter(about).order_by("created_at", "pk")
    )
    return PatientRecords(
        pharmacy=pharmacy,
        email=norm_email,
        phone=norm_phone,
        prescriptions=prescriptions,
        bookings=bookings,
        messages=messages,
    )


def _file_entry(row) -> dict:
    return {
        "kind": row.kind,
        "kind_label": str(row.get_kind_display()),
        "position": row.position,
        "content_type": row.content_type,
        "size": row.size,
        "sha256": row.sha256,
        "width": row.width,
        "height": row.height,
        "pages": row.pages,
        "received_at": row.created_at,
        "archive_name": f"{EXPORT_FILES_FOLDER}/{row.download_name}",
    }


def _records_as_dict(records: PatientRecords) -> dict:
    pharmacy = records.pharmacy
    return {
        "pharmacy": {
            "name": pharmacy.name,
            "legal_name": pharmacy.legal_name,
            "address": pharmacy.address_line,
            "email": pharmacy.email,
        },
        "generated_at": timezone.now(),
        "request": {"email": records.email, "phone": records.phone},
        "prescriptions": [
            {
                "reference": p.reference,
                "first_name": p.first_name,
                "last_name": p.last_name,
                "phone": p.phone,
                "email": p.email,
                "birth_date": p.birth_date,
                "comment": p.comment,
                "pickup_date": p.pickup_date,
                "notify_by": p.notify_by,
                "language": p.language,
                "status": p.status,
                "status_label": str(p.get_status_display()),
                "status_note": p.status_note,
                "created_at": p.created_at,
                "closed_at": p.closed_at,
                "history": [
                    {
                        "at": h.at,
                        "from": h.from_status,
                        "to": h.to_status,
                        "by_patient": h.by_patient,
                        "note": h.note,
                    }
                    for h in p.history.all()
                ],
                "files": [_file_entry(f) for f in p.files.all()],
            }
            for p in records.prescriptions
        ],
        "bookings": [
            {
                "reference": b.reference,
                "service": b.service.name,
                "start": b.start,
                "end": b.end,
                "first_name": b.first_name,
                "last_name": b.last_name,
                "phone": b.phone,
                "email": b.email,
                "comment": b.comment,
                "notify_by": b.notify_by,
                "language": b.language,
                "status": b.status,
                "booked_by_staff": b.booked_by_staff,
                "created_at": b.created_at,
                "history": [
                    {
                        "at": c.at,
                        "action": c.action,
                        "by_patient": c.by_patient,
                        "old_start": c.old_start,
                        "new_start": c.new_start,
                    }
                    for c in b.changes.all()
                ],
            }
            for b in records.bookings
        ],
        "messages": [
            {
                "channel": m.channel,
                "event": m.event,
                "recipient": m.recipient,
                "subject": m.subject,
                "body_text": m.body_text,
                "language": m.language,
                "status": m.status,
                "created_at": m.created_at,
                "sent_at": m.sent_at,
            }
            for m in records.messages
        ],
    }


def collect_patient_data(pharmacy, email: str | None = None, phone: str | None = None) -> dict:
    """Everything held about that patient in that pharmacy, as JSON-ready data."""
    return _records_as_dict(find_patient_records(pharmacy, email, phone))


def export_patient_data(
    pharmacy,
    email: str | None = None,
    phone: str | None = None,
    *,
    user=None,
    request=None,
    label: str = "",
) -> bytes:
    """A ZIP holding the data as JSON and the decrypted prescription files; logged."""
    records = find_patient_records(pharmacy, email, phone)
    data = _records_as_dict(records)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            EXPORT_JSON_NAME,
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        )
        for prescription in records.prescriptions:
            for row in prescription.files.all():
                archive.writestr(f"{EXPORT_FILES_FOLDER}/{row.download_name}", row.read_decrypted())
    audit.record(
        audit.AuditAction.DATA_EXPORT,
        pharmacy=pharmacy,
        user=user,
        request=request,
        subject=records.subject,
        detail=records.counts(),
        label=label,
    )
    logger.info("GDPR export for pharmacy %s: %s", pharmacy.pk, records.counts())
    return buffer.getvalue()


def erase_patient_data(
    pharmacy,
    email: str | None = None,
    phone: str | None = None,
    *,
    user=None,
    request=None,
    label: str = "",
) -> dict[str, int]:
    """Delete the patient's records, files and messages in that pharmacy; logged.

    The rows go in one transaction; the encrypted files are removed from the storage only once it
    has committed, so a failure leaves everything as it was rather than rows without their files.
    Audit rows stay: they hold no personal data, and the erasure itself is recorded.
    """
    from notifications.models import OutboxMessage

    with transaction.atomic():
        records = find_patient_records(pharmacy, email, phone)
        counts = records.counts()
        stored = [
            f.name
            for p in records.prescriptions
            for row in p.files.all()
            for f in (row.file, row.thumbnail)
            if f and f.name
        ]
        storage = _private_storage()
        OutboxMessage.objects.filter(pk__in=[m.pk for m in records.messages]).delete()
        for booking in records.bookings:
            booking.delete()
        for prescription in records.prescriptions:
            prescription.delete()
        audit.record(
            audit.AuditAction.ERASURE,
            pharmacy=pharmacy,
            user=user,
            request=request,
            subject=records.subject,
            detail=counts,
            label=label,
        )
        transaction.on_commit(lambda: _delete_stored(storage, stored))
    logger.info("GDPR erasure for pharmacy %s: %s", pharmacy.pk, counts)
    return counts


def _private_storage():
    from ordonnances.models import private_storage

    return private_storage()


def _delete_stored(storage, names: list[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("Could not delete stored file %s after an erasure", name)
