"""Every new pharmacy gets a "Contact" page: the form, the hours, the address with map and route."""

import json

from cms.models import ContentPage

CONTACT_PAGE_BODY = [
    {
        "type": "contact_form",
        "value": {
            "title": "Nous écrire",
            "intro": "Une question sur un produit, une commande, nos services ? "
            "L'équipe vous répond au plus vite.",
        },
    },
    {"type": "opening_hours", "value": {"title": "Horaires d'ouverture"}},
    {"type": "contact", "value": {"title": "Nous trouver", "show_map_link": True}},
]


def default_pages(home):
    if ContentPage.objects.child_of(home).filter(slug="contact").exists():
        return []
    page = ContentPage(
        title="Contact", slug="contact", show_in_menus=True, body=json.dumps(CONTACT_PAGE_BODY)
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    return [page]
