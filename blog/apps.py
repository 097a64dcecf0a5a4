from django.utils.translation import gettext_lazy as _

from pharmacies import extensions


class BlogConfig(extensions.PluggableAppConfig):
    """Agency news shown on every pharmacy's site, and each pharmacy's own news."""

    name = "blog"
    label = "blog"
    verbose_name = _("Actualités")

    body_blocks = {"latest_news": "blog.blocks.LatestNewsBlock"}
    default_pages = "blog.provisioning.default_pages"
    demo_agency = "blog.demo.seed_agency_blog"
    demo_pharmacy = "blog.demo.seed_pharmacy_news"
