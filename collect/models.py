"""Click & Collect: the agency's catalogue, what each pharmacy offers from it, and reservations.

The catalogue (categories, products) is the agency's and shared by every pharmacy, so it has no
pharmacy and a plain manager; a pharmacy's own extra products are products with `own_pharmacy`
set. Everything a pharmacy owns (its offers, its settings, its patients' reservations) uses a
fail-closed scoped manager: a query outside a pharmacy scope raises.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cms.progress import Step, progress_steps
from notifications.models import PatientContact
from pharmacies.tenancy import PharmacyScopedManager
from pharmacies.workflow import StatusWorkflow

from .codes import code_error

MEDICINE_REFUSED = _(
    "Les médicaments ne sont pas proposés à la réservation en ligne (autorisation de l'ARS "
    "nécessaire) : ce produit ne peut pas entrer au catalogue."
)
MAX_QUANTITY = 10


def validate_code(value: str) -> None:
    error = code_error(value)
    if error:
        raise ValidationError(error, code="invalid_code")


class Category(models.Model):
    """A shelf of the catalogue ("Hygiène > Soins bucco-dentaires"): a two-level tree is enough."""

    name = models.CharField(_("nom"), max_length=80)
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("catégorie parente"),
    )
    sort_order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("catégorie")
        verbose_name_plural = _("catégories")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return f"{self.parent.name} › {self.name}" if self.parent_id else self.name

    def clean(self):
        ancestor, seen = self.parent, set()
        while ancestor is not None:
            if ancestor.pk == self.pk or ancestor.pk in seen:
                raise ValidationError(
                    {"parent": _("Une catégorie ne peut pas être sa propre parente.")}
                )
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


class Product(models.Model):
    """A product patients may reserve: the agency's catalogue entry, or one pharmacy's own.

    Identified by its 13-digit code (EAN-13, or CIP-13/ACL-13 for products sold in pharmacies),
    which the import uses to update an existing row instead of creating a duplicate. Medicines
    are refused: selling them online needs an ARS authorisation this version does not handle.
    """

    code = models.CharField(
        _("code EAN / CIP"), max_length=13, validators=[validate_code], db_index=True
    )
    name = models.CharField(_("nom"), max_length=200)
    brand = models.CharField(_("marque"), max_length=120, blank=True)
    category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("catégorie"),
    )
    description = models.TextField(_("description"), blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("photo"),
    )
    pack_size = models.CharField(
        _("conditionnement"), max_length=60, blank=True, help_text=_("Ex. : tube de 75 ml")
    )
    is_medicine = models.BooleanField(_("médicament"), default=False)
    own_pharmacy = models.ForeignKey(
        "pharmacies.Pharmacy",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="own_products",
        verbose_name=_("produit propre de la pharmacie"),
        help_text=_("Vide : produit du catalogue commun."),
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("produit")
        verbose_name_plural = _("produits")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(own_pharmacy__isnull=True),
                name="collect_product_catalogue_code",
            ),
            models.UniqueConstraint(
                fields=["own_pharmacy", "code"], name="collect_product_own_code"
            ),
            models.CheckConstraint(
                condition=models.Q(is_medicine=False), name="collect_product_not_medicine"
            ),
        ]
        # The catalogue pages' order (name, then id), overall and within a category; the full
        # text index is PostgreSQL's own (migration 0002, catalogue.search_document).
        indexes = [
            models.Index(fields=["name", "id"], name="collect_product_name"),
            models.Index(fields=["category", "name", "id"], name="collect_product_shelf"),
        ]

    def __str__(self):
        return f"{self.name} ({self.brand})" if self.brand else self.name

    def clean(self):
        super().clean()
        if self.is_medicine:
            raise ValidationError({"is_medicine": MEDICINE_REFUSED})


class OwnProductBaseManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(own_pharmacy__isnull=False)


class OwnProduct(Product):
    """A pharmacy's own extra product, as its staff administer it (the agency's catalogue is not
    theirs to edit): the same table, seen through the pharmacy that owns the row."""

    objects = PharmacyScopedManager("own_pharmacy", manager_class=OwnProductBaseManager)

    class Meta:
        proxy = True
        verbose_name = _("produit propre")
        verbose_name_plural = _("produits propres")
        ordering = ["name", "pk"]


class Availability(models.TextChoices):
    IN_STOCK = "in_stock", _("En stock")
    WITHIN_24H = "within_24h", _("Disponible sous 24 h")
    UNAVAILABLE = "unavailable", _("Indisponible")


RESERVABLE = {Availability.IN_STOCK, Availability.WITHIN_24H}


class PharmacyProduct(models.Model):
    """One pharmacy's offer of a product: its own price ("prix en pharmacie", TTC) and stock.

    Prices are free in parapharmacy, so each pharmacy sets its own; the public pages show only
    active offers of the site's pharmacy.
    """

    pharmacy = models.ForeignKey(
        "pharmacies.Pharmacy",
        on_delete=models.CASCADE,
        related_name="offers",
        verbose_name=_("pharmacie"),
    )
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="offers", verbose_name=_("produit")
    )
    price = models.DecimalField(
        _("prix TTC (€)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("99999"))],
    )
    availability = models.CharField(
        _("disponibilité"),
        max_length=12,
        choices=Availability.choices,
        default=Availability.IN_STOCK,
    )
    active = models.BooleanField(_("proposé en ligne"), default=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = PharmacyScopedManager()

    class Meta:
        verbose_name = _("produit proposé")
        verbose_name_plural = _("produits proposés")
        ordering = ["product__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["pharmacy", "product"], name="collect_offer_unique")
        ]
        indexes = [models.Index(fields=["pharmacy", "active"], name="collect_offer_active")]

    def __str__(self):
        return str(self.product)

    @property
    def online_label(self) -> str:
        return str(_("Oui") if self.active else _("Non"))

    @property
    def reservable(self) -> bool:
        return self.active and self.availability in RESERVABLE

    def clean(self):
        super().clean()
        product = getattr(self, "product", None) if self.product_id else None
        if product is not None and product.own_pharmacy_id not in (None, self.pharmacy_id):
            raise ValidationError({"product": _("Ce produit appartient à une autre pharmacie.")})


class CollectSettings(models.Model):
    """A pharmacy's Click & Collect rules, kept here rather than on Pharmacy (a feature's own)."""

    pharmacy = models.OneToOneField(
        "pharmacies.Pharmacy",
        on_delete=models.CASCADE,
        related_name="collect_settings",
        verbose_name=_("pharmacie"),
    )
    hold_days = models.PositiveSmallIntegerField(
        _("réservations gardées (jours)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_(
            "Une réservation prête et non retirée après ce nombre de jours expire ; le patient "
            "est prévenu la veille."
        ),
    )

    objects = PharmacyScopedManager()

    class Meta:
        verbose_name = _("réglages Click & Collect")
        verbose_name_plural = _("réglages Click & Collect")

    def __str__(self):
        return str(_("Click & Collect de %(name)s") % {"name": self.pharmacy.name})


DEFAULT_HOLD_DAYS = CollectSettings._meta.get_field("hold_days").default


class Status(models.TextChoices):
    RECEIVED = "received", _("Reçue")
    PREPARING = "preparing", _("En préparation")
    READY = "ready", _("Prête")
    COLLECTED = "collected", _("Retirée")
    CANCELLED = "cancelled", _("Annulée")
    EXPIRED = "expired", _("Expirée")


CLOSED_STATUSES = {Status.COLLECTED, Status.CANCELLED, Status.EXPIRED}
PATIENT_CANCELLABLE = {Status.RECEIVED, Status.PREPARING}
PROGRESS = ((Status.RECEIVED,), (Status.PREPARING,), (Status.READY,), (Status.COLLECTED,))
TRANSITIONS: dict[str, set[str]] = {
    Status.RECEIVED: {Status.PREPARING, Status.READY, Status.CANCELLED},
    Status.PREPARING: {Status.READY, Status.CANCELLED},
    Status.READY: {Status.COLLECTED, Status.CANCELLED, Status.EXPIRED},
    Status.COLLECTED: set(),
    Status.CANCELLED: set(),
    Status.EXPIRED: set(),
}


class Reservation(StatusWorkflow, PatientContact):
    """Products a patient set aside at one pharmacy, paid for at the counter when collected.

    Its reference ("RES-" and six characters) is what the patient quotes. Personal fields are
    blanked by the retention task (`purged_at` set); the row stays for the counts.
    """

    reference_prefix = "RES-"
    # Wagtail's reference index would record its link to the pharmacy in the patient's POST
    # (a savepoint, a read and a write); no admin screen asks what points at a pharmacy.
    wagtail_reference_index_ignore = True
    workflow_statuses = Status
    workflow_transitions = TRANSITIONS
    closed_statuses = CLOSED_STATUSES
    patient_cancellable_statuses = PATIENT_CANCELLABLE
    # Expiry is the beat job's, never a pharmacist's button.
    automatic_statuses = {Status.EXPIRED}

    pharmacy = models.ForeignKey(
        "pharmacies.Pharmacy",
        on_delete=models.CASCADE,
        related_name="reservations",
        verbose_name=_("pharmacie"),
    )
    pickup_date = models.DateField(_("retrait prévu le"))
    comment = models.TextField(_("commentaire"), blank=True)
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.RECEIVED
    )
    status_note = models.TextField(
        _("message au patient"),
        blank=True,
        help_text=_("Produit remplacé, retard… visible par le patient."),
    )
    created_at = models.DateTimeField(_("reçue le"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    ready_at = models.DateTimeField(_("prête le"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("rappel envoyé le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("clôturée le"), null=True, blank=True)
    purged_at = models.DateTimeField(_("données effacées le"), null=True, blank=True)

    objects = PharmacyScopedManager()

    class Meta:
        verbose_name = _("réservation")
        verbose_name_plural = _("réservations")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["pharmacy", "status", "-created_at"], name="collect_res_status"),
            models.Index(fields=["status", "ready_at"], name="collect_res_ready"),
            models.Index(fields=["status", "closed_at"], name="collect_res_closed"),
        ]

    def __str__(self):
        if self.purged_at:
            return self.reference
        return f"{self.reference} — {self.first_name} {self.last_name}"

    @property
    def progress(self) -> list[Step]:
        """The steps shown on the patient's tracking page."""
        return progress_steps(PROGRESS, self.status)

    @property
    def total(self) -> Decimal:
        return sum(
            (line.subtotal for line in self.lines.all() if line.status != LineStatus.UNAVAILABLE),
            Decimal("0"),
        )


class LineStatus(models.TextChoices):
    AVAILABLE = "available", _("Disponible")
    UNAVAILABLE = "unavailable", _("Indisponible")
    REPLACED = "replaced", _("Remplacé")


class ReservationLine(models.Model):
    """One product of a reservation, with its price when reserved (the offer may change later)."""

    reservation = models.ForeignKey(
        Reservation, on_delete=models.CASCADE, related_name="lines", verbose_name=_("réservation")
    )
    offer = models.ForeignKey(
        PharmacyProduct,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("produit proposé"),
    )
    product_name = models.CharField(_("produit"), max_length=200)
    product_code = models.CharField(_("code"), max_length=13, blank=True)
    unit_price = models.DecimalField(_("prix unitaire TTC (€)"), max_digits=8, decimal_places=2)
    quantity = models.PositiveSmallIntegerField(
        _("quantité"), validators=[MinValueValidator(1), MaxValueValidator(MAX_QUANTITY)]
    )
    status = models.CharField(
        _("disponibilité"), max_length=12, choices=LineStatus.choices, default=LineStatus.AVAILABLE
    )
    note = models.CharField(
        _("note"), max_length=200, blank=True, help_text=_("Ex. : remplacé par le format 50 ml")
    )

    objects = PharmacyScopedManager("reservation__pharmacy")

    class Meta:
        verbose_name = _("ligne de réservation")
        verbose_name_plural = _("lignes de réservation")
        ordering = ["reservation", "pk"]

    def __str__(self):
        return f"{self.quantity} × {self.product_name}"

    @property
    def subtotal(self) -> Decimal:
        return self.unit_price * self.quantity


class StatusChange(models.Model):
    """Who moved a reservation from which status to which, and what the patient was told."""

    reservation = models.ForeignKey(
        Reservation, on_delete=models.CASCADE, related_name="history", verbose_name=_("réservation")
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
    from_status = models.CharField(_("de"), max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(_("vers"), max_length=12, choices=Status.choices)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("le"), auto_now_add=True)

    objects = PharmacyScopedManager("reservation__pharmacy")

    class Meta:
        verbose_name = _("changement de statut")
        verbose_name_plural = _("historique des statuts")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.reservation_id}: {self.from_status} → {self.to_status}"

    @property
    def actor_label(self) -> str:
        if self.by_patient:
            return str(_("Le patient"))
        if self.user is None:
            return str(_("Système")) if self.from_status else str(_("Réservation en ligne"))
        return self.user.get_full_name() or self.user.get_username()
