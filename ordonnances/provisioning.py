"""The page every new pharmacy gets from this app: "Envoyer une ordonnance" with the upload block."""

import json
import uuid

from cms.models import ContentPage

UPLOAD_PAGE_SLUG = "ordonnance"


def upload_page_body() -> str:
    return json.dumps(
        [
            {
                "type": "prescription_upload",
                "id": str(uuid.uuid4()),
                "value": {
                    "title": "Envoyer une ordonnance",  # the page title: one heading shown
                    "intro": (
                        "<p>Photographiez votre ordonnance (une photo par page) et envoyez-la : "
                        "nous préparons votre commande et vous prévenons dès qu'elle est prête."
                        "</p>"
                    ),
                    "confirmation_text": (
                        "<p>Merci ! Nous préparons votre commande et vous prévenons dès "
                        "qu'elle est prête. Les produits à commander arrivent en général "
                        "sous 24 heures.</p>"
                    ),
                },
            }
        ]
    )


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
