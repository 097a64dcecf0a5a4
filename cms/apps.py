from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "Officine CMS"

    def ready(self):
        from . import caching

        caching._connect_model_purges()
