from django.apps import AppConfig


class PharmaciesConfig(AppConfig):
    """The tenant: pharmacies, their hours, staff, audit trail and patients' GDPR requests."""

    name = "pharmacies"

    def ready(self):
        # Imported here because it imports Wagtail's models, which need a ready app registry.
        from . import log_scoping

        log_scoping.install()
