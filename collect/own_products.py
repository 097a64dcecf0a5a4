"""A pharmacy's own extra products in the admin: what it sells that the agency's catalogue lacks.

Staff create, edit and delete them like the agency does its catalogue, with the same checks (a
valid GS1 code, no medicine) plus theirs: a code already in the shared catalogue is that product
(offer it instead of copying it), and the photo is one of the pharmacy's own images. Every view is
scoped through `own_pharmacy`: another pharmacy's product is a 404.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.images import get_image_model

from pharmacies import admin_scoping, tenancy

from .codes import code_error, normalise
from .models import MEDICINE_REFUSED, Product

IN_CATALOGUE = _(
    "Ce code est déjà au catalogue commun : proposez ce produit depuis « Produits proposés » "
    "plutôt que de le recréer."
)

NOT_YOURS = _("Ce produit ne peut être ajouté qu'à votre pharmacie.")


class OwnProductForm(WagtailAdminModelForm):
    code = forms.CharField(
        label=_("Code EAN / CIP"),
        max_length=20,
        help_text=_("13 chiffres, espaces acceptés (ex. : 3401 5601 2345 6)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pharmacy = self.fields["own_pharmacy"]
        pharmacy.required = True
        pharmacy.label = _("Pharmacie")
        pharmacy.help_text = ""
        pharmacy.empty_label = None
        if self.for_user is not None:
            pharmacy.queryset = tenancy.pharmacies_for_user(self.for_user)
            if pharmacy.queryset.count() == 1 and not self.instance.pk:
                pharmacy.initial = pharmacy.queryset.first().pk
                pharmacy.widget = forms.HiddenInput()
            photo = self.fields["photo"]
            photo.queryset = admin_scoping.listable(self.for_user, get_image_model().objects.all())
        self.fields["is_medicine"].help_text = _(
            "Les médicaments ne sont pas proposés à la réservation en ligne : cochée, la case "
            "empêche l'enregistrement."
        )

    def clean_code(self):
        code = normalise(self.cleaned_data["code"])
        error = code_error(code)
        if error:
            raise forms.ValidationError(error)
        return code

    def clean_is_medicine(self):
        if self.cleaned_data.get("is_medicine"):
            raise forms.ValidationError(MEDICINE_REFUSED)
        return False

    def clean(self):
        cleaned = super().clean()
        if self.has_error("own_pharmacy") and isinstance(
            self.fields["own_pharmacy"].widget, forms.HiddenInput
        ):
            # A hidden field's error is not shown next to anything: say it above the form.
            self.add_error(None, NOT_YOURS)
        code = cleaned.get("code")
        if code and Product.objects.filter(own_pharmacy__isnull=True, code=code).exists():
            self.add_error("code", IN_CATALOGUE)
        return cleaned
