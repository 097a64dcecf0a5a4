"""The page tree of a new pharmacy: its home page, its legal notice, and a home that says what to do.

Declared on cms's AppConfig (`home_page`, `default_pages`, `pharmacy_provisioned`) and called by
`pharmacies.provisioning`, which does not know page types.
"""

from wagtail.models import Page

from .models import BasePage, HomePage, LegalNoticePage


def home_page(name: str, slug: str) -> HomePage:
    home = HomePage(title=name, slug=slug, intro=f"<p>Bienvenue à la {name}.</p>")
    Page.get_first_root_node().add_child(instance=home)
    home.save_revision().publish()
    return home


def default_pages(home):
    if LegalNoticePage.objects.child_of(home).exists():
        return []
    legal = LegalNoticePage(title="Mentions légales", slug="mentions-legales", show_in_menus=False)
    home.add_child(instance=legal)
    legal.save_revision().publish()
    return [legal]


def fill_home(pharmacy, home):
    """A new home page that already says what a patient comes for: send, book, hours, address."""
    home = home.specific
    if len(home.body):
        return
    blocks = [
        (
            "call_to_action",
            {
                "title": child.title,
                "text": "",
                "page": child,
                "url": "",
                "button_label": child.title,
            },
        )
        for child in home.get_children().live().specific()
        if isinstance(child, BasePage) and child.has_form_blocks
    ]
    blocks += [
        ("opening_hours", {"title": "Horaires d'ouverture"}),
        ("contact", {"title": "Nous trouver", "show_map_link": True}),
    ]
    if "latest_news" in home.body.stream_block.child_blocks:
        blocks.append(("latest_news", {"title": "Actualités", "count": 3}))
    home.body = blocks
    home.save_revision().publish()
