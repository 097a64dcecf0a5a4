from pharmacies import extensions


class CmsConfig(extensions.PluggableAppConfig):
    """The platform's pages, base blocks, page and fragment caches and public-form pipeline."""

    name = "cms"
    verbose_name = "Officine CMS"

    home_page = "cms.provisioning.home_page"
    default_pages = "cms.provisioning.default_pages"
    pharmacy_provisioned = "cms.provisioning.fill_home"
    demo_pharmacy = "cms.demo.seed_look"

    def ready(self):
        # Django's documented place to connect receivers: the page cache's purge triggers.
        from . import caching

        caching.connect_model_purges()
