"""A pharmacy is a Wagtail Site plus this record: identity, legal mentions, hours, notification settings."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Collection, Orderable, Site

from . import branding, hours
from .panels import WeeklyHoursPanel
from .phones import to_e164

rpps_validator = RegexValidator(r"^\d{11}$", _("Le numéro RPPS comporte 11 chiffres."))
sms_sender_validator = RegexValidator(
    r"^(?=.*[A-Za-z])[A-Za-z0-9]{3,11}$",
    _("De 3 à 11 lettres ou chiffres, sans espace ni accent, avec au moins une lettre."),
)


class ARS(models.TextChoices):
    """The regional health agencies a pharmacy's licence depends on."""

    ARA = "ara", "ARS Auvergne-Rhône-Alpes"
    BFC = "bfc", "ARS Bourgogne-Franche-Comté"
    BRE = "bre", "ARS Bretagne"
    CVL = "cvl", "ARS Centre-Val de Loire"
    COR = "cor", "ARS Corse"
    GES = "ges", "ARS Grand Est"
    HDF = "hdf", "ARS Hauts-de-France"
    IDF = "idf", "ARS Île-de-France"
    NOR = "nor", "ARS Normandie"
    NAQ = "naq", "ARS Nouvelle-Aquitaine"
    OCC = "occ", "ARS Occitanie"
    PDL = "pdl", "ARS Pays de la Loire"
    PAC = "pac", "ARS Provence-Alpes-Côte d'Azur"
    GUA = "gua", "ARS Guadeloupe"
    GUY = "guy", "ARS Guyane"
    MAR = "mar", "ARS Martinique"
    MAY = "may", "ARS Mayotte"
    REU = "reu", "ARS La Réunion"


class Pharmacy(ClusterableModel):
    """One officine: the tenant every prescription, booking and message belongs to."""

    site = models.OneToOneField(Site, on_delete=models.PROTECT, related_name="pharmacy")
    name = models.CharField(_("nom"), max_length=120)
    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)
    legal_name = models.CharField(
        _("raison sociale"),
        max_length=200,
        blank=True,
        help_text=_("Ex. SELARL Pharmacie du Centre"),
    )
    street = models.CharField(_("adresse"), max_length=200)
    postal_code = models.CharField(
        _("code postal"), max_length=5, validators=[RegexValidator(r"^\d{5}$")]
    )
    city = models.CharField(_("ville"), max_length=100)
    phone = models.CharField(_("téléphone"), max_length=30)
    email = models.EmailField(_("e-mail de contact"))
    licence_number = models.CharField(_("numéro de licence"), max_length=40)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    ars = models.CharField(_("ARS de rattachement"), max_length=3, choices=ARS.choices)
    health_data_host = models.CharField(
        _("hébergeur de données de santé"),
        max_length=300,
        help_text=_("Nom et adresse de l'hébergeur certifié HDS."),
    )
    web_host = models.CharField(
        _("hébergeur du site"), max_length=300, blank=True, help_text=_("Nom, adresse, téléphone.")
    )
    closed_on_public_holidays = models.BooleanField(_("fermée les jours fériés"), default=True)
    holiday_subdivision = models.CharField(
        _("jours fériés locaux"),
        max_length=3,
        blank=True,
        choices=[
            ("", _("France métropolitaine")),
            ("57", "Moselle"),
            ("67", "Bas-Rhin"),
            ("68", "Haut-Rhin"),
        ],
    )
    notification_email = models.EmailField(
        _("e-mail qui reçoit les demandes"),
        help_text=_(
            "Reçoit « nouvelle ordonnance » et les rendez-vous ; jamais de données de santé."
        ),
    )
    email_enabled = models.BooleanField(_("notifier les patients par e-mail"), default=True)
    sms_enabled = models.BooleanField(_("notifier les patients par SMS"), default=True)
    sms_sender = models.CharField(
        _("expéditeur des SMS"), max_length=11, validators=[sms_sender_validator]
    )
    prescription_retention_days = models.PositiveSmallIntegerField(
        _("conservation des ordonnances (jours)"),
        default=30,
        help_text=_("Après retrait ou annulation, fichiers et données patient sont effacés."),
    )
    staff_group = models.OneToOneField(
        Group,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pharmacy",
        editable=False,
    )
    # The pharmacy's files: `collection` holds those shown on its pages (public), its child
    # `internal_collection` those for the staff only (a view restriction to the staff group).
    collection = models.OneToOneField(
        Collection,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    internal_collection = models.OneToOneField(
        Collection,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_("Pour la carte et l'itinéraire, ex. 45.764043."),
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    # Branding: the site's own look (pharmacies.branding turns it into the site's theme.css).
    logo = models.ForeignKey(
        "wagtailimages.Image",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("logo"),
        help_text=_("Aussi l'icône du site (favicon) ; sans logo, les initiales de la pharmacie."),
    )
    home_photo = models.ForeignKey(
        "wagtailimages.Image",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("photo de la pharmacie"),
        help_text=_("En tête de la page d'accueil et dans les partages sur les réseaux sociaux."),
    )
    home_photo_alt = models.CharField(
        _("description de la photo"),
        max_length=200,
        blank=True,
        help_text=_(
            "Pour les personnes qui ne la voient pas, ex. « La vitrine, place du marché »."
        ),
    )
    primary_colour = models.CharField(
        _("couleur principale"),
        max_length=7,
        default="#0B6E4F",
        validators=[branding.validate_primary_colour],
        help_text=_(
            "Bandeau, liens et titres. Format #RRVVBB ; assez foncée pour être lue sur les "
            "fonds clairs du site (contraste 4,5:1, WCAG AA)."
        ),
    )
    accent_colour = models.CharField(
        _("couleur d'accent"),
        max_length=7,
        default="#FFBF47",
        validators=[branding.validate_hex_colour],
        help_text=_(
            "Boutons d'action. Le texte des boutons est mis en blanc ou en noir, selon ce qui "
            "se lit le mieux (contraste WCAG AA)."
        ),
    )
    layout = models.CharField(
        _("mise en page"),
        max_length=12,
        choices=branding.Layout.choices,
        default=branding.Layout.CLASSIC,
    )
    font_pair = models.CharField(
        _("polices"),
        max_length=12,
        choices=branding.FontPair.choices,
        default=branding.FontPair.SYSTEM,
        help_text=_("Hébergées sur le site : aucune requête vers un service de polices."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("name"),
                FieldPanel("legal_name"),
                FieldPanel("street"),
                FieldRowPanel([FieldPanel("postal_code"), FieldPanel("city")]),
                FieldRowPanel([FieldPanel("phone"), FieldPanel("email")]),
                FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
            ],
            heading=_("Identité et contact"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("logo"),
                FieldRowPanel([FieldPanel("home_photo"), FieldPanel("home_photo_alt")]),
                FieldRowPanel([FieldPanel("primary_colour"), FieldPanel("accent_colour")]),
                FieldPanel("layout"),
                FieldPanel("font_pair"),
            ],
            heading=_("Apparence du site"),
        ),
        MultiFieldPanel(
            [
                InlinePanel("pharmacists", label=_("Pharmacien(ne) titulaire"), min_num=1),
                FieldRowPanel([FieldPanel("licence_number"), FieldPanel("siret")]),
                FieldPanel("ars"),
                FieldPanel("health_data_host"),
                FieldPanel("web_host"),
            ],
            heading=_("Mentions légales"),
        ),
        MultiFieldPanel(
            [
                WeeklyHoursPanel("opening_hours", label=_("Plage d'ouverture")),
                FieldPanel("closed_on_public_holidays"),
                FieldPanel("holiday_subdivision"),
                InlinePanel("closures", label=_("Fermeture ou horaires exceptionnels")),
                InlinePanel("duty_periods", label=_("Garde")),
            ],
            heading=_("Horaires"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("notification_email"),
                FieldRowPanel([FieldPanel("email_enabled"), FieldPanel("sms_enabled")]),
                FieldPanel("sms_sender"),
                FieldPanel("prescription_retention_days"),
            ],
            heading=_("Notifications et conservation"),
        ),
    ]

    class Meta:
        verbose_name = _("pharmacie")
        verbose_name_plural = _("pharmacies")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def address_line(self) -> str:
        return f"{self.street}, {self.postal_code} {self.city}"

    @property
    def phone_uri(self) -> str:
        return "tel:" + (to_e164(self.phone) or self.phone.replace(" ", ""))

    @cached_property
    def schedule(self) -> hours.Schedule:
        overrides = [
            hours.DayOverride(
                start=c.start_date,
                end=c.end_date or c.start_date,
                ranges=((c.opens, c.closes),) if c.opens and c.closes else (),
                label=c.label,
            )
            for c in self.closures.all()
        ]
        return hours.Schedule(
            weekly=hours.weekly(self.opening_hours.all()),
            overrides=overrides,
            closed_on_holidays=self.closed_on_public_holidays,
            holiday_subdivision=self.holiday_subdivision or None,
        )

    def opening_status(self, now: datetime | None = None) -> hours.OpeningStatus:
        return self.schedule.status_at(now or timezone.now())

    def opening_status_text(self, now: datetime | None = None) -> str:
        """The header line; a duty period in progress wins over the regular hours."""
        now = now or timezone.now()
        duty = self.duty_at(now)
        if duty is not None:
            status = self.opening_status(now)
            until = duty.ends
            if status.is_open and status.closes_at and status.closes_at > until:
                until = status.closes_at
            return _("De garde, ouvert jusqu'à %(time)s") % {
                "time": hours.format_time_fr(until.astimezone(hours.PARIS))
            }
        return hours.describe_status(self.opening_status(now), now)

    def weekly_hours_display(self) -> list[tuple[str, str]]:
        """Rows for the opening-hours block and footer: ("Lundi", "9h–12h30, 14h–19h30")."""
        rows = []
        for day, name in enumerate(hours.WEEKDAY_NAMES):
            ranges = self.schedule.weekly.get(day, ())
            text = (
                ", ".join(f"{hours.format_time_fr(a)}–{hours.format_time_fr(b)}" for a, b in ranges)
                if ranges
                else _("Fermé")
            )
            rows.append((_(name).capitalize(), text))
        return rows

    @property
    def theme_version(self) -> str:
        return branding.version(self)

    @property
    def initials(self) -> str:
        return branding.initials(self.name)

    @property
    def geo_uri(self) -> str:
        """Opens the phone's maps app: coordinates when known, else the address as a query."""
        if self.latitude is not None and self.longitude is not None:
            return f"geo:{self.latitude},{self.longitude}?q={quote(self.address_line)}"
        return f"geo:0,0?q={quote(self.address_line)}"

    @property
    def directions_url(self) -> str:
        """The same as a web address (phones without a geo: handler, desktops)."""
        if self.latitude is not None and self.longitude is not None:
            destination = f"{self.latitude},{self.longitude}"
        else:
            destination = self.address_line
        return "https://www.openstreetmap.org/directions?" + urlencode({"to": destination})

    @property
    def map_embed_url(self) -> str:
        """OpenStreetMap's embeddable map around the pharmacy, loaded only on the visitor's click."""
        if self.latitude is None or self.longitude is None:
            return ""
        lat, lon, d = float(self.latitude), float(self.longitude), 0.004
        return "https://www.openstreetmap.org/export/embed.html?" + urlencode(
            {
                "bbox": f"{lon - d:.6f},{lat - d:.6f},{lon + d:.6f},{lat + d:.6f}",
                "layer": "mapnik",
                "marker": f"{lat:.6f},{lon:.6f}",
            }
        )

    @cached_property
    def _duties(self) -> list[DutyPeriod]:
        return sorted(self.duty_periods.all(), key=lambda d: d.starts)

    def duty_at(self, now: datetime | None = None) -> DutyPeriod | None:
        now = now or timezone.now()
        return next((d for d in self._duties if d.starts <= now < d.ends), None)

    def on_duty_tonight(self, now: datetime | None = None) -> bool:
        """A duty period covers part of this evening or night (19h today to 8h tomorrow)."""
        now = now or timezone.now()
        local = now.astimezone(hours.PARIS)
        evening = local.replace(hour=19, minute=0, second=0, microsecond=0)
        if local.hour < 8:
            evening -= timedelta(days=1)
        morning = evening + timedelta(hours=13)
        return any(d.starts < morning and d.ends > max(evening, now) for d in self._duties)

    def upcoming_duties(self, now: datetime | None = None, limit: int = 5) -> list[DutyPeriod]:
        now = now or timezone.now()
        return [d for d in self._duties if d.ends > now][:limit]

    def upcoming_closures(self, today=None):
        today = today or timezone.localdate()
        return [c for c in self.closures.all() if (c.end_date or c.start_date) >= today]


class TitularPharmacist(Orderable):
    """A titular pharmacist, whose name and RPPS the legal mentions must show."""

    pharmacy = ParentalKey(Pharmacy, on_delete=models.CASCADE, related_name="pharmacists")
    full_name = models.CharField(_("nom complet"), max_length=120)
    rpps = models.CharField(_("numéro RPPS"), max_length=11, validators=[rpps_validator])

    panels = [FieldRowPanel([FieldPanel("full_name"), FieldPanel("rpps")])]

    class Meta(Orderable.Meta):
        verbose_name = _("pharmacien(ne) titulaire")

    def __str__(self):
        return f"{self.full_name} (RPPS {self.rpps})"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Lundi")
    TUESDAY = 1, _("Mardi")
    WEDNESDAY = 2, _("Mercredi")
    THURSDAY = 3, _("Jeudi")
    FRIDAY = 4, _("Vendredi")
    SATURDAY = 5, _("Samedi")
    SUNDAY = 6, _("Dimanche")


class WeeklyHours(Orderable):
    """One range of a weekly schedule: the one definition of what a range is and how it validates.

    A pharmacy's opening hours and a service's own schedule are both lists of these, read by the
    same engine (`pharmacies.hours`, `rdv.slots`) as {weekday: [(opens, closes), ...]}. A row must
    end after it starts within its day (0h closing = midnight); rows are checked against each other
    for repeats and overlaps by `pharmacies.panels.WeeklyHoursPanel`.
    """

    weekday = models.PositiveSmallIntegerField(_("jour"), choices=Weekday.choices)
    opens = models.TimeField(_("de"))
    closes = models.TimeField(_("jusqu'à"), help_text=_("0:00 pour minuit."))

    panels = [FieldRowPanel([FieldPanel("weekday"), FieldPanel("opens"), FieldPanel("closes")])]

    class Meta(Orderable.Meta):
        abstract = True

    def clean(self):
        if self.opens is not None and self.closes is not None:
            error = hours.range_error(self.opens, self.closes)
            if error:
                raise ValidationError(error)

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class OpeningHours(WeeklyHours):
    """One opening range of the pharmacy's week."""

    pharmacy = ParentalKey(Pharmacy, on_delete=models.CASCADE, related_name="opening_hours")

    class Meta(WeeklyHours.Meta):
        verbose_name = _("plage d'ouverture")
        verbose_name_plural = _("horaires d'ouverture")


class Closure(Orderable):
    """A dated exception: closed (no hours) or open on special hours, for one day or a period."""

    pharmacy = ParentalKey(Pharmacy, on_delete=models.CASCADE, related_name="closures")
    start_date = models.DateField(_("du"))
    end_date = models.DateField(_("au"), null=True, blank=True, help_text=_("Vide : un seul jour."))
    label = models.CharField(_("motif"), max_length=120, blank=True)
    opens = models.TimeField(_("ouverture exceptionnelle"), null=True, blank=True)
    closes = models.TimeField(_("fermeture exceptionnelle"), null=True, blank=True)

    panels = [
        FieldRowPanel([FieldPanel("start_date"), FieldPanel("end_date"), FieldPanel("label")]),
        FieldRowPanel([FieldPanel("opens"), FieldPanel("closes")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("fermeture ou horaires exceptionnels")
        verbose_name_plural = _("fermetures et horaires exceptionnels")

    def clean(self):
        if self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("La date de fin précède la date de début.")})
        if bool(self.opens) != bool(self.closes):
            raise ValidationError(
                _("Indiquez l'ouverture et la fermeture, ou aucune des deux pour une fermeture.")
            )

    def __str__(self):
        return self.label or str(self.start_date)


class DutyPeriod(Orderable):
    """A night, Sunday or holiday on duty ("pharmacie de garde"), as the regional rota assigns it.

    Shown in the header ("De garde ce soir"), in the opening status and on the hours block; the
    public schema.org data lists it as special opening hours.
    """

    pharmacy = ParentalKey(Pharmacy, on_delete=models.CASCADE, related_name="duty_periods")
    starts = models.DateTimeField(_("début de la garde"))
    ends = models.DateTimeField(_("fin de la garde"))
    note = models.CharField(
        _("précision"),
        max_length=160,
        blank=True,
        help_text=_("Ex. « Sonnez à l'interphone, guichet de nuit »."),
    )

    panels = [FieldRowPanel([FieldPanel("starts"), FieldPanel("ends"), FieldPanel("note")])]

    class Meta(Orderable.Meta):
        verbose_name = _("garde")
        verbose_name_plural = _("gardes")

    def clean(self):
        if self.starts and self.ends:
            if self.ends <= self.starts:
                raise ValidationError({"ends": _("La fin de la garde doit suivre son début.")})
            if self.ends - self.starts > timedelta(days=7):
                raise ValidationError(
                    {"ends": _("Une garde dure au plus 7 jours ; saisissez-en plusieurs.")}
                )

    def __str__(self):
        start = timezone.localtime(self.starts)
        end = timezone.localtime(self.ends)
        return f"{start:%d/%m/%Y %H:%M} – {end:%d/%m/%Y %H:%M}"


class AuditAction(models.TextChoices):
    FILE_VIEW = "file_view", _("Affichage d'un fichier")
    FILE_DOWNLOAD = "file_download", _("Téléchargement d'un fichier")
    STATUS_CHANGE = "status_change", _("Changement de statut")
    EXPORT = "export", _("Export de liste")
    DATA_EXPORT = "data_export", _("Export des données d'un patient")
    ERASURE = "erasure", _("Effacement des données d'un patient")
    KEY_ROTATION = "key_rotation", _("Rotation des clés de chiffrement")
    ORPHAN_FILES = "orphan_files", _("Suppression de fichiers sans ordonnance")


class AppendOnlyQuerySet(models.QuerySet):
    """Audit trails: the ORM refuses bulk updates and deletes (see also the models' save/delete)."""

    def update(self, **kwargs):
        raise PermissionError(f"{self.model.__name__} rows are append-only")

    def delete(self):
        raise PermissionError(f"{self.model.__name__} rows are append-only")


class AuditEvent(models.Model):
    """Who did what to which health record of which pharmacy, from where and when.

    Written by the code on every file view or download, status change, export, patient data export
    and erasure; never edited, never deleted (the ORM refuses, and on PostgreSQL a trigger does too).
    Rows are pseudonymous: an object type and id, and for GDPR actions a peppered hash of the
    patient's contact, never a name. The user and pharmacy links carry no database constraint so
    that deleting an account or a pharmacy never has to touch (or cascade onto) the trail; the
    actor's label keeps who it was.
    """

    pharmacy = models.ForeignKey(
        Pharmacy,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pharmacie"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("utilisateur"),
    )
    actor_label = models.CharField(_("par"), max_length=150)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("type d'objet"), max_length=60, blank=True)
    object_id = models.CharField(_("identifiant de l'objet"), max_length=64, blank=True)
    subject_hash = models.CharField(
        _("patient (pseudonyme)"), max_length=64, blank=True, db_index=True
    )
    detail = models.JSONField(_("détail"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    at = models.DateTimeField(_("le"), default=timezone.now, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("événement du journal d'audit")
        verbose_name_plural = _("journal d'audit")
        ordering = ["-at", "-pk"]
        default_permissions = ("view",)
        permissions = [
            (
                "manage_patient_data",
                _("Exporter et effacer les données d'un patient (RGPD)"),
            )
        ]
        indexes = [models.Index(fields=["pharmacy", "-at"], name="audit_pharmacy_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only")
