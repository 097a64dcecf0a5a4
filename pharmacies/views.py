"""Superuser-only admin form that provisions a pharmacy (the same as `create_pharmacy`)."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from .models import ARS
from .provisioning import PharmacySpec, ProvisioningError, ensure_staff_user, provision_pharmacy


class CreatePharmacyForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=120)
    hostname = forms.CharField(label=_("Nom d'hôte"), help_text=_("Ex. pharmacie-du-port.fr"))
    street = forms.CharField(label=_("Adresse"))
    postal_code = forms.RegexField(label=_("Code postal"), regex=r"^\d{5}$")
    city = forms.CharField(label=_("Ville"))
    phone = forms.CharField(label=_("Téléphone"))
    email = forms.EmailField(label=_("E-mail"))
    licence_number = forms.CharField(label=_("Numéro de licence"))
    ars = forms.ChoiceField(label=_("ARS"), choices=ARS.choices)
    health_data_host = forms.CharField(label=_("Hébergeur de données de santé"))
    pharmacist_name = forms.CharField(label=_("Pharmacien(ne) titulaire"))
    pharmacist_rpps = forms.RegexField(label=_("RPPS"), regex=r"^\d{11}$")
    username = forms.CharField(label=_("Identifiant du premier compte"), required=False)
    user_email = forms.EmailField(label=_("E-mail du premier compte"), required=False)


class CreatePharmacyView(WagtailAdminTemplateMixin, FormView):
    form_class = CreatePharmacyForm
    template_name = "pharmacies/admin/create_pharmacy.html"
    page_title = _("Nouvelle pharmacie")
    header_icon = "plus"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        spec = PharmacySpec(
            name=data["name"],
            hostname=data["hostname"],
            street=data["street"],
            postal_code=data["postal_code"],
            city=data["city"],
            phone=data["phone"],
            email=data["email"],
            licence_number=data["licence_number"],
            ars=data["ars"],
            health_data_host=data["health_data_host"],
            pharmacists=[(data["pharmacist_name"], data["pharmacist_rpps"])],
        )
        try:
            pharmacy, created = provision_pharmacy(spec)
        except ProvisioningError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        if data["username"]:
            ensure_staff_user(pharmacy, data["username"], data["user_email"] or "", None)
        if created:
            messages.success(self.request, _("Pharmacie « %s » créée.") % pharmacy.name)
        else:
            messages.info(
                self.request, _("Cette pharmacie existait déjà ; permissions mises à jour.")
            )
        return redirect(reverse("pharmacies:edit", args=[pharmacy.pk]))
