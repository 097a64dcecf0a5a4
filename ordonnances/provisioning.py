"""The page every new pharmacy gets from this app: "Envoyer une ordonnance" with the upload block."""

from wagtail.rich_text import RichText

from cms.models import ContentPage

UPLOAD_PAGE_SLUG = "ordonnance"


def upload_page_body() -> list[tuple[str, dict]]:
    """The body as (block type, value) pairs: Wagtail gives each block its id and checks the value."""
    return [
        (
            "prescription_upload",
            {
                "title": "Envoyer une ordonnance",  # the page title: one heading shown
                "intro": RichText(
                    "<p>Photographiez votre ordonnance (une photo par page) et envoyez-la : "
                    "nous préparons votre commande et vous prévenons dès qu'elle est prête.</p>"
                ),
                "confirmation_text": RichText(
                    "<p>Merci ! Nous préparons votre commande et vous prévenons dès "
                    "qu'elle est prête. Les produits à commander arrivent en général "
                    "sous 24 heures.</p>"
                ),
            },
        )
    ]


def default_pages(home):
    """An "Envoyer une ordonnance" page holding the upload block, once per pharmacy."""
    if ContentPage.objects.child_of(home).filter(slug=UPLOAD_PAGE_SLUG).exists():
        return []
    page = ContentPage(
        title="Envoyer une ordonnance",
        slug=UPLOAD_PAGE_SLUG,
        show_in_menus=True,
        body=upload_page_body(),
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    return [page]


def seed_demo(pharmacy):
    default_pages(pharmacy.site.root_page.specific)
