from django.utils.translation import gettext_lazy as _

from pharmacies import extensions


class RdvConfig(extensions.PluggableAppConfig):
    """Appointments: services, the booking block, the slot engine and the pharmacy's agenda."""

    name = "rdv"
    verbose_name = _("Rendez-vous")

    body_blocks = {"appointment_booking": "rdv.blocks.AppointmentBookingBlock"}
    page_routes = {"rdv": "rdv.page_urls"}
    site_urls = {"rdv/": "rdv.urls"}
    staff_permissions = [
        "rdv.add_service",
        "rdv.change_service",
        "rdv.delete_service",
        "rdv.view_service",
        "rdv.add_booking",
        "rdv.change_booking",
        "rdv.view_booking",
        "rdv.add_resource",
        "rdv.change_resource",
        "rdv.delete_resource",
        "rdv.view_resource",
        "rdv.view_waitlistentry",
        "rdv.delete_waitlistentry",
    ]
    default_pages = "rdv.provisioning.default_pages"
    pharmacy_provisioned = "rdv.provisioning.pharmacy_provisioned"
    demo_pharmacy = "rdv.provisioning.seed_demo"
    patient_data = "rdv.gdpr.BookingData"
    public_services = "rdv.provisioning.public_services"
    page_cache_models = ["rdv.Service"]
    notification_events = "rdv.events.LABELS"
    dashboard = "rdv.dashboard.dashboard_items"
