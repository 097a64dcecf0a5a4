from django.apps import AppConfig


class OrdonnancesConfig(AppConfig):
    name = "ordonnances"
