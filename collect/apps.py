from django.utils.translation import gettext_lazy as _

from pharmacies import extensions


class CollectConfig(extensions.PluggableAppConfig):
    """Click & Collect: the agency catalogue, each pharmacy's offers and patients' reservations."""

    name = "collect"
    verbose_name = _("Click & Collect")
    default_auto_field = "django.db.models.BigAutoField"

    body_blocks = {"collect_catalogue": "collect.blocks.CatalogueBlock"}
    page_routes = {"boutique": "collect.page_urls"}
    site_urls = {"retrait/": "collect.urls"}
    staff_permissions = [
        "collect.view_pharmacyproduct",
        "collect.add_pharmacyproduct",
        "collect.change_pharmacyproduct",
        "collect.delete_pharmacyproduct",
        "collect.view_ownproduct",
        "collect.add_ownproduct",
        "collect.change_ownproduct",
        "collect.delete_ownproduct",
        "collect.view_reservation",
        "collect.change_reservation",
        "collect.view_collectsettings",
        "collect.add_collectsettings",
        "collect.change_collectsettings",
    ]
    # The shared catalogue the agency editors run; never offers or reservations (pharmacy data).
    agency_permissions = [
        "collect.view_product",
        "collect.add_product",
        "collect.change_product",
        "collect.delete_product",
        "collect.view_category",
        "collect.add_category",
        "collect.change_category",
        "collect.delete_category",
    ]
    default_pages = "collect.provisioning.default_pages"
    demo_agency = "collect.demo.seed_agency_catalogue"
    demo_pharmacy = "collect.demo.seed_pharmacy_offers"
    patient_data = "collect.gdpr.ReservationData"
    notification_events = "collect.events.LABELS"
    page_cache_models = ["collect.PharmacyProduct"]
    dashboard = "collect.dashboard.dashboard_items"

    def ready(self):
        super().ready()
        from django.db.backends.signals import connection_created

        from . import signals  # noqa: F401 - connects the receivers
        from .catalogue import register_fold

        connection_created.connect(register_fold, dispatch_uid="collect.register_fold")
