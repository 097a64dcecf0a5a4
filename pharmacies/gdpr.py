"""A patient's GDPR rights against one pharmacy: access (export) and erasure, by email or phone.

The pharmacy is the controller: a request is always answered per pharmacy, never across the
platform. Both operations write an audit row that names the patient only by a keyed hash of the
contact given, so the trail shows the request was honoured without keeping who made it.

This layer cannot name the records the features keep about a patient (it sits below them), so
each app that keeps some declares a `PatientData` subclass as its `patient_data` extension point
(pretix's "data shredders" work the same way): the app finds, exports and erases its own rows; this
module runs them all for one request, writes the ZIP, deletes the stored files once the erasure has
committed, and keeps the audit trail.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import Storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from wagtail.models import ModelLogEntry

from . import audit, extensions
from .models import Pharmacy

logger = logging.getLogger("officine.gdpr")

EXPORT_JSON_NAME = "donnees-patient.json"
# Keys of the export's JSON written here; an app's `key` may not take one of them.
RESERVED_KEYS = frozenset({"pharmacy", "generated_at", "request"})


class NoContactGiven(ValueError):
    """Neither an email nor a valid phone: refusing beats matching every record with a blank one."""


@dataclass(frozen=True)
class Patient:
    """Who a request is about, in which pharmacy: the contact as normalised, and the phone as typed.

    Records saved before phone numbers were normalised hold them as typed, so both are matched.
    """

    pharmacy: Pharmacy
    email: str
    phone: str
    typed_phone: str = ""

    def matching(self, email_field: str = "email", phone_field: str = "phone") -> Q:
        """Rows whose contact fields hold this patient's email (any case) or phone; never blanks."""
        condition = Q(pk__in=[])
        if self.email:
            condition |= Q(**{f"{email_field}__iexact": self.email})
        if self.phone:
            condition |= Q(**{phone_field: self.phone})
            if self.typed_phone and self.typed_phone != self.phone:
                condition |= Q(**{phone_field: self.typed_phone})
        return condition


def about(
    objects: Iterable[Model],
    content_type_field: str = "content_type",
    object_id_field: str = "object_id",
) -> Q:
    """Rows of a generic relation (content type + text id) pointing at one of `objects`."""
    ids_by_model: dict[type[Model], list[str]] = {}
    for obj in objects:
        ids_by_model.setdefault(type(obj), []).append(str(obj.pk))
    condition = Q(pk__in=[])
    for model, ids in ids_by_model.items():
        condition |= Q(
            **{
                content_type_field: ContentType.objects.get_for_model(model),
                f"{object_id_field}__in": ids,
            }
        )
    return condition


def row_values(obj, fields: Iterable[str]) -> dict[str, Any]:
    """{field: value} of an object, for the export of rows whose keys are their field names."""
    return {name: getattr(obj, name) for name in fields}


class PatientData:
    """One app's share of a patient's access or erasure request: its own rows, exported or erased.

    An instance answers one request (`self.patient`); the platform calls, in this order:
    `find`, then `export` and `files` for an access request, or `stored_files` then `erase` (in
    the erasure's transaction) for an erasure. `counts` goes to the audit row and, through
    `count_labels`, to the pharmacist.
    """

    #: Key of this app's list in the export's JSON ("prescriptions").
    key: ClassVar[str] = ""
    #: {count name: ngettext_lazy(singular, plural, "n")}, one per key `counts` returns.
    count_labels: ClassVar[dict[str, Any]] = {}
    #: True for data about other apps' rows (messages about a booking): such a part is given those
    #: rows when it finds its own, and comes after them in the export.
    about_other_records: ClassVar[bool] = False

    def __init__(self, patient: Patient):
        self.patient = patient
        self.rows: list[Model] = []

    def find(self, about: Sequence[Model] = ()) -> None:
        """Fill `self.rows` with this app's rows matching `self.patient` in that pharmacy.

        `about`: what the other apps found, given only when `about_other_records` is set.
        """
        raise NotImplementedError

    def related_objects(self) -> list[Model]:
        """Objects other data may be about (messages, admin history): the rows and their parts."""
        return list(self.rows)

    def export(self) -> list[dict]:
        """The rows as JSON-ready dicts, under `key` in the export."""
        raise NotImplementedError

    def files(self) -> Iterable[tuple[str, bytes]]:
        """(name in the ZIP, bytes) of the files to hand over with the data, readable as sent."""
        return ()

    def stored_files(self) -> list[tuple[Storage, str]]:
        """(storage, name) of the stored files to delete once the erasure has committed."""
        return []

    def erase(self) -> None:
        """Delete the rows; runs inside the erasure's transaction."""
        for row in self.rows:
            row.delete()

    def counts(self) -> dict[str, int]:
        return {self.key: len(self.rows)}

    def references(self) -> list[str]:
        """What the pharmacist recognises the rows by (references), shown before acting."""
        return []

    def summary(self) -> str:
        return describe_counts(self.counts(), self.count_labels)


def patient_data_classes() -> list[type[PatientData]]:
    """Every app's declared `PatientData`, in INSTALLED_APPS order.

    Their keys (in the export) and count names (in the audit row) share one namespace each: a
    clash would silently hide one app's data, so it stops the request instead.
    """
    classes = extensions.declared_objects("patient_data")
    keys, counted = set(RESERVED_KEYS), set()
    for cls in classes:
        if not (isinstance(cls, type) and issubclass(cls, PatientData)):
            raise ImproperlyConfigured(f"patient_data {cls!r} is not a PatientData subclass")
        if not cls.key or cls.key in keys or counted & cls.count_labels.keys():
            raise ImproperlyConfigured(f"patient_data {cls.__qualname__}: key or count taken")
        keys.add(cls.key)
        counted.update(cls.count_labels)
    return classes


def describe_counts(counts: dict[str, int], labels: dict[str, Any] | None = None) -> str:
    """'1 ordonnance, 2 fichiers, 0 rendez-vous', in the apps' own words."""
    if labels is None:
        labels = {n: t for cls in patient_data_classes() for n, t in cls.count_labels.items()}
    return ", ".join(labels[name] % {"n": n} for name, n in counts.items() if name in labels)


@dataclass
class PatientRecords:
    """What every app holds about one patient in one pharmacy, found for one request."""

    patient: Patient
    parts: list[PatientData]

    @property
    def pharmacy(self) -> Pharmacy:
        return self.patient.pharmacy

    @property
    def email(self) -> str:
        return self.patient.email

    @property
    def phone(self) -> str:
        return self.patient.phone

    @property
    def subject(self) -> str:
        return audit.subject_hash(self.email, self.phone)

    @property
    def is_empty(self) -> bool:
        return not any(part.rows for part in self.parts)

    def counts(self) -> dict[str, int]:
        return {name: n for part in self.parts for name, n in part.counts().items()}

    def related_objects(self) -> list[Model]:
        return [obj for part in self.parts for obj in part.related_objects()]


def _patient(pharmacy, email: str | None, phone: str | None) -> Patient:
    norm_email = audit.normalise_email(email)
    norm_phone = audit.normalise_phone(phone)
    if not norm_email and not norm_phone:
        raise NoContactGiven("an email or a phone number is required")
    return Patient(pharmacy, norm_email, norm_phone, (phone or "").strip())


def find_patient_records(pharmacy, email=None, phone=None) -> PatientRecords:
    """Every app's rows of that pharmacy matching the email or the phone."""
    patient = _patient(pharmacy, email, phone)
    classes = sorted(patient_data_classes(), key=lambda cls: cls.about_other_records)
    parts = [cls(patient) for cls in classes]
    first = [part for part in parts if not part.about_other_records]
    for part in first:
        part.find()
    found = [obj for part in first for obj in part.related_objects()]
    for part in parts:
        if part.about_other_records:
            part.find(about=found)
    return PatientRecords(patient, parts)


def _as_dict(records: PatientRecords) -> dict:
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
        **{part.key: part.export() for part in records.parts},
    }


def collect_patient_data(pharmacy, email: str | None = None, phone: str | None = None) -> dict:
    """Everything held about that patient in that pharmacy, as JSON-ready data."""
    return _as_dict(find_patient_records(pharmacy, email, phone))


def export_patient_data(
    pharmacy,
    email: str | None = None,
    phone: str | None = None,
    *,
    user=None,
    request=None,
    label: str = "",
) -> bytes:
    """A ZIP holding the data as JSON and the apps' files (decrypted); logged."""
    records = find_patient_records(pharmacy, email, phone)
    data = _as_dict(records)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            EXPORT_JSON_NAME,
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        )
        for part in records.parts:
            for name, content in part.files():
                archive.writestr(name, content)
    counts = records.counts()
    audit.record(
        audit.AuditAction.DATA_EXPORT,
        pharmacy=pharmacy,
        user=user,
        request=request,
        subject=records.subject,
        detail=counts,
        label=label,
    )
    logger.info("GDPR export for pharmacy %s: %s", pharmacy.pk, counts)
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
    """Delete the patient's rows and stored files in that pharmacy, every app's; logged.

    The rows go in one transaction; the stored files are removed only once it has committed, so a
    failure leaves everything as it was rather than rows without their files. The admin history
    of the erased objects stays, without their names. Audit rows stay: they hold no personal data,
    and the erasure itself is recorded.
    """
    with transaction.atomic():
        records = find_patient_records(pharmacy, email, phone)
        counts = records.counts()
        stored = [item for part in records.parts for item in part.stored_files()]
        # Before erasing: a deleted instance's primary key is None.
        history = about(records.related_objects())
        for part in records.parts:
            part.erase()
        _forget_names_in_admin_history(history)
        audit.record(
            audit.AuditAction.ERASURE,
            pharmacy=pharmacy,
            user=user,
            request=request,
            subject=records.subject,
            detail=counts,
            label=label,
        )
        transaction.on_commit(lambda: _delete_stored(stored))
    logger.info("GDPR erasure for pharmacy %s: %s", pharmacy.pk, counts)
    return counts


def _forget_names_in_admin_history(about_erased: Q) -> None:
    """Wagtail's history labels an entry with the object's name ("ORD-… — Jeanne Dupont").

    The entries stay (they say which staff member did what, when) under a neutral label.
    """
    entries = ModelLogEntry.objects.filter(about_erased)
    found = entries.order_by().values_list("content_type_id", "object_id").distinct()
    for content_type_id, object_id in found:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        label = gettext("%(type)s n° %(id)s (données effacées)") % {
            "type": capfirst(model._meta.verbose_name),
            "id": object_id,
        }
        entries.filter(content_type_id=content_type_id, object_id=object_id).update(label=label)


def _delete_stored(stored: list[tuple[Storage, str]]) -> None:
    for storage, name in stored:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("Could not delete stored file %s after an erasure", name)
