"""Renewable prescriptions: the schedule, each month's preparation, and the patient's requests.

Dispensing 1 is the prescription's own preparation (`services.change_status`); this module owns
dispensings 2..N. Like `services`, each function writes the record, the audit event and the
outbox rows in one transaction. The beat job creating due preparations relies on the unique
(schedule, number) constraint: `get_or_create` there makes a second run, or a second worker,
create nothing twice.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from notifications.api import notify_contact, notify_pharmacy
from pharmacies import audit
from pharmacies.models import Pharmacy
from pharmacies.tenancy import all_pharmacies

from .models import (
    CLOSED_STATUSES,
    DEFAULT_LEAD_DAYS,
    NOTE_REQUIRED,
    PATIENT_CANCELLABLE,
    RENEWAL_MAX_DISPENSINGS,
    RENEWAL_MAX_INTERVAL_DAYS,
    TRANSITIONS,
    Dispensing,
    PatientRequest,
    Prescription,
    RenewalSchedule,
    RenewalSettings,
    RenewalStatus,
    Status,
)
from .services import STATUS_EVENTS, TransitionError, admin_url, pickup_hours, tracking_url

logger = logging.getLogger("officine.ordonnances")

DELAY_DAYS = 7
WAITING_STATUSES = (Status.RECEIVED, Status.PREPARING)


class RenewalError(ValueError):
    """A schedule change or patient request that cannot be applied; the message is French."""


# --- Settings ---------------------------------------------------------------------------


def lead_days(pharmacy: Pharmacy | int) -> int:
    """Days ahead a renewal shows up in the "à préparer" list (default 3)."""
    pk = pharmacy if isinstance(pharmacy, int) else pharmacy.pk
    row = RenewalSettings.objects.filter(pharmacy_id=pk).only("lead_days").first()
    return row.lead_days if row else DEFAULT_LEAD_DAYS


def set_lead_days(pharmacy: Pharmacy, days: int, *, user=None, request=None) -> None:
    if not 0 <= days <= 30:
        raise RenewalError("Choisissez entre 0 et 30 jours d'avance.")
    with transaction.atomic():
        RenewalSettings.objects.update_or_create(pharmacy=pharmacy, defaults={"lead_days": days})
        audit.record(
            audit.AuditAction.STATUS_CHANGE,
            pharmacy=pharmacy,
            user=user,
            request=request,
            object_type="ordonnances.renewalsettings",
            object_id=str(pharmacy.pk),
            detail={"renewal_lead_days": days},
        )


# --- The schedule -----------------------------------------------------------------------


def _record(schedule: RenewalSchedule, detail: dict, *, user=None, request=None, label=""):
    audit.record(
        audit.AuditAction.STATUS_CHANGE,
        pharmacy=schedule.prescription.pharmacy,
        user=user,
        request=request,
        obj=schedule,
        detail={"prescription": schedule.prescription_id, **detail},
        label=label,
    )


def set_schedule(
    prescription: Prescription,
    *,
    dispensings_total: int,
    interval_days: int,
    first_date: date,
    user=None,
    request=None,
) -> RenewalSchedule:
    """Confirm or change the schedule the pharmacist read on the prescription."""
    if not 2 <= dispensings_total <= RENEWAL_MAX_DISPENSINGS:
        raise RenewalError(
            f"Indiquez entre 2 et {RENEWAL_MAX_DISPENSINGS} délivrances (la première comprise)."
        )
    if not 7 <= interval_days <= RENEWAL_MAX_INTERVAL_DAYS:
        raise RenewalError(f"Indiquez un intervalle entre 7 et {RENEWAL_MAX_INTERVAL_DAYS} jours.")
    today = timezone.localdate()
    if abs((first_date - today).days) > 366:
        raise RenewalError("La date de première délivrance doit être dans l'année.")
    with transaction.atomic():
        if prescription.purged_at:
            raise RenewalError("Cette ordonnance a été effacée.")
        schedule, _created = RenewalSchedule.objects.select_for_update(of=("self",)).get_or_create(
            prescription=prescription
        )
        if schedule.status in (RenewalStatus.STOPPED, RenewalStatus.FINISHED):
            raise RenewalError("Ce renouvellement est terminé ; il ne peut plus être modifié.")
        created_numbers = set(schedule.dispensings.values_list("number", flat=True))
        if created_numbers and dispensings_total < max(created_numbers):
            raise RenewalError(
                f"La délivrance {max(created_numbers)} existe déjà : "
                "le nombre de délivrances ne peut pas être plus petit."
            )
        before = {
            "total": schedule.dispensings_total,
            "interval": schedule.interval_days,
            "first_date": schedule.first_date.isoformat() if schedule.first_date else None,
            "status": schedule.status,
        }
        schedule.dispensings_total = dispensings_total
        schedule.interval_days = interval_days
        schedule.first_date = first_date
        schedule.status = RenewalStatus.ACTIVE
        schedule.save()
        _record(
            schedule,
            {
                "renewal": "set",
                "before": before,
                "total": dispensings_total,
                "interval": interval_days,
                "first_date": first_date.isoformat(),
            },
            user=user,
            request=request,
        )
    return schedule


def stop_schedule(
    schedule: RenewalSchedule, *, user=None, request=None, by_patient=False
) -> RenewalSchedule:
    """No further dispensing; ones not yet prepared are cancelled, prepared ones stay."""
    with transaction.atomic():
        locked = RenewalSchedule.objects.select_for_update(of=("self",)).get(pk=schedule.pk)
        if not locked.is_live:
            raise RenewalError("Ce renouvellement est déjà terminé.")
        locked.status = RenewalStatus.STOPPED
        locked.save(update_fields=["status", "updated_at"])
        now = timezone.now()
        locked.dispensings.filter(status__in=WAITING_STATUSES).update(
            status=Status.CANCELLED, closed_at=now, patient_request="", updated_at=now
        )
        locked.dispensings.exclude(patient_request="").update(patient_request="")
        _record(
            locked,
            {"renewal": "stopped", "by_patient": by_patient},
            user=user,
            request=request,
            label="patient" if by_patient else "",
        )
    schedule.refresh_from_db()
    return schedule


def _finish_if_done(schedule: RenewalSchedule) -> None:
    if schedule.status == RenewalStatus.ACTIVE and schedule.remaining == 0:
        schedule.status = RenewalStatus.FINISHED
        schedule.save(update_fields=["status", "updated_at"])
        _record(schedule, {"renewal": "finished"})


# --- Creating due preparations ----------------------------------------------------------


def next_number(schedule: RenewalSchedule) -> int | None:
    """The next dispensing not created yet, or None when the schedule has them all."""
    numbers = schedule.dispensings.values_list("number", flat=True)
    number = max([1, *numbers]) + 1
    return number if number <= (schedule.dispensings_total or 0) else None


def ensure_dispensing(schedule: RenewalSchedule, number: int) -> tuple[Dispensing, bool]:
    """Dispensing `number` of the schedule, created once whoever asks and however often."""
    dispensing, created = Dispensing.objects.get_or_create(
        schedule=schedule,
        number=number,
        defaults={
            "prescription_id": schedule.prescription_id,
            "due_date": schedule.due_date(number),
        },
    )
    if created:
        prescription = schedule.prescription
        notify_pharmacy(
            pharmacy=prescription.pharmacy,
            event="dispensing_due",
            obj=dispensing,
            context={
                "reference": prescription.reference,
                "label": dispensing.label,
                "due_date": dispensing.due_date,
                "admin_url": admin_url(prescription),
            },
        )
    return dispensing, created


def create_due_dispensings(today: date | None = None) -> int:
    """Beat job: create every renewal preparation due within its pharmacy's lead time.

    Runs across pharmacies (a system job), once a day or more often: a preparation already
    created is found again, never created twice.
    """
    today = today or timezone.localdate()
    created = 0
    with all_pharmacies():
        leads: dict[int, int] = dict(
            RenewalSettings.objects.values_list("pharmacy_id", "lead_days")
        )
        schedules = (
            RenewalSchedule.objects.filter(
                status=RenewalStatus.ACTIVE,
                prescription__purged_at__isnull=True,
                dispensings_total__isnull=False,
                first_date__isnull=False,
            )
            .select_related("prescription__pharmacy")
            .order_by("pk")
        )
        for schedule in schedules.iterator():
            horizon = today + timedelta(
                days=leads.get(schedule.prescription.pharmacy_id, DEFAULT_LEAD_DAYS)
            )
            number = next_number(schedule)
            while number is not None and schedule.due_date(number) <= horizon:
                with transaction.atomic():
                    _dispensing, new = ensure_dispensing(schedule, number)
                created += new
                number = next_number(schedule)
    if created:
        logger.info("Created %d renewal preparation(s) due by %s", created, today)
    return created


def due_dispensings(queryset=None, today: date | None = None):
    """Renewal preparations in the "à préparer" list: open and due within the lead time."""
    today = today or timezone.localdate()
    qs = queryset if queryset is not None else Dispensing.objects.all()
    qs = qs.filter(
        status__in=WAITING_STATUSES,
        schedule__status=RenewalStatus.ACTIVE,
        prescription__purged_at__isnull=True,
    ).select_related("schedule", "prescription__pharmacy")
    leads = dict(RenewalSettings.objects.values_list("pharmacy_id", "lead_days"))
    return [
        d
        for d in qs.order_by("due_date", "pk")
        if d.due_date
        <= today + timedelta(days=leads.get(d.prescription.pharmacy_id, DEFAULT_LEAD_DAYS))
    ]


# --- Workflow of one dispensing ---------------------------------------------------------


def patient_context(dispensing: Dispensing, note: str = "") -> dict:
    prescription = dispensing.prescription
    return {
        "prescription": prescription,
        # "ORD-ABC234 (2/3)": every message of a first preparation says which dispensing it is.
        "reference": f"{prescription.reference} ({dispensing.label})",
        "tracking_url": tracking_url(prescription),
        "dispensing": dispensing,
        "dispensing_label": dispensing.label,
        "last_dispensing": dispensing.is_last,
        "pickup_hours": pickup_hours(prescription.pharmacy),
        "note": note,
    }


def change_dispensing_status(
    dispensing: Dispensing, to_status: str, *, user=None, note: str = "", request=None
) -> Dispensing:
    """Move one renewal preparation along the same workflow (and messages) as a first one."""
    note = (note or "").strip()
    with transaction.atomic():
        locked = (
            Dispensing.objects.select_for_update(of=("self",))
            .select_related("schedule", "prescription__pharmacy")
            .get(pk=dispensing.pk)
        )
        if locked.prescription.purged_at:
            raise TransitionError("Cette ordonnance a été effacée.")
        if to_status not in TRANSITIONS.get(locked.status, set()):
            raise TransitionError(
                f"Impossible de passer de « {locked.get_status_display()} » "
                f"à « {Status(to_status).label} »."
            )
        if to_status in NOTE_REQUIRED and not note:
            raise TransitionError("Indiquez un message pour le patient.")
        from_status = locked.status
        locked.status = to_status
        if to_status in NOTE_REQUIRED or note:
            locked.status_note = note
        if to_status in CLOSED_STATUSES:
            locked.closed_at = timezone.now()
        locked.save()
        audit.record(
            audit.AuditAction.STATUS_CHANGE,
            pharmacy=locked.prescription.pharmacy,
            user=user,
            request=request,
            obj=locked,
            detail={
                "prescription": locked.prescription_id,
                "dispensing": locked.label,
                "from": from_status,
                "to": to_status,
            },
        )
        if to_status in STATUS_EVENTS:
            notify_contact(
                locked.prescription,
                event=STATUS_EVENTS[to_status],
                obj=locked,
                context=patient_context(locked, locked.status_note),
            )
        if to_status in CLOSED_STATUSES:
            _finish_if_done(locked.schedule)
    dispensing.refresh_from_db()
    return dispensing


# --- The patient's requests -------------------------------------------------------------


def next_for_patient(schedule: RenewalSchedule) -> Dispensing | None:
    """The dispensing a patient's request is about: the first one not over, created if needed."""
    if schedule.status != RenewalStatus.ACTIVE:
        return None
    open_one = schedule.dispensings.exclude(status__in=CLOSED_STATUSES).order_by("number").first()
    if open_one is not None:
        return open_one
    number = next_number(schedule)
    if number is None:
        return None
    return ensure_dispensing(schedule, number)[0]


def upcoming(schedule: RenewalSchedule) -> Dispensing | None:
    """What the tracking page shows as the next one, without creating anything."""
    if schedule.status != RenewalStatus.ACTIVE:
        return None
    return schedule.dispensings.exclude(status__in=CLOSED_STATUSES).order_by("number").first()


def patient_can_ask(schedule: RenewalSchedule, kind: str) -> bool:
    if schedule.status != RenewalStatus.ACTIVE or not schedule.is_set:
        return False
    if kind == PatientRequest.STOP:
        return True
    current = upcoming(schedule)
    if current is not None:
        return current.status in PATIENT_CANCELLABLE
    return next_number(schedule) is not None


def ask(prescription: Prescription, kind: str, *, request=None) -> Dispensing:
    """The patient asks, from the tracking link, to skip, delay or stop; the pharmacist decides."""
    if kind not in PatientRequest.values:
        raise RenewalError("Demande inconnue.")
    with transaction.atomic():
        schedule = (
            RenewalSchedule.objects.select_for_update(of=("self",))
            .select_related("prescription__pharmacy")
            .filter(prescription=prescription)
            .first()
        )
        if schedule is None or not patient_can_ask(schedule, kind):
            raise RenewalError(
                "Cette demande n'est plus possible : appelez la pharmacie si besoin."
            )
        dispensing = next_for_patient(schedule)
        if dispensing is None:
            raise RenewalError("Il n'y a plus de délivrance prévue.")
        dispensing.patient_request = kind
        dispensing.patient_request_at = timezone.now()
        dispensing.save(update_fields=["patient_request", "patient_request_at", "updated_at"])
        _record(
            schedule,
            {"renewal": "patient_request", "request": kind, "dispensing": dispensing.label},
            request=request,
            label="patient",
        )
        notify_pharmacy(
            pharmacy=schedule.prescription.pharmacy,
            event="renewal_request",
            obj=dispensing,
            context={
                "reference": prescription.reference,
                "label": dispensing.label,
                "request_label": PatientRequest(kind).label,
                "admin_url": admin_url(prescription),
            },
        )
    return dispensing


def answer_request(dispensing: Dispensing, *, accept: bool, user=None, request=None) -> str:
    """The pharmacist applies or dismisses the patient's pending request; returns what was done."""
    with transaction.atomic():
        locked = (
            Dispensing.objects.select_for_update(of=("self",))
            .select_related("schedule__prescription__pharmacy")
            .get(pk=dispensing.pk)
        )
        kind = locked.patient_request
        if not kind:
            raise RenewalError("Aucune demande du patient en attente.")
        schedule = locked.schedule
        locked.patient_request = ""
        if accept and kind != PatientRequest.STOP and locked.status not in PATIENT_CANCELLABLE:
            raise RenewalError(
                "Cette délivrance est déjà préparée : la demande ne peut plus s'appliquer."
            )
        if accept and kind == PatientRequest.SKIP:
            locked.status = Status.CANCELLED
            locked.status_note = "Délivrance sautée à la demande du patient."
            locked.closed_at = timezone.now()
        elif accept and kind == PatientRequest.DELAY:
            locked.due_date += timedelta(days=DELAY_DAYS)
            schedule.shift_days += DELAY_DAYS
            schedule.save(update_fields=["shift_days", "updated_at"])
        locked.save()
        _record(
            schedule,
            {
                "renewal": "request_accepted" if accept else "request_dismissed",
                "request": kind,
                "dispensing": locked.label,
            },
            user=user,
            request=request,
        )
        if accept and kind == PatientRequest.STOP:
            stop_schedule(schedule, user=user, request=request, by_patient=True)
        elif accept and kind == PatientRequest.SKIP:
            _finish_if_done(schedule)
    dispensing.refresh_from_db()
    return kind
