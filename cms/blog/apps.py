from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BlogConfig(AppConfig):
    name = "cms.blog"
    label = "blog"
    verbose_name = _("Actualités")
