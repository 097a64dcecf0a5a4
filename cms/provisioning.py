"""The page tree of a new pharmacy: its home page, its legal notice, and a home that says what to do.

Declared on cms's AppConfig (`home_page`, `default_pages`, `pharmacy_provisioned`) and called by
`pharmacies.provisioning`, which does not know page types.
"""

import json

from wagtail.models import Page

from .models import BasePage, ContentPage, HomePage, LegalNoticePage


def home_page(name: str, slug: str) -> HomePage:
    home = HomePage(title=name, slug=slug, intro=f"<p>Bienvenue à la {name}.</p>")
    Page.get_first_root_node().add_child(instance=home)
    home.save_revision().publish()
    return home


FREE_SERVICES = [
    {
        "name": "Orthopédie",
        "text": "Bas de contention, ceintures, attelles : prise de mesures sur place.",
        "icon": "orthopedie",
        "page": None,
    },
    {
        "name": "Matériel médical",
        "text": "Location et vente : fauteuils roulants, déambulateurs, lits médicalisés.",
        "icon": "materiel",
        "page": None,
    },
    {
        "name": "Préparations",
        "text": "Préparations magistrales réalisées à la demande de votre médecin.",
        "icon": "preparation",
        "page": None,
    },
]


def _add_child(home, page):
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


def feature_page(home, *, title: str, slug: str, body) -> list:
    """A feature's menu page holding its block ("Envoyer une ordonnance"), created once.

    A feature's `default_pages` returns this: the new page, or nothing when the pharmacy already
    has a page with that slug (provisioning runs again, the pharmacist kept or renamed it).
    """
    if ContentPage.objects.child_of(home).filter(slug=slug).exists():
        return []
    return [_add_child(home, ContentPage(title=title, slug=slug, show_in_menus=True, body=body))]


def default_pages(home):
    """Legal notice, "Nos services" and "L'équipe", each once; editable like any page."""
    created = []
    if not LegalNoticePage.objects.child_of(home).exists():
        created.append(
            _add_child(
                home,
                LegalNoticePage(
                    title="Mentions légales", slug="mentions-legales", show_in_menus=False
                ),
            )
        )
    children = ContentPage.objects.child_of(home)
    if not children.filter(slug="nos-services").exists():
        body = [
            {
                "type": "services",
                "value": {
                    "title": "Nos services",
                    "show_bookable": True,
                    "services": FREE_SERVICES,
                },
            }
        ]
        created.append(
            _add_child(
                home,
                ContentPage(
                    title="Nos services",
                    slug="nos-services",
                    show_in_menus=True,
                    body=json.dumps(body),
                ),
            )
        )
    if not children.filter(slug="equipe").exists():
        body = [{"type": "team", "value": {"title": "L'équipe", "members": []}}]
        created.append(
            _add_child(
                home,
                ContentPage(
                    title="L'équipe", slug="equipe", show_in_menus=True, body=json.dumps(body)
                ),
            )
        )
    return created


def fill_team(pharmacy, home):
    """The titular pharmacists are the team to begin with; the pharmacist adds the others."""
    page = ContentPage.objects.child_of(home).filter(slug="equipe").first()
    if page is None:
        return
    for block in page.body:
        if block.block_type == "team" and not len(block.value["members"]):
            members = [
                {"photo": None, "name": p.full_name, "role": "Pharmacien(ne) titulaire", "text": ""}
                for p in pharmacy.pharmacists.all()
            ]
            page.body = [
                {"type": "team", "value": {"title": block.value["title"], "members": members}}
            ]
            page.save_revision().publish()
            return


def fill_home(pharmacy, home):
    """A new home page that already says what a patient comes for: send, book, hours, address."""
    fill_team(pharmacy, home)
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
