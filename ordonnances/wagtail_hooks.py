"""Admin: the "Ordonnances" menu, its scoped views and the file view (dashboard: `dashboard`)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from pharmacies.admin_display import Wording
from pharmacies.viewsets import PharmacyScopedViewSet

from . import admin_views
from .models import Prescription


class PrescriptionViewSet(PharmacyScopedViewSet):
    model = Prescription
    pharmacy_field = "pharmacy"
    url_prefix = "ordonnances"
    icon = "doc-full"
    menu_label = _("Ordonnances")
    menu_name = "prescriptions"  # the dashboard's badge goes on it (`ordonnances.dashboard`)
    menu_order = 100
    add_to_admin_menu = True
    inspect_view_enabled = True
    copy_view_enabled = False
    index_view_class = admin_views.PrescriptionIndexView
    inspect_view_class = admin_views.PrescriptionInspectView
    edit_view_class = admin_views.PrescriptionEditView
    history_view_class = admin_views.PrescriptionHistoryView
    list_export = [
        "reference",
        "created_at",
        "get_status_display",
        "first_name",
        "last_name",
        "phone",
        "email",
        "pickup_date",
        "status_note",
    ]
    export_headings = {
        "reference": _("Référence"),
        "created_at": _("Reçue le"),
        "get_status_display": _("Statut"),
        "first_name": _("Prénom"),
        "last_name": _("Nom"),
        "phone": _("Téléphone"),
        "email": _("E-mail"),
        "pickup_date": _("Retrait souhaité"),
        "status_note": _("Message au patient"),
    }
    export_filename = "ordonnances"
    form_fields = ["status_note"]
    wording = Wording(
        add=_("Ajouter une ordonnance"),
        created=_("Ordonnance « %(object)s » créée."),
        updated=_("Ordonnance « %(object)s » enregistrée."),
        deleted=_("Ordonnance « %(object)s » supprimée."),
        not_created=_("L'ordonnance n'a pas pu être créée : corrigez les erreurs ci-dessous."),
        not_saved=_("L'ordonnance n'a pas pu être enregistrée : corrigez les erreurs ci-dessous."),
    )

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("status/<int:pk>/", admin_views.status_view, name="status"),
            path("file/<int:pk>/", admin_views.file_view, name="file"),
            path("renewal/<int:pk>/", admin_views.renewal_view, name="renewal"),
            path(
                "dispensing/<int:pk>/status/",
                admin_views.dispensing_status_view,
                name="dispensing_status",
            ),
            path(
                "dispensing/<int:pk>/request/",
                admin_views.dispensing_request_view,
                name="dispensing_request",
            ),
            path("renewal-settings/<int:pk>/", admin_views.lead_days_view, name="lead_days"),
        ]


prescription_viewset = PrescriptionViewSet("prescriptions")


@hooks.register("register_admin_viewset")
def register_prescription_viewset():
    return prescription_viewset
