"""The page every new pharmacy gets from this app: "Click & Collect" holding the catalogue block."""

from wagtail.rich_text import RichText

from cms.provisioning import feature_page

PAGE_SLUG = "click-and-collect"


def catalogue_page_body() -> list[tuple[str, dict]]:
    """The body as (block type, value) pairs: Wagtail gives each block its id and checks the value."""
    return [
        (
            "collect_catalogue",
            {
                "title": "Click & Collect",  # the page title: one heading shown
                "intro": RichText(
                    "<p>Réservez vos produits de parapharmacie en ligne et retirez-les à la "
                    "pharmacie : nous les mettons de côté et vous prévenons dès qu'ils sont "
                    "prêts.</p>"
                ),
                "featured_count": 8,
            },
        )
    ]


def default_pages(home):
    """A "Click & Collect" page holding the catalogue block, once per pharmacy."""
    return feature_page(home, title="Click & Collect", slug=PAGE_SLUG, body=catalogue_page_body())
