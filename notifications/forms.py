"""The patient's contact fields, asked and checked the same way by every form that notifies them."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pharmacies.phones import is_mobile, to_e164

from .models import CHOSEN_CHANNELS, Channel, enabled_channels, offered_notify_choices

CHOOSE_HOW = _("Choisissez comment être prévenu(e).")


class DateInput(forms.DateInput):
    """The browser's date picker, which needs the ISO format whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class PatientContactFormMixin(forms.Form):
    """Names, phone, e-mail, birth date and "prévenir par" of `notifications.models.PatientContact`.

    The notification choices are those the pharmacy (keyword `pharmacy`) has switched on, always
    in the order of `NotifyBy` (SMS first): a single one is chosen for the patient and hidden, none
    at all leaves the field out. Whatever is chosen must be reachable: a mobile for SMS, an address
    for e-mail. A form that does not ask the birth date says `birth_date = None`; one that must be
    able to call the patient back sets `phone_required`. `contact_fields()` gives the model's
    keyword arguments.
    """

    phone_required: ClassVar[bool] = False

    first_name = forms.CharField(
        label=_("Prénom"),
        max_length=80,
        error_messages={"required": _("Indiquez votre prénom.")},
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Nom"),
        max_length=80,
        error_messages={"required": _("Indiquez votre nom.")},
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    phone = forms.CharField(
        label=_("Téléphone portable"),
        max_length=30,
        required=False,
        error_messages={"required": _("Indiquez votre numéro de téléphone.")},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("Ex. 06 12 34 56 78"),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        error_messages={
            "invalid": _("Cette adresse e-mail n'est pas valide (ex. nom@exemple.fr).")
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    birth_date = forms.DateField(
        label=_("Date de naissance (facultatif)"),
        required=False,
        widget=DateInput(attrs={"autocomplete": "bday"}),
        error_messages={"invalid": _("Indiquez une date valide (jj/mm/aaaa).")},
        help_text=_("Aide la pharmacie à retrouver votre dossier."),
    )
    notify_by = forms.ChoiceField(
        label=_("Me prévenir par"),
        widget=forms.RadioSelect,
        error_messages={"required": CHOOSE_HOW, "invalid_choice": CHOOSE_HOW},
    )

    def __init__(self, *args, pharmacy=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.pharmacy = pharmacy
        self.fields["phone"].required = self.phone_required
        if pharmacy is not None and Channel.SMS not in enabled_channels(pharmacy):
            self.fields["phone"].label = _("Téléphone")
        choices = offered_notify_choices(pharmacy)
        field = self.fields["notify_by"]
        field.choices = choices
        if not choices:
            field.required = False
            field.widget = forms.HiddenInput()
        elif len(choices) == 1:
            field.initial = choices[0][0]
            field.widget = forms.HiddenInput()
        else:
            field.initial = choices[0][0]

    def contact_pharmacy(self):
        """The pharmacy whose switches the choice must respect (a staff form knows it late)."""
        return self.pharmacy

    def clean_phone(self):
        raw = self.cleaned_data.get("phone", "")
        if not raw:
            return ""
        number = to_e164(raw)
        if number is None:
            raise forms.ValidationError(
                _("Ce numéro de téléphone n'est pas valide (ex. 06 12 34 56 78).")
            )
        return number

    def clean_birth_date(self):
        value = self.cleaned_data.get("birth_date")
        if value and not (date(1900, 1, 1) <= value <= timezone.localdate()):
            raise forms.ValidationError(_("Cette date de naissance n'est pas plausible."))
        return value

    def clean(self):
        data = super().clean()
        notify_by = data.get("notify_by") or ""
        phone, email = data.get("phone"), data.get("email")
        wanted = CHOSEN_CHANNELS.get(notify_by, frozenset())
        pharmacy = self.contact_pharmacy()
        if pharmacy is not None and not wanted <= enabled_channels(pharmacy):
            self.add_error(
                "notify_by",
                _("La pharmacie n'envoie pas ce type de message : choisissez un autre moyen."),
            )
        if Channel.SMS in wanted and "phone" not in self.errors:
            if not phone:
                self.add_error(
                    "phone", _("Indiquez votre numéro de portable pour être prévenu(e) par SMS.")
                )
            elif not is_mobile(phone):
                self.add_error(
                    "phone",
                    _("Ce numéro n'est pas un portable : il ne peut pas recevoir de SMS."),
                )
        if Channel.EMAIL in wanted and not email and "email" not in self.errors:
            self.add_error(
                "email", _("Indiquez votre adresse e-mail pour être prévenu(e) par e-mail.")
            )
        reachable = phone or email or "phone" in self.errors or "notify_by" in self.errors
        if not wanted and not reachable:
            self.add_error(
                "phone", _("Indiquez un numéro de téléphone pour que la pharmacie vous joigne.")
            )
        return data

    def contact_fields(self) -> dict:
        """The cleaned contact as keyword arguments for a `PatientContact` model."""
        data = self.cleaned_data
        fields = {
            name: data.get(name) or ""
            for name in ("first_name", "last_name", "phone", "email", "notify_by")
        }
        if "birth_date" in self.fields:
            fields["birth_date"] = data.get("birth_date")
        return fields
