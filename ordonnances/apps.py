from django.utils.translation import gettext_lazy as _

from pharmacies import extensions


class OrdonnancesConfig(extensions.PluggableAppConfig):
    """Prescriptions sent from the pharmacies' websites and the pharmacists' workflow."""

    name = "ordonnances"
    verbose_name = _("Ordonnances")
    default_auto_field = "django.db.models.BigAutoField"

    body_blocks = {"prescription_upload": "ordonnances.blocks.PrescriptionUploadBlock"}
    page_routes = {"ordonnance": "ordonnances.page_urls"}
    site_urls = {"ordonnances/": "ordonnances.urls"}
    staff_permissions = [
        "ordonnances.view_prescription",
        "ordonnances.change_prescription",
        "ordonnances.view_prescription_files",
    ]
    default_pages = "ordonnances.provisioning.default_pages"
    demo_pharmacy = "ordonnances.provisioning.seed_demo"
    patient_data = "ordonnances.gdpr.PrescriptionData"
    notification_events = "ordonnances.events.LABELS"
    dashboard = "ordonnances.dashboard.dashboard_items"
