"""Prescriptions sent by patients, their encrypted files, and their history.

Who opened which file is in the platform's audit trail (`pharmacies.audit`), not here.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils.translation import gettext_lazy as _

from cms.progress import Step, progress_steps
from notifications.models import PatientContact
from pharmacies.tenancy import PharmacyScopedManager
from pharmacies.workflow import StatusWorkflow

from .files import decrypt


def private_storage():
    """Health data never goes to the default (public media) storage."""
    return storages["private"]


class Status(models.TextChoices):
    RECEIVED = "received", _("Reçue")
    PREPARING = "preparing", _("En préparation")
    READY = "ready", _("Prête")
    PARTIALLY_READY = "partially_ready", _("Partiellement prête")
    READY_TOMORROW = "ready_tomorrow", _("Prête demain")
    COLLECTED = "collected", _("Retirée")
    REFUSED = "refused", _("Refusée")
    CANCELLED = "cancelled", _("Annulée")


READY_STATUSES = {Status.READY, Status.PARTIALLY_READY, Status.READY_TOMORROW}
CLOSED_STATUSES = {Status.COLLECTED, Status.REFUSED, Status.CANCELLED}
# What the patient may still cancel from the tracking page: nothing has been set aside yet.
PATIENT_CANCELLABLE = {Status.RECEIVED, Status.PREPARING}
PROGRESS = (
    (Status.RECEIVED,),
    (Status.PREPARING,),
    (Status.READY, Status.PARTIALLY_READY, Status.READY_TOMORROW),
    (Status.COLLECTED,),
)

TRANSITIONS: dict[str, set[str]] = {
    Status.RECEIVED: {
        Status.PREPARING,
        *READY_STATUSES,
        Status.REFUSED,
        Status.CANCELLED,
    },
    Status.PREPARING: {*READY_STATUSES, Status.REFUSED, Status.CANCELLED},
    Status.READY: {Status.COLLECTED, Status.CANCELLED, Status.PARTIALLY_READY},
    Status.PARTIALLY_READY: {Status.READY, Status.COLLECTED, Status.CANCELLED},
    Status.READY_TOMORROW: {
        Status.READY,
        Status.PARTIALLY_READY,
        Status.COLLECTED,
        Status.CANCELLED,
    },
    Status.COLLECTED: set(),
    Status.REFUSED: set(),
    Status.CANCELLED: set(),
}

# Statuses whose note the patient must read (missing products, reason of a refusal).
NOTE_REQUIRED = {Status.PARTIALLY_READY, Status.REFUSED, Status.CANCELLED}


class Prescription(StatusWorkflow, PatientContact):
    """A prescription a patient sent to one pharmacy, followed until collected, then purged.

    Its reference ("ORD-" and six characters) is what the patient quotes at the counter.

    Personal fields are blanked by the retention task (`purged_at` set); the row itself stays so
    that counts and the status history survive without any health data.
    """

    reference_prefix = "ORD-"
    # Wagtail's reference index would record its link to the pharmacy in the patient's POST
    # (a savepoint, a read and a write); no admin screen asks what points at a pharmacy.
    wagtail_reference_index_ignore = True
    workflow_statuses = Status
    workflow_transitions = TRANSITIONS
    closed_statuses = CLOSED_STATUSES
    patient_cancellable_statuses = PATIENT_CANCELLABLE

    pharmacy = models.ForeignKey(
        "pharmacies.Pharmacy",
        on_delete=models.CASCADE,
        related_name="prescriptions",
        verbose_name=_("pharmacie"),
    )
    comment = models.TextField(_("commentaire"), blank=True)
    pickup_date = models.DateField(_("retrait souhaité le"), null=True, blank=True)
    status = models.CharField(
        _("statut"), max_length=16, choices=Status.choices, default=Status.RECEIVED
    )
    status_note = models.TextField(
        _("message au patient"),
        blank=True,
        help_text=_("Produits manquants, motif du refus… visible par le patient."),
    )
    created_at = models.DateTimeField(_("reçue le"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    closed_at = models.DateTimeField(_("clôturée le"), null=True, blank=True)
    purged_at = models.DateTimeField(_("données effacées le"), null=True, blank=True)

    objects = PharmacyScopedManager()

    class Meta:
        verbose_name = _("ordonnance")
        verbose_name_plural = _("ordonnances")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("view_prescription_files", _("Voir les fichiers des ordonnances (données de santé)"))
        ]
        indexes = [
            models.Index(fields=["pharmacy", "-created_at"], name="ord_pharmacy_created"),
            models.Index(fields=["pharmacy", "status", "-created_at"], name="ord_pharmacy_status"),
            models.Index(fields=["status", "closed_at"], name="ord_status_closed"),
        ]

    def __str__(self):
        if self.purged_at:
            return self.reference
        return f"{self.reference} — {self.first_name} {self.last_name}"

    @property
    def progress(self) -> list[Step]:
        """The steps shown on the patient's tracking page."""
        return progress_steps(PROGRESS, self.status)


class FileKind(models.TextChoices):
    PAGE = "page", _("Page d'ordonnance")
    CARTE_VITALE = "carte_vitale", _("Carte Vitale")
    MUTUELLE = "mutuelle", _("Carte de mutuelle")


def _random_name(instance, filename):
    return f"ordonnances/{secrets.token_hex(16)}"


class PrescriptionFile(models.Model):
    """One sanitised page or card photo, encrypted at rest in the private storage.

    The stored name is random and carries no extension, so neither the patient's file name nor the
    type leaks through the storage listing; `content_type` says how to serve the decrypted bytes.
    """

    prescription = models.ForeignKey(
        Prescription, on_delete=models.CASCADE, related_name="files", verbose_name=_("ordonnance")
    )
    kind = models.CharField(_("type"), max_length=12, choices=FileKind.choices, default="page")
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    file = models.FileField(storage=private_storage, upload_to=_random_name, max_length=200)
    thumbnail = models.FileField(
        storage=private_storage, upload_to=_random_name, max_length=200, blank=True
    )
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(_("taille"), help_text=_("octets, avant chiffrement"))
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    pages = models.PositiveSmallIntegerField(null=True, blank=True)
    # Which key encrypted the stored bytes (see files.key_fingerprint); lets a key rotation resume
    # where it stopped. Blank: written before keys were tracked.
    key_fingerprint = models.CharField(max_length=16, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PharmacyScopedManager("prescription__pharmacy")

    class Meta:
        verbose_name = _("fichier d'ordonnance")
        verbose_name_plural = _("fichiers d'ordonnance")
        ordering = ["prescription", "kind", "position"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.position + 1}"

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"

    @property
    def extension(self) -> str:
        return {"application/pdf": ".pdf", "image/png": ".png"}.get(self.content_type, ".jpg")

    @property
    def download_name(self) -> str:
        label = {"page": "page", "carte_vitale": "carte-vitale", "mutuelle": "mutuelle"}[self.kind]
        return f"{self.prescription.reference}-{label}-{self.position + 1}{self.extension}"

    def read_decrypted(self, thumbnail: bool = False) -> bytes:
        field = self.thumbnail if thumbnail else self.file
        with field.storage.open(field.name, "rb") as handle:
            token = handle.read()
        return decrypt(token, settings.OFFICINE_FILE_KEYS)

    def delete_stored(self) -> None:
        """Remove the encrypted bytes (file and thumbnail) from the storage."""
        for field in (self.file, self.thumbnail):
            if field and field.name:
                field.storage.delete(field.name)


class StatusChange(models.Model):
    """Who moved a prescription from which status to which, and what the patient was told."""

    prescription = models.ForeignKey(
        Prescription, on_delete=models.CASCADE, related_name="history", verbose_name=_("ordonnance")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    by_patient = models.BooleanField(_("par le patient"), default=False)
    from_status = models.CharField(_("de"), max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(_("vers"), max_length=16, choices=Status.choices)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("changement de statut")
        verbose_name_plural = _("historique des statuts")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.prescription_id}: {self.from_status} → {self.to_status}"

    @property
    def actor_label(self) -> str:
        if self.by_patient:
            return str(_("Le patient"))
        if self.user is None:
            return str(_("Système")) if self.from_status else str(_("Envoi en ligne"))
        return self.user.get_full_name() or self.user.get_username()


# --- Renewable prescriptions ------------------------------------------------------------

RENEWAL_INTERVALS = (28, 30)
RENEWAL_MAX_DISPENSINGS = 13  # a year of 28-day boxes: the longest a renewable prescription runs
RENEWAL_MAX_INTERVAL_DAYS = 92
DEFAULT_LEAD_DAYS = 3


class RenewalStatus(models.TextChoices):
    REQUESTED = "requested", _("À confirmer")
    ACTIVE = "active", _("En cours")
    STOPPED = "stopped", _("Arrêté")
    FINISHED = "finished", _("Terminé")


LIVE_RENEWAL_STATUSES = {RenewalStatus.REQUESTED, RenewalStatus.ACTIVE}


class PatientRequest(models.TextChoices):
    SKIP = "skip", _("Sauter cette délivrance")
    DELAY = "delay", _("Décaler d'une semaine")
    STOP = "stop", _("Arrêter le renouvellement")


class RenewalSchedule(models.Model):
    """The month-by-month follow-up of a renewable prescription.

    The patient only says the prescription is renewable (and maybe for how many months); the
    pharmacist reads it and sets the schedule. Dispensing 1 is the prescription's own preparation;
    dispensings 2..N are `Dispensing` rows, created by the beat job when they become due, so each
    is prepared, announced and collected like a first preparation.
    """

    prescription = models.OneToOneField(
        Prescription,
        on_delete=models.CASCADE,
        related_name="renewal",
        verbose_name=_("ordonnance"),
    )
    requested_months = models.PositiveSmallIntegerField(
        _("durée indiquée par le patient (mois)"), null=True, blank=True
    )
    dispensings_total = models.PositiveSmallIntegerField(
        _("nombre de délivrances"), null=True, blank=True
    )
    interval_days = models.PositiveSmallIntegerField(_("intervalle (jours)"), default=28)
    first_date = models.DateField(_("première délivrance le"), null=True, blank=True)
    # Days added by the patient's "one week later" requests: every following date moves too.
    shift_days = models.PositiveSmallIntegerField(_("décalage (jours)"), default=0)
    status = models.CharField(
        _("état"), max_length=12, choices=RenewalStatus.choices, default=RenewalStatus.REQUESTED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PharmacyScopedManager("prescription__pharmacy")

    class Meta:
        verbose_name = _("renouvellement")
        verbose_name_plural = _("renouvellements")
        indexes = [models.Index(fields=["status"], name="ord_renewal_status")]

    def __str__(self):
        return f"{self.prescription.reference} ({self.get_status_display()})"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_RENEWAL_STATUSES

    @property
    def is_set(self) -> bool:
        return bool(self.dispensings_total and self.first_date)

    def due_date(self, number: int):
        """When dispensing `number` (1 = the prescription itself) is due."""
        if not self.is_set:
            return None
        return self.first_date + timedelta(days=(number - 1) * self.interval_days + self.shift_days)

    @property
    def end_date(self):
        return self.due_date(self.dispensings_total) if self.is_set else None

    def done_numbers(self) -> set[int]:
        """Dispensings already over (collected, refused, cancelled or skipped)."""
        done = {1} if self.prescription.status in CLOSED_STATUSES else set()
        done |= {
            d.number for d in Dispensing.objects.filter(schedule=self, status__in=CLOSED_STATUSES)
        }
        return done

    @property
    def remaining(self) -> int:
        """Dispensings still to come, the one in preparation included."""
        if not self.is_set or self.status != RenewalStatus.ACTIVE:
            return 0
        return max(0, self.dispensings_total - len(self.done_numbers()))


class Dispensing(StatusWorkflow, models.Model):
    """One renewal's preparation ("2/3"): the same workflow and messages as a first preparation.

    Unique per schedule and number, so the beat job that creates it can run twice (or on two
    workers at once) and create it once.
    """

    workflow_statuses = Status
    workflow_transitions = TRANSITIONS
    closed_statuses = CLOSED_STATUSES

    schedule = models.ForeignKey(
        RenewalSchedule,
        on_delete=models.CASCADE,
        related_name="dispensings",
        verbose_name=_("renouvellement"),
    )
    prescription = models.ForeignKey(
        Prescription,
        on_delete=models.CASCADE,
        related_name="dispensings",
        verbose_name=_("ordonnance"),
    )
    number = models.PositiveSmallIntegerField(_("délivrance n°"))
    due_date = models.DateField(_("prévue le"))
    status = models.CharField(
        _("statut"), max_length=16, choices=Status.choices, default=Status.RECEIVED
    )
    status_note = models.TextField(_("message au patient"), blank=True)
    patient_request = models.CharField(
        _("demande du patient"), max_length=8, choices=PatientRequest.choices, blank=True
    )
    patient_request_at = models.DateTimeField(_("demandée le"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(_("clôturée le"), null=True, blank=True)

    objects = PharmacyScopedManager("prescription__pharmacy")

    class Meta:
        verbose_name = _("délivrance renouvelée")
        verbose_name_plural = _("délivrances renouvelées")
        ordering = ["due_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "number"], name="ord_dispensing_unique_number"
            )
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="ord_dispensing_due")]

    def __str__(self):
        return f"{self.prescription.reference} {self.label}"

    @property
    def label(self) -> str:
        return f"{self.number}/{self.schedule.dispensings_total}"

    @property
    def is_last(self) -> bool:
        return self.number >= (self.schedule.dispensings_total or 0)


class RenewalSettings(models.Model):
    """A pharmacy's renewal preferences, kept by this app rather than on the Pharmacy itself."""

    pharmacy = models.OneToOneField(
        "pharmacies.Pharmacy",
        on_delete=models.CASCADE,
        related_name="renewal_settings",
        verbose_name=_("pharmacie"),
    )
    lead_days = models.PositiveSmallIntegerField(
        _("jours d'avance"),
        default=DEFAULT_LEAD_DAYS,
        help_text=_("Combien de jours avant la date prévue un renouvellement devient à préparer."),
    )

    objects = PharmacyScopedManager("pharmacy")

    class Meta:
        verbose_name = _("réglages des renouvellements")
        verbose_name_plural = _("réglages des renouvellements")

    def __str__(self):
        return str(self.pharmacy)
