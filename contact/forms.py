"""The contact form: who writes, how to answer, and the message; guarded like every public form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cms.forms_guard import GuardedFormMixin
from pharmacies.phones import to_e164


class ContactForm(GuardedFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Votre nom"),
        max_length=120,
        error_messages={"required": _("Indiquez votre nom.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Votre e-mail"),
        help_text=_("Pour vous répondre."),
        error_messages={
            "required": _("Indiquez votre e-mail pour que la pharmacie puisse vous répondre."),
            "invalid": _("Cette adresse e-mail n'est pas valide (exemple : nom@exemple.fr)."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Votre téléphone (facultatif)"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    subject = forms.CharField(
        label=_("Objet"),
        max_length=150,
        error_messages={"required": _("Indiquez l'objet de votre message.")},
    )
    message = forms.CharField(
        label=_("Votre message"),
        max_length=3000,
        help_text=_(
            "N'y mettez pas d'informations médicales : pour une ordonnance, utilisez l'envoi "
            "d'ordonnance du site."
        ),
        error_messages={
            "required": _("Écrivez votre message."),
            "max_length": _("Votre message est trop long (3 000 caractères au plus)."),
        },
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if not phone:
            return ""
        number = to_e164(phone)
        if not number:
            raise forms.ValidationError(
                _("Ce numéro de téléphone n'est pas valide (exemple : 06 12 34 56 78).")
            )
        return number

    def visible_fields_in_order(self):
        return [self[name] for name in ("name", "email", "phone", "subject", "message")]
