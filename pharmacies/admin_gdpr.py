"""Admin: the audit trail (read-only) and patients' GDPR requests, for titular pharmacists.

Both need a permission that ordinary staff do not get (`pharmacies.view_auditevent`,
`pharmacies.manage_patient_data`), and both are scoped by `pharmacies.tenancy` like every other
admin view: a titular pharmacist sees and acts for their own pharmacies only, superusers for all.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from pharmacies.phones import to_e164

from . import gdpr, tenancy
from .models import AuditEvent
from .viewsets import PharmacyScopedViewSet

AUDIT_PERMISSION = "pharmacies.view_auditevent"
GDPR_PERMISSION = "pharmacies.manage_patient_data"


class AuditPermissionPolicy(ModelPermissionPolicy):
    """The trail is written by the code only: nobody adds, changes or deletes a row."""

    def user_has_permission(self, user, action):
        if action != "view":
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return "view" in actions and self.user_has_permission(user, "view")

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)


audit_permission_policy = AuditPermissionPolicy(AuditEvent)
register_permission_policy(AuditEvent, audit_permission_policy, exact_class=True)


class AuditIndexView(generic.IndexView):
    @property
    def columns(self):
        return [
            self._get_title_column("action", accessor="get_action_display"),
            DateColumn("at", label=_("Le"), sort_key="at"),
            Column("actor_label", label=_("Par")),
            Column("object_type", label=_("Objet")),
            Column("object_id", label=_("N°")),
            Column("ip_address", label=_("Adresse IP")),
            Column("pharmacy", label=_("Pharmacie")),
        ]

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("pharmacy")


class AuditEventViewSet(PharmacyScopedViewSet):
    """Listing and detail only: the add, edit, delete and copy URLs do not exist at all."""

    model = AuditEvent
    icon = "history"
    menu_label = _("Journal d'audit")
    menu_order = 900
    add_to_settings_menu = True
    index_view_class = AuditIndexView
    list_filter = ["action"]
    search_fields = None
    inspect_view_enabled = True
    copy_view_enabled = False
    inspect_view_fields = [
        "at",
        "actor_label",
        "action",
        "pharmacy",
        "object_type",
        "object_id",
        "subject_hash",
        "detail",
        "ip_address",
    ]
    read_only_url_names = {"index", "index_results", "inspect"}
    exclude_form_fields = []

    def get_urlpatterns(self):
        return [p for p in super().get_urlpatterns() if p.name in self.read_only_url_names]


audit_viewset = AuditEventViewSet("audit")


class PatientLookupForm(forms.Form):
    pharmacy = forms.ModelChoiceField(label=_("Pharmacie"), queryset=None, empty_label=None)
    email = forms.EmailField(label=_("E-mail du patient"), required=False)
    phone = forms.CharField(label=_("Téléphone du patient"), required=False, max_length=30)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pharmacy"].queryset = tenancy.pharmacies_for_user(user)

    def clean_phone(self):
        raw = self.cleaned_data["phone"].strip()
        if raw and to_e164(raw) is None:
            raise forms.ValidationError(_("Ce numéro de téléphone n'est pas valide."))
        return raw

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("email") and not cleaned.get("phone"):
            raise forms.ValidationError(_("Indiquez l'e-mail ou le téléphone du patient."))
        return cleaned


def patient_data_view(request):
    """Search a patient by email/phone in one's pharmacy, then download the export or erase."""
    if not request.user.has_perm(GDPR_PERMISSION):
        raise PermissionDenied
    form = PatientLookupForm(request.POST or None, user=request.user)
    records = None
    if request.method == "POST" and form.is_valid():
        pharmacy = form.cleaned_data["pharmacy"]
        email = form.cleaned_data["email"] or None
        phone = form.cleaned_data["phone"] or None
        action = request.POST.get("action", "search")
        if action == "export":
            archive = gdpr.export_patient_data(pharmacy, email, phone, request=request)
            response = HttpResponse(archive, content_type="application/zip")
            name = f"donnees-patient-{pharmacy.slug}-{timezone.localdate():%Y%m%d}.zip"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            response["Cache-Control"] = "private, no-store"
            return response
        if action == "erase":
            if request.POST.get("confirm") != "yes":
                messages.error(request, _("Cochez la case de confirmation pour effacer."))
            else:
                counts = gdpr.erase_patient_data(pharmacy, email, phone, request=request)
                messages.success(
                    request,
                    _("Données effacées : %(summary)s.")
                    % {"summary": gdpr.describe_counts(counts)},
                )
                return redirect(reverse("pharmacies_patient_data"))
        records = gdpr.find_patient_records(pharmacy, email, phone)
    return TemplateResponse(
        request,
        "pharmacies/admin/patient_data.html",
        {
            "form": form,
            "records": records,
            "page_title": _("Données d'un patient (RGPD)"),
            "header_icon": "user",
        },
    )


def admin_urlpatterns():
    return [path("donnees-patients/", patient_data_view, name="pharmacies_patient_data")]
