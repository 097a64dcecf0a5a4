from django.apps import AppConfig


class PharmaciesConfig(AppConfig):
    name = "pharmacies"

    def ready(self):
        from . import log_scoping

        log_scoping.install()
