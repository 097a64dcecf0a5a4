"""The patient's upload form: every field checked with a French message next to it."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.forms_guard import GuardedFormMixin
from pharmacies.phones import is_mobile, to_e164

from .files import FileRejected, sanitise_upload
from .models import FileKind, NotifyBy
from .services import Upload

ACCEPT = "image/*,application/pdf,.heic,.heif"
FILE_ERRORS = {
    "empty": _("Ce fichier est vide. Choisissez une photo ou un PDF de votre ordonnance."),
    "invalid": _("Ce fichier n'a pas pu être lu. Réessayez."),
    "missing": _("Ce fichier n'a pas pu être lu. Réessayez."),
}
PICKUP_MAX_DAYS = 60


class MultipleFileInput(forms.ClearableFileInput):
    """Several files in one input (Django's documented recipe for `multiple`)."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single_file_clean = super().clean
        if isinstance(data, list | tuple):
            return [single_file_clean(d, initial) for d in data if d]
        return [single_file_clean(data, initial)] if data else []


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class PrescriptionUploadForm(GuardedFormMixin, forms.Form):
    """Validates and sanitises everything the patient sends; `uploads` holds the clean files."""

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
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("Pour vous prévenir par SMS quand votre commande est prête."),
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
    files = MultipleFileField(
        label=_("Photos ou PDF de l'ordonnance"),
        required=False,
        error_messages=FILE_ERRORS,
        # No `capture` here: it would force the camera and hide the gallery and PDFs; phones
        # offer the camera anyway for image/*. The card photos below do hint the camera.
        widget=MultipleFileInput(attrs={"accept": ACCEPT}),
        help_text=_("Une photo par page, bien à plat et lisible. JPEG, PNG, HEIC ou PDF."),
    )
    comment = forms.CharField(
        label=_("Commentaire (facultatif)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Ex. : génériques acceptés, produit à commander…"),
    )
    pickup = forms.DateField(
        label=_("Date de retrait souhaitée (facultatif)"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("Indiquez une date valide (jj/mm/aaaa).")},
    )
    notify_by = forms.ChoiceField(
        label=_("Me prévenir par"),
        choices=NotifyBy.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choisissez comment être prévenu(e)."),
            "invalid_choice": _("Choisissez comment être prévenu(e)."),
        },
    )
    carte_vitale = forms.FileField(
        label=_("Photo de la carte Vitale (facultatif)"),
        required=False,
        error_messages=FILE_ERRORS,
        widget=forms.FileInput(attrs={"accept": ACCEPT, "capture": "environment"}),
    )
    mutuelle = forms.FileField(
        label=_("Photo de la carte de mutuelle (facultatif)"),
        required=False,
        error_messages=FILE_ERRORS,
        widget=forms.FileInput(attrs={"accept": ACCEPT, "capture": "environment"}),
    )
    consent = forms.BooleanField(
        label=_(
            "J'accepte que la pharmacie traite mon ordonnance (données de santé) pour préparer "
            "ma commande."
        ),
        error_messages={
            "required": _("Votre accord est nécessaire pour que la pharmacie traite l'ordonnance.")
        },
    )

    file_fields = ("files", "carte_vitale", "mutuelle")

    def __init__(self, *args, pharmacy, **kwargs):
        super().__init__(*args, **kwargs)
        self.pharmacy = pharmacy
        self.uploads: list[Upload] = []
        choices = [
            (value, label)
            for value, label in NotifyBy.choices
            if (value != NotifyBy.SMS or pharmacy.sms_enabled)
            and (value != NotifyBy.EMAIL or pharmacy.email_enabled)
            and (value != NotifyBy.BOTH or (pharmacy.sms_enabled and pharmacy.email_enabled))
        ]
        field = self.fields["notify_by"]
        field.choices = choices
        if not choices:
            field.required = False
            field.widget = forms.HiddenInput()
        elif len(choices) == 1:
            field.initial = choices[0][0]
            field.widget = forms.HiddenInput()
        else:
            field.initial = NotifyBy.SMS if pharmacy.sms_enabled else NotifyBy.EMAIL
        if not pharmacy.sms_enabled:
            self.fields["phone"].label = _("Téléphone")
            self.fields["phone"].help_text = _("Pour vous joindre en cas de question.")
        self.fields["files"].help_text = _(
            "Une photo par page, bien à plat et lisible, %(max)d fichiers au plus. "
            "JPEG, PNG, HEIC ou PDF."
        ) % {"max": settings.OFFICINE_UPLOAD_MAX_FILES}

    def annotate_for_rendering(self) -> None:
        """Point each input at its help text and error (aria-describedby), mark invalid ones."""
        errors = self.errors if self.is_bound else {}
        for name, field in self.fields.items():
            if name in ("form_token", "website") or field.widget.is_hidden:
                continue
            bound = self[name]
            described = []
            if field.help_text:
                described.append(f"{bound.auto_id}_help")
            if name in errors:
                described.append(f"{bound.auto_id}_error")
                field.widget.attrs["aria-invalid"] = "true"
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)

    @property
    def visible_text_fields(self):
        return [self[name] for name in ("first_name", "last_name", "phone", "email", "birth_date")]

    # --- single fields ---

    def clean_first_name(self):
        return self.cleaned_data["first_name"].strip()

    def clean_last_name(self):
        return self.cleaned_data["last_name"].strip()

    def clean_phone(self):
        raw = self.cleaned_data.get("phone", "").strip()
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

    def clean_pickup(self):
        value = self.cleaned_data.get("pickup")
        if not value:
            return None
        today = timezone.localdate()
        if value < today:
            raise forms.ValidationError(_("Cette date est passée. Choisissez une date à venir."))
        if value > today + timedelta(days=PICKUP_MAX_DAYS):
            raise forms.ValidationError(
                _("Choisissez une date dans les %(days)d prochains jours.")
                % {"days": PICKUP_MAX_DAYS}
            )
        if self.pharmacy.schedule.is_closed_day(value):
            raise forms.ValidationError(
                _("La pharmacie est fermée ce jour-là. Choisissez un autre jour.")
            )
        return value

    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        if not files:
            raise forms.ValidationError(
                _("Ajoutez au moins une photo ou un PDF de votre ordonnance.")
            )
        limit = settings.OFFICINE_UPLOAD_MAX_FILES
        if len(files) > limit:
            raise forms.ValidationError(
                _("Vous pouvez envoyer %(max)d fichiers au plus (vous en avez choisi %(n)d).")
                % {"max": limit, "n": len(files)}
            )
        return self._sanitise(files, FileKind.PAGE, "files")

    def clean_carte_vitale(self):
        upload = self.cleaned_data.get("carte_vitale")
        return self._sanitise([upload], FileKind.CARTE_VITALE, "carte_vitale") if upload else []

    def clean_mutuelle(self):
        upload = self.cleaned_data.get("mutuelle")
        return self._sanitise([upload], FileKind.MUTUELLE, "mutuelle") if upload else []

    def _sanitise(self, files, kind, field_name):
        errors = []
        clean = []
        for position, upload in enumerate(files):
            try:
                result = sanitise_upload(
                    upload,
                    max_bytes=settings.OFFICINE_UPLOAD_MAX_BYTES,
                    max_pixels=settings.OFFICINE_UPLOAD_MAX_PIXELS,
                )
            except FileRejected as exc:
                name = (getattr(upload, "name", "") or "")[:80]
                errors.append(f"{name} : {exc.message}" if name else exc.message)
                continue
            clean.append(Upload(kind=kind, position=position, clean=result))
        if errors:
            raise forms.ValidationError(errors)
        return clean

    # --- whole form ---

    def clean(self):
        data = super().clean()
        notify_by = data.get("notify_by") or ""
        phone, email = data.get("phone"), data.get("email")
        wants_sms = notify_by in (NotifyBy.SMS, NotifyBy.BOTH)
        wants_email = notify_by in (NotifyBy.EMAIL, NotifyBy.BOTH)
        if wants_sms and "phone" not in self.errors:
            if not phone:
                self.add_error(
                    "phone", _("Indiquez votre numéro de portable pour être prévenu(e) par SMS.")
                )
            elif not is_mobile(phone):
                self.add_error(
                    "phone",
                    _("Ce numéro n'est pas un portable : il ne peut pas recevoir de SMS."),
                )
        if wants_email and not email and "email" not in self.errors:
            self.add_error(
                "email", _("Indiquez votre adresse e-mail pour être prévenu(e) par e-mail.")
            )
        if not notify_by and not phone and not email and "phone" not in self.errors:
            self.add_error(
                "phone", _("Indiquez un numéro de téléphone pour que la pharmacie vous joigne.")
            )
        return data

    def all_uploads(self) -> list[Upload]:
        data = self.cleaned_data
        return [*data.get("files", []), *data.get("carte_vitale", []), *data.get("mutuelle", [])]

    def prescription_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "phone": data.get("phone") or "",
            "email": data.get("email") or "",
            "birth_date": data.get("birth_date"),
            "comment": data.get("comment", "").strip(),
            "pickup_date": data.get("pickup"),
            "notify_by": data.get("notify_by") or "",
        }
