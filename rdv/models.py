"""Services a pharmacy offers by appointment, the bookings patients make, and their history."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.forms.models import register_form_field_override
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel

from notifications.models import PatientContact
from pharmacies import hours
from pharmacies.models import Pharmacy, TitularPharmacist, WeeklyHours
from pharmacies.panels import WeeklyHoursPanel
from pharmacies.tenancy import PharmacyScopedManager

from .slots import ServiceRules

SERVICE_CATEGORIES = [
    ("vaccination", _("Vaccination")),
    ("depistage", _("Dépistage (TROD)")),
    ("entretien", _("Entretien et bilan")),
    ("atelier", _("Atelier")),
    ("autre", _("Autre")),
]


def new_secret() -> str:
    return secrets.token_urlsafe(16)


class ResourceKind(models.TextChoices):
    PHARMACIST = "pharmacien", _("Pharmacien(ne)")
    ROOM = "salle", _("Salle")


class Resource(ClusterableModel):
    """Who or what an appointment takes: a pharmacist or a room ("Box de vaccination").

    Several services share a resource, so one pharmacist is never booked for a vaccination and a
    TROD at the same 10:00. Its own weekly hours, when it has any, narrow the services' hours
    (a pharmacist present only in the morning); without any, it follows the services' hours.
    """

    pharmacy = models.ForeignKey(
        Pharmacy,
        on_delete=models.CASCADE,
        related_name="rdv_resources",
        verbose_name=_("pharmacie"),
    )
    kind = models.CharField(
        _("type"), max_length=12, choices=ResourceKind.choices, default=ResourceKind.PHARMACIST
    )
    name = models.CharField(_("nom"), max_length=120)
    pharmacist = models.ForeignKey(
        TitularPharmacist,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pharmacien(ne) titulaire"),
        help_text=_("Facultatif : le ou la titulaire que cette ressource représente."),
    )
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    objects = PharmacyScopedManager()

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("pharmacy"),
                FieldRowPanel([FieldPanel("kind"), FieldPanel("name")]),
                FieldPanel("pharmacist"),
                FieldRowPanel([FieldPanel("active"), FieldPanel("sort_order")]),
            ],
            heading=_("Ressource"),
        ),
        MultiFieldPanel(
            [WeeklyHoursPanel("hours", label=_("Plage"))],
            heading=_("Présence"),
            help_text=_("Vide : disponible pendant les horaires de chaque prestation."),
        ),
    ]

    class Meta:
        verbose_name = _("ressource")
        verbose_name_plural = _("ressources")
        ordering = ["pharmacy", "sort_order", "name"]

    def __str__(self):
        return self.name

    @classmethod
    def default_for(cls, pharmacy: Pharmacy) -> Resource:
        """The pharmacy's first active pharmacist, created ("Pharmacien(ne)") when it has none."""
        found = (
            cls._base_manager.filter(pharmacy=pharmacy, kind=ResourceKind.PHARMACIST, active=True)
            .order_by("sort_order", "pk")
            .first()
        )
        if found is None:
            found = cls._base_manager.create(
                pharmacy=pharmacy, kind=ResourceKind.PHARMACIST, name=str(_("Pharmacien(ne)"))
            )
        return found

    def service_names(self) -> str:
        return ", ".join(s.name for s in self.services.all()) or "—"

    @cached_property
    def own_weekly(self) -> dict[int, list] | None:
        """The resource's weekly ranges, or None when it has none (no narrowing)."""
        rows = list(self.hours.all())
        return hours.weekly(rows) if rows else None


class ResourceHours(WeeklyHours):
    """One weekly range when a resource is available (a pharmacist's mornings, a room's days)."""

    resource = ParentalKey(Resource, on_delete=models.CASCADE, related_name="hours")

    class Meta(WeeklyHours.Meta):
        verbose_name = _("plage de la ressource")
        verbose_name_plural = _("plages de la ressource")


# Admin forms are built at start-up, outside any scope, where the scoped manager refuses to run:
# they start with no choices and `rdv.admin_forms` gives them the user's own resources.
register_form_field_override(
    models.ForeignKey,
    to=Resource,
    override={"queryset": Resource.objects.with_scopes_disabled().none()},
)


class Service(ClusterableModel):
    """Something a patient books at one pharmacy (a vaccination, a TROD, an interview, a workshop).

    Its rules (duration, seats per slot, notice, horizon, daily quota) feed the slot engine; its own
    weekly schedule, when it has one, replaces the pharmacy's opening hours for this service.
    """

    pharmacy = models.ForeignKey(
        Pharmacy, on_delete=models.CASCADE, related_name="services", verbose_name=_("pharmacie")
    )
    name = models.CharField(_("nom"), max_length=120)
    slug = models.SlugField(_("identifiant"), max_length=80)
    category = models.CharField(
        _("catégorie"), max_length=20, choices=SERVICE_CATEGORIES, default="autre"
    )
    description = models.TextField(_("description"), blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("durée (minutes)"), default=15, validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    capacity = models.PositiveSmallIntegerField(
        _("places par créneau"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "1 pour un entretien ; plusieurs pour un atelier ou une séance de vaccination."
        ),
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(
        _("battement après (minutes)"), default=0, validators=[MaxValueValidator(240)]
    )
    min_notice_hours = models.PositiveSmallIntegerField(
        _("délai minimum (heures)"), default=2, validators=[MaxValueValidator(24 * 30)]
    )
    horizon_days = models.PositiveSmallIntegerField(
        _("réservable jusqu'à (jours)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    max_per_day = models.PositiveSmallIntegerField(
        _("maximum de rendez-vous par jour"),
        null=True,
        blank=True,
        help_text=_("Vide : pas de limite."),
    )
    resource = models.ForeignKey(
        Resource,
        on_delete=models.PROTECT,
        null=True,
        related_name="services",
        verbose_name=_("ressource"),
        help_text=_(
            "Le pharmacien ou la salle que prend ce rendez-vous : deux prestations qui partagent "
            "une ressource ne sont jamais réservées en même temps."
        ),
    )
    use_own_schedule = models.BooleanField(
        _("horaires propres"),
        default=False,
        help_text=_("Sinon, les horaires d'ouverture de la pharmacie."),
    )
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("pharmacy"),
                FieldPanel("name"),
                FieldPanel("slug"),
                FieldPanel("category"),
                FieldPanel("resource"),
                FieldPanel("description"),
                FieldRowPanel([FieldPanel("active"), FieldPanel("sort_order")]),
            ],
            heading=_("Prestation"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [
                        FieldPanel("duration_minutes"),
                        FieldPanel("capacity"),
                        FieldPanel("buffer_after_minutes"),
                    ]
                ),
                FieldRowPanel(
                    [
                        FieldPanel("min_notice_hours"),
                        FieldPanel("horizon_days"),
                        FieldPanel("max_per_day"),
                    ]
                ),
            ],
            heading=_("Règles de réservation"),
        ),
        MultiFieldPanel(
            [FieldPanel("use_own_schedule"), WeeklyHoursPanel("hours", label=_("Plage"))],
            heading=_("Horaires de la prestation"),
        ),
    ]

    class Meta:
        verbose_name = _("prestation")
        verbose_name_plural = _("prestations")
        ordering = ["pharmacy", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["pharmacy", "slug"], name="rdv_service_unique_slug")
        ]

    def __str__(self):
        return self.name

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def rules(self) -> ServiceRules:
        return ServiceRules(
            duration=self.duration,
            capacity=self.capacity,
            buffer_after=timedelta(minutes=self.buffer_after_minutes),
            min_notice=timedelta(hours=self.min_notice_hours),
            horizon_days=self.horizon_days,
            max_per_day=self.max_per_day,
        )

    @cached_property
    def own_weekly(self) -> dict[int, list]:
        return hours.weekly(self.hours.all())


class ServiceHours(WeeklyHours):
    """One weekly range of a service's own schedule (e.g. vaccinations only on Tuesday mornings)."""

    service = ParentalKey(Service, on_delete=models.CASCADE, related_name="hours")

    class Meta(WeeklyHours.Meta):
        verbose_name = _("plage de la prestation")
        verbose_name_plural = _("plages de la prestation")


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("Réservé")
    CANCELLED = "cancelled", _("Annulé")
    DONE = "done", _("Honoré")
    NO_SHOW = "no_show", _("Absent")


# A booking in these states holds its seat.
SEAT_HOLDING = (BookingStatus.BOOKED, BookingStatus.DONE, BookingStatus.NO_SHOW)


class Booking(PatientContact):
    """One patient's appointment for a service at a start time; it holds one seat of that slot.

    Its reference ("RDV-" and six characters) is what the patient reads out over the phone.
    """

    reference_prefix = "RDV-"
    # Wagtail's reference index would record its links (pharmacy and service) in the patient's POST
    # (a savepoint, a read and a write), and a service's usage screen would list patients.
    wagtail_reference_index_ignore = True

    pharmacy = models.ForeignKey(
        Pharmacy, on_delete=models.CASCADE, related_name="bookings", verbose_name=_("pharmacie")
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("prestation")
    )
    start = models.DateTimeField(_("début"), db_index=True)
    end = models.DateTimeField(_("fin"))
    comment = models.TextField(_("commentaire"), blank=True, max_length=1000)
    status = models.CharField(
        _("statut"),
        max_length=10,
        choices=BookingStatus.choices,
        default=BookingStatus.BOOKED,
        db_index=True,
    )
    secret = models.CharField(max_length=40, default=new_secret, editable=False)
    idempotency_key = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    booked_by_staff = models.BooleanField(_("pris par la pharmacie"), default=False)
    reminder_sent_at = models.DateTimeField(_("rappel envoyé le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = PharmacyScopedManager()

    class Meta:
        verbose_name = _("rendez-vous")
        verbose_name_plural = _("rendez-vous")
        ordering = ["start"]
        indexes = [
            models.Index(fields=["service", "status", "start"]),
            # The admin listing (newest first, one pharmacy among hundreds): see docs/performance.md.
            models.Index(fields=["pharmacy", "-start"], name="rdv_booking_pharmacy_start"),
        ]

    def __str__(self):
        local = timezone.localtime(self.start)
        return f"{self.reference} · {self.service} · {local:%d/%m/%Y %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status == BookingStatus.BOOKED


class BookingChange(models.Model):
    """What happened to a booking and who did it: the agenda's answer to "who cancelled this?"."""

    class Action(models.TextChoices):
        CREATED = "created", _("Créé")
        CANCELLED = "cancelled", _("Annulé")
        MOVED = "moved", _("Déplacé")
        DONE = "done", _("Honoré")
        NO_SHOW = "no_show", _("Absent")
        REMINDED = "reminded", _("Rappel envoyé")

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="changes")
    action = models.CharField(max_length=12, choices=Action.choices)
    by_patient = models.BooleanField(default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    old_start = models.DateTimeField(null=True, blank=True)
    new_start = models.DateTimeField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("historique du rendez-vous")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.booking.reference} {self.action} {self.at:%Y-%m-%d %H:%M}"


class SlotLock(models.Model):
    """One row per (service, start) that every booking of that slot locks before counting seats.

    Writers take `SELECT ... FOR UPDATE` on it inside their transaction, then count the seats held
    and insert: on PostgreSQL two requests for the last seat are serialised by the database, not by
    a check-then-insert race. The row carries no count, so a cancellation frees the seat at once.
    """

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "start"], name="rdv_slotlock_unique")
        ]

    def __str__(self):
        return f"{self.service_id}@{self.start.isoformat()}"


class AgendaFeed(models.Model):
    """The private iCal address of a pharmacy's upcoming appointments, for the staff's agenda app.

    Whoever has the address reads the agenda without logging in, so it is a random token that the
    pharmacy revokes (the old address then answers 404) and, unless the pharmacy opts in, patients
    appear by their initials only.
    """

    pharmacy = models.OneToOneField(
        Pharmacy,
        on_delete=models.CASCADE,
        related_name="rdv_agenda_feed",
        verbose_name=_("pharmacie"),
    )
    token = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    full_names = models.BooleanField(
        _("noms complets des patients"),
        default=False,
        help_text=_("Sinon, seulement leurs initiales."),
    )
    created_at = models.DateTimeField(_("adresse créée le"), null=True, blank=True)

    objects = PharmacyScopedManager()

    class Meta:
        verbose_name = _("agenda iCal privé")
        verbose_name_plural = _("agendas iCal privés")

    def __str__(self):
        return str(_("Agenda iCal de %(pharmacy)s")) % {"pharmacy": self.pharmacy.name}


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", _("En attente")
    OFFERED = "offered", _("Place proposée")
    BOOKED = "booked", _("Rendez-vous pris")


class WaitlistEntry(PatientContact):
    """A patient waiting for a seat of a service on a full day.

    When a booking of that day is cancelled or moved away, the first waiting patient (oldest entry)
    is sent a link to take the freed seat; whoever books first gets it. Entries are deleted once
    their day is over (`rdv.waitlist.purge_past`).
    """

    reference_prefix = "ATT-"
    # Wagtail's reference index would record its links (pharmacy and service) in the patient's POST
    # (a savepoint, a read and a write), and a service's usage screen would list patients.
    wagtail_reference_index_ignore = True

    pharmacy = models.ForeignKey(
        Pharmacy, on_delete=models.CASCADE, related_name="waitlist", verbose_name=_("pharmacie")
    )
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="waitlist", verbose_name=_("prestation")
    )
    day = models.DateField(_("jour souhaité"), db_index=True)
    status = models.CharField(
        _("statut"),
        max_length=10,
        choices=WaitlistStatus.choices,
        default=WaitlistStatus.WAITING,
    )
    offered_start = models.DateTimeField(_("créneau proposé"), null=True, blank=True)
    offered_at = models.DateTimeField(_("proposé le"), null=True, blank=True)
    booking = models.ForeignKey(
        Booking,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rendez-vous pris"),
    )
    page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    secret = models.CharField(max_length=40, default=new_secret, editable=False)
    created_at = models.DateTimeField(_("inscrit le"), auto_now_add=True)

    objects = PharmacyScopedManager()

    class Meta:
        verbose_name = _("inscription en liste d'attente")
        verbose_name_plural = _("liste d'attente")
        ordering = ["day", "created_at", "pk"]
        indexes = [models.Index(fields=["service", "day", "status", "created_at"])]

    def __str__(self):
        return f"{self.reference} · {self.service} · {self.day:%d/%m/%Y}"
