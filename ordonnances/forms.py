"""The patient's upload form: every field checked with a French message next to it."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from cms.forms_guard import GuardedFormMixin
from notifications.forms import DateInput, PatientContactFormMixin
from notifications.models import Channel, enabled_channels
from pharmacies.forms import clean_pickup_day

from . import kept
from .files import CleanFile, FileRejected, sanitise_upload
from .models import FileKind
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


class PrescriptionUploadForm(GuardedFormMixin, PatientContactFormMixin):
    """Validates and sanitises everything the patient sends; `uploads` holds the clean files."""

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
    renewable = forms.BooleanField(
        label=_("Ordonnance renouvelable"),
        required=False,
        help_text=_(
            "Cochez si votre médecin a indiqué un renouvellement : nous préparerons chaque "
            "mois votre traitement et vous préviendrons."
        ),
    )
    renewal_months = forms.TypedChoiceField(
        label=_("Pendant combien de mois ? (facultatif)"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Laisser le pharmacien décider"))]
        + [(str(n), ngettext_lazy("%(n)d mois", "%(n)d mois", n) % {"n": n}) for n in range(2, 13)],
        error_messages={"invalid_choice": _("Choisissez une durée entre 2 et 12 mois.")},
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
    field_order = [
        "first_name",
        "last_name",
        "phone",
        "email",
        "birth_date",
        "files",
        "comment",
        "pickup",
        "renewable",
        "renewal_months",
        "notify_by",
        "carte_vitale",
        "mutuelle",
        "consent",
    ]

    def __init__(self, *args, pharmacy, **kwargs):
        data = args[0] if args else kwargs.get("data")
        # The token this form was shown with; the guard mixin swaps in a fresh one for a re-show.
        posted_token = data.get("form_token", "") if data is not None else ""
        super().__init__(*args, pharmacy=pharmacy, **kwargs)
        self.uploads: list[Upload] = []
        self.kept: list[kept.KeptFile] = []
        self._accepted: list[tuple[str, str, CleanFile, str]] = []
        self._kept_clean: dict[str, CleanFile] = {}
        if data is not None:
            self.kept = self._posted_kept(data, posted_token)
        self.fields["phone"].help_text = (
            _("Pour vous prévenir par SMS quand votre commande est prête.")
            if Channel.SMS in enabled_channels(pharmacy)
            else _("Pour vous joindre en cas de question.")
        )
        self.fields["files"].help_text = _(
            "Une photo par page, bien à plat et lisible, %(max)d fichiers au plus. "
            "JPEG, PNG, HEIC ou PDF."
        ) % {"max": settings.OFFICINE_UPLOAD_MAX_FILES}

    # --- files kept from a previous try ---

    def _posted_kept(self, data, posted_token: str) -> list[kept.KeptFile]:
        """The files this same form already sent, minus those the patient chose to remove."""
        files = kept.unsign(data.get(kept.FIELD, ""), posted_token)
        getlist = getattr(data, "getlist", None)
        removed_positions = set(getlist(kept.REMOVE_FIELD)) if getlist else set()
        removed = [f for i, f in enumerate(files) if str(i) in removed_positions]
        kept.discard(removed)
        return [f for f in files if f not in removed]

    def kept_of(self, kind: str) -> list[kept.KeptFile]:
        return [f for f in self.kept if f.kind == kind]

    @property
    def kept_rows(self) -> list[tuple[int, str, str]]:
        """(position, what, file name) for the "déjà reçus" list of the form shown again."""
        return [(i, FileKind(f.kind).label, f.label) for i, f in enumerate(self.kept)]

    @property
    def kept_value(self) -> str:
        return kept.sign(self.kept, self.data.get("form_token", "")) if self.is_bound else ""

    def keep_accepted_files(self) -> None:
        """Before the form is shown again: store the files that passed, for the next try."""
        if not self.is_bound:
            return
        for field_name, kind, clean, label in self._accepted:
            if field_name in self.errors:
                continue
            if kind != FileKind.PAGE:
                replaced = self.kept_of(kind)
                kept.discard(replaced)
                self.kept = [f for f in self.kept if f not in replaced]
            self.kept.append(kept.store(clean, kind=kind, label=label))
        self._accepted = []
        if self.kept_of(FileKind.PAGE):
            self.fields["files"].widget.attrs.pop("required", None)

    def discard_kept(self) -> None:
        """After a successful send: the prescription holds its own copies now."""
        kept.discard(self.kept)

    def annotate_for_rendering(self) -> None:
        """Point each input at its help text and error (aria-describedby), mark invalid ones.

        Also hands the browser check (static/js/prescription-form.js) the server's own French
        messages and limits, so both say the same thing and a phone catches a typo before
        uploading; without JavaScript the server checks everything anyway.
        """
        self._browser_checks()
        super().annotate_for_rendering()

    def _browser_checks(self) -> None:
        fields = self.fields
        for name in ("first_name", "last_name", "consent"):
            fields[name].widget.attrs["data-msg-required"] = str(
                fields[name].error_messages["required"]
            )
        fields["phone"].widget.attrs.update(
            {
                "data-msg-invalid": str(
                    _("Ce numéro de téléphone n'est pas valide (ex. 06 12 34 56 78).")
                ),
                "data-msg-sms": str(
                    _("Indiquez votre numéro de portable pour être prévenu(e) par SMS.")
                ),
            }
        )
        fields["email"].widget.attrs.update(
            {
                "data-msg-invalid": str(fields["email"].error_messages["invalid"]),
                "data-msg-needed": str(
                    _("Indiquez votre adresse e-mail pour être prévenu(e) par e-mail.")
                ),
            }
        )
        limit = settings.OFFICINE_UPLOAD_MAX_FILES
        max_mb = settings.OFFICINE_UPLOAD_MAX_BYTES // (1024 * 1024)
        fields["files"].widget.attrs.update(
            {
                "data-msg-required": str(
                    _("Ajoutez au moins une photo ou un PDF de votre ordonnance.")
                ),
                "data-max-files": str(limit - len(self.kept_of(FileKind.PAGE))),
                "data-msg-max-files": str(
                    _("Vous pouvez envoyer %(max)d fichiers au plus.") % {"max": limit}
                ),
            }
        )
        if not self.kept_of(FileKind.PAGE):
            fields["files"].widget.attrs["required"] = True
        for name in self.file_fields:
            fields[name].widget.attrs.update(
                {
                    "data-max-bytes": str(settings.OFFICINE_UPLOAD_MAX_BYTES),
                    "data-msg-too-big": str(
                        _("%(name)s dépasse %(mb)d Mo : choisissez une photo plus légère.")
                        % {"name": "{name}", "mb": max_mb}
                    ),
                }
            )

    @property
    def visible_text_fields(self):
        return [self[name] for name in ("first_name", "last_name", "phone", "email", "birth_date")]

    # --- single fields ---

    def clean_pickup(self):
        value = self.cleaned_data.get("pickup")
        if not value:
            return None
        return clean_pickup_day(
            self.pharmacy,
            value,
            max_days=PICKUP_MAX_DAYS,
            too_far=_("Choisissez une date dans les %(days)d prochains jours."),
        )

    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        already = len(self.kept_of(FileKind.PAGE))
        if not files and not already:
            raise forms.ValidationError(
                _("Ajoutez au moins une photo ou un PDF de votre ordonnance.")
            )
        limit = settings.OFFICINE_UPLOAD_MAX_FILES
        if len(files) + already > limit:
            raise forms.ValidationError(
                _("Vous pouvez envoyer %(max)d fichiers au plus (vous en avez choisi %(n)d).")
                % {"max": limit, "n": len(files) + already}
            )
        return self._sanitise(files, FileKind.PAGE, "files")

    def clean_carte_vitale(self):
        upload = self.cleaned_data.get("carte_vitale")
        return self._sanitise([upload], FileKind.CARTE_VITALE, "carte_vitale") if upload else []

    def clean_mutuelle(self):
        upload = self.cleaned_data.get("mutuelle")
        return self._sanitise([upload], FileKind.MUTUELLE, "mutuelle") if upload else []

    def _clean_kept(self) -> None:
        """Read the kept files back; one that expired meanwhile is asked for again."""
        lost = False
        for item in self.kept:
            clean = item.read()
            if clean is None:
                lost = True
            else:
                self._kept_clean[item.name] = clean
        if lost:
            self.kept = [f for f in self.kept if f.name in self._kept_clean]
            self.add_error(
                "files",
                _(
                    "Les fichiers envoyés il y a plus d'une heure ont été effacés : "
                    "choisissez-les à nouveau."
                ),
            )

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
            self._accepted.append((field_name, kind, result, getattr(upload, "name", "") or ""))
        if errors:
            raise forms.ValidationError(errors)
        return clean

    # --- whole form ---

    def all_uploads(self) -> list[Upload]:
        """Kept pages first, then the new ones; a new card photo replaces a kept one."""
        data = self.cleaned_data

        def from_kept(kind):
            return [
                Upload(kind=kind, position=0, clean=self._kept_clean[f.name])
                for f in self.kept_of(kind)
                if f.name in self._kept_clean
            ]

        pages = [*from_kept(FileKind.PAGE), *data.get("files", [])]
        pages = [Upload(kind=u.kind, position=i, clean=u.clean) for i, u in enumerate(pages)]
        cards = []
        for kind, name in (
            (FileKind.CARTE_VITALE, "carte_vitale"),
            (FileKind.MUTUELLE, "mutuelle"),
        ):
            cards += data.get(name) or from_kept(kind)
        return [*pages, *cards]

    def clean(self):
        cleaned = super().clean()
        if self.kept:
            self._clean_kept()
        if cleaned.get("renewal_months") and not cleaned.get("renewable"):
            self.add_error(
                "renewable",
                _("Cochez « Ordonnance renouvelable » ou ne choisissez pas de durée."),
            )
        return cleaned

    def renewal_request(self) -> dict | None:
        """What the patient said about renewals, or None for a one-off prescription."""
        if not self.cleaned_data.get("renewable"):
            return None
        return {"requested_months": self.cleaned_data.get("renewal_months")}

    def prescription_fields(self) -> dict:
        data = self.cleaned_data
        return {
            **self.contact_fields(),
            "comment": data.get("comment", "").strip(),
            "pickup_date": data.get("pickup"),
        }
