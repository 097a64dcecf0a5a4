"""The patient's booking form and the staff's phone booking form."""

from __future__ import annotations

import secrets

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms import dates
from cms.forms_guard import GuardedFormMixin
from cms.fragments import hole
from pharmacies.phones import is_mobile, to_e164

from . import availability
from .models import NotifyBy, Service

# The booking form's one-time key (a double click books once), left as a hole in the cached form.
NONCE_HOLE = "nonce"


def fresh_nonce(value=None, context=None) -> str:
    return secrets.token_urlsafe(24)


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class PatientFieldsMixin(forms.Form):
    """Who the patient is and how to reach them; shared by the public and the phone form."""

    first_name = forms.CharField(
        label=_("Prénom"),
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
        error_messages={"required": _("Indiquez votre prénom.")},
    )
    last_name = forms.CharField(
        label=_("Nom"),
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
        error_messages={"required": _("Indiquez votre nom.")},
    )
    phone = forms.CharField(
        label=_("Téléphone portable"),
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("Pour vous prévenir en cas d'imprévu. Ex. 06 12 34 56 78"),
        error_messages={"required": _("Indiquez votre numéro de téléphone.")},
    )
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "invalid": _("Cette adresse e-mail n'est pas valide (ex. nom@exemple.fr).")
        },
    )
    comment = forms.CharField(
        label=_("Commentaire"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("N'indiquez pas d'information médicale détaillée."),
    )
    notify_by = forms.ChoiceField(
        label=_("Recevoir la confirmation et le rappel par"),
        choices=NotifyBy.choices,
        initial=NotifyBy.EMAIL,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choisissez e-mail, SMS ou les deux.")},
    )

    def clean_phone(self):
        raw = self.cleaned_data["phone"]
        number = to_e164(raw)
        if number is None:
            raise forms.ValidationError(
                _("Ce numéro de téléphone n'est pas valide (ex. 06 12 34 56 78).")
            )
        return number

    def clean(self):
        cleaned = super().clean()
        notify_by = cleaned.get("notify_by")
        if notify_by in (NotifyBy.EMAIL, NotifyBy.BOTH) and not cleaned.get("email"):
            if "email" not in self.errors:
                self.add_error("email", _("Indiquez votre e-mail pour recevoir la confirmation."))
        phone = cleaned.get("phone")
        if notify_by in (NotifyBy.SMS, NotifyBy.BOTH) and phone and not is_mobile(phone):
            self.add_error(
                "phone", _("Les SMS ne partent que vers un portable : indiquez un 06 ou un 07.")
            )
        return cleaned


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

    def __init__(self, *args, services=None, now=None, block_id="", for_cache=False, **kwargs):
        if block_id:
            kwargs.setdefault("auto_id", f"rdv-{block_id}-%s")
        super().__init__(*args, for_cache=for_cache, **kwargs)
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
    """A booking a pharmacist takes over the phone: same seats and grid, no minimum notice."""

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
        self.fields["email"].help_text = ""
        self.fields["phone"].label = _("Téléphone")

    def clean(self):
        cleaned = super().clean()
        service, start = cleaned.get("service"), cleaned.get("start")
        if service is not None and start is not None:
            if not availability.is_on_grid(service, start, staff=True):
                self.add_error("start", availability.why_not_offered(service, start))
        return cleaned
