"""The patient's booking form and the staff's phone booking form."""

from __future__ import annotations

import secrets

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms import dates
from cms.forms_guard import GuardedFormMixin
from cms.fragments import hole
from notifications.forms import PatientContactFormMixin

from . import availability
from .models import Service

# The booking form's one-time key (a double click books once), left as a hole in the cached form.
NONCE_HOLE = "nonce"


def fresh_nonce(value=None, context=None) -> str:
    return secrets.token_urlsafe(24)


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class PatientFieldsMixin(PatientContactFormMixin):
    """The patient's contact and comment, shared by the public and the phone form.

    A number is required: the pharmacy must be able to call if the appointment cannot take place.
    """

    phone_required = True
    birth_date = None
    comment = forms.CharField(
        label=_("Commentaire"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("N'indiquez pas d'information médicale détaillée."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].help_text = _(
            "Pour vous prévenir en cas d'imprévu. Ex. 06 12 34 56 78"
        )
        self.fields["notify_by"].label = _("Recevoir la confirmation et le rappel par")


class BookingForm(GuardedFormMixin, PatientFieldsMixin):
    """The public booking form; the pharmacy comes from the page, never from the POST."""

    service = ServiceChoiceField(
        label=_("Prestation"),
        queryset=Service.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choisissez une prestation."),
            "invalid_choice": _("Cette prestation n'existe pas ou n'est plus proposée."),
        },
    )
    start = forms.CharField(
        label=_("Créneau"),
        widget=forms.HiddenInput,
        error_messages={"required": _("Choisissez un créneau.")},
    )
    consent = forms.BooleanField(
        label=_("J'accepte que la pharmacie utilise ces informations pour gérer mon rendez-vous."),
        error_messages={
            "required": _("Votre accord est nécessaire pour enregistrer le rendez-vous.")
        },
    )
    nonce = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    field_order = [
        "service",
        "start",
        "first_name",
        "last_name",
        "phone",
        "email",
        "notify_by",
        "comment",
        "consent",
    ]

    def __init__(
        self,
        *args,
        pharmacy,
        services=None,
        now=None,
        block_id="",
        for_cache=False,
        **kwargs,
    ):
        if block_id:
            kwargs.setdefault("auto_id", f"rdv-{block_id}-%s")
        super().__init__(*args, pharmacy=pharmacy, for_cache=for_cache, **kwargs)
        self.now = now or timezone.now()
        self.fields["service"].queryset = (
            services if services is not None else Service.objects.none()
        )
        if not self.is_bound:
            fresh = hole(NONCE_HOLE) if for_cache else fresh_nonce()
            self.initial.setdefault("nonce", fresh)
        self.next_slots = []

    def clean_start(self):
        start = dates.parse_instant_param(self.cleaned_data["start"])
        if start is None:
            raise forms.ValidationError(
                _("Ce créneau n'est pas valide. Choisissez un horaire dans la liste.")
            )
        return start

    def clean(self):
        cleaned = super().clean()
        service, start = cleaned.get("service"), cleaned.get("start")
        if service is not None and start is not None:
            if not availability.is_on_grid(service, start, now=self.now):
                self.add_error("start", availability.why_not_offered(service, start, now=self.now))
        return cleaned


class PhoneBookingForm(PatientFieldsMixin):
    """A booking a pharmacist takes over the phone: same seats and grid, no minimum notice.

    Staff may work for several pharmacies: the notification choices are all offered, and checked
    against the switches of the chosen service's pharmacy.
    """

    service = ServiceChoiceField(label=_("Prestation"), queryset=Service.objects.none())
    start = dates.DateTimeField(
        label=_("Début"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
    )

    field_order = ["service", "start", "first_name", "last_name", "phone", "email", "notify_by"]

    def __init__(self, *args, services=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = (
            services if services is not None else Service.objects.none()
        )
        self.fields["phone"].label = _("Téléphone")

    def contact_pharmacy(self):
        service = self.cleaned_data.get("service")
        return service.pharmacy if service is not None else None

    def clean(self):
        cleaned = super().clean()
        service, start = cleaned.get("service"), cleaned.get("start")
        if service is not None and start is not None:
            if not availability.is_on_grid(service, start, staff=True):
                self.add_error("start", availability.why_not_offered(service, start))
        return cleaned


class WaitlistForm(GuardedFormMixin, PatientContactFormMixin):
    """Leave one's contact for a full day: told by SMS or e-mail when a seat frees up."""

    phone_required = True
    birth_date = None
    service = ServiceChoiceField(
        label=_("Prestation"),
        queryset=Service.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choisissez une prestation."),
            "invalid_choice": _("Cette prestation n'existe pas ou n'est plus proposée."),
        },
    )
    day = forms.DateField(
        label=_("Jour"),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choisissez un jour."),
            "invalid": _("Ce jour n'est pas valide."),
        },
    )
    consent = forms.BooleanField(
        label=_(
            "J'accepte que la pharmacie garde ces informations jusqu'à ce jour pour me prévenir "
            "si une place se libère."
        ),
        error_messages={"required": _("Votre accord est nécessaire pour vous inscrire.")},
    )

    field_order = [
        "service",
        "day",
        "first_name",
        "last_name",
        "phone",
        "email",
        "notify_by",
        "consent",
    ]

    def __init__(self, *args, pharmacy, services=None, block_id="", for_cache=False, **kwargs):
        if block_id:
            kwargs.setdefault("auto_id", f"rdv-attente-{block_id}-%s")
        super().__init__(*args, pharmacy=pharmacy, for_cache=for_cache, **kwargs)
        self.fields["service"].queryset = (
            services if services is not None else Service.objects.none()
        )
        self.fields["notify_by"].label = _("Me prévenir par")

    def clean(self):
        cleaned = super().clean()
        service, day = cleaned.get("service"), cleaned.get("day")
        if service is not None and day is not None:
            first, last = availability.booking_window(service)
            info = (
                availability.calendar_days(service, day, day)[0] if first <= day <= last else None
            )
            if info is None or info.state != availability.DayState.FULL:
                self.add_error(
                    "day",
                    _("La liste d'attente n'est ouverte que pour un jour complet.")
                    if info is None or info.state != availability.DayState.OPEN
                    else _("Il reste des créneaux libres ce jour-là : réservez-en un directement."),
                )
        return cleaned
