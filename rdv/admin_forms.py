"""Admin forms of resources and services: choices limited to the user's pharmacies, and coherent.

A service's resource and a resource's titular pharmacist must belong to the same pharmacy as the
record itself: the agency sees every pharmacy's resources in the list, a pharmacy only its own.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from pharmacies import tenancy
from pharmacies.models import TitularPharmacist
from pharmacies.viewsets import PharmacyScopedForm

from .models import Resource


class ResourceAdminForm(PharmacyScopedForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("pharmacist")
        if field is not None and self.for_user is not None:
            field.queryset = tenancy.scope_queryset(
                TitularPharmacist.objects.select_related("pharmacy"), self.for_user
            )

    def clean(self):
        data = super().clean()
        pharmacist, pharmacy = data.get("pharmacist"), data.get("pharmacy")
        if (
            pharmacist is not None
            and pharmacy is not None
            and pharmacist.pharmacy_id != pharmacy.pk
        ):
            self.add_error(
                "pharmacist", _("Ce ou cette titulaire n'appartient pas à cette pharmacie.")
            )
        return data


class ServiceAdminForm(PharmacyScopedForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("resource")
        if field is not None:
            field.required = False
            field.help_text = _(
                "Vide : le premier pharmacien de la pharmacie. Deux prestations qui partagent une "
                "ressource ne sont jamais réservées en même temps."
            )
            if self.for_user is not None:
                field.queryset = tenancy.scope_queryset(
                    Resource.objects.filter(active=True) | self._current(), self.for_user
                ).select_related("pharmacy")

    def _current(self):
        return Resource.objects.filter(pk=self.instance.resource_id or 0)

    def clean(self):
        data = super().clean()
        resource, pharmacy = data.get("resource"), data.get("pharmacy")
        if resource is not None and pharmacy is not None and resource.pharmacy_id != pharmacy.pk:
            self.add_error("resource", _("Cette ressource appartient à une autre pharmacie."))
        return data

    def save(self, commit=True):
        """A service always needs a resource: without a choice, the pharmacy's pharmacist."""
        if self.instance.resource_id is None and self.instance.pharmacy_id:
            self.instance.resource = Resource.default_for(self.instance.pharmacy)
        return super().save(commit)
