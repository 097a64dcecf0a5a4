"""Every public page type in a real browser: phone and desktop, accessibility (axe) and HTML validity (vnu).

The pages with a patient's data (confirmations, tracking, booking management) are reached the way a
patient reaches them, by sending the forms; the error states come from sending them incomplete.
"""

import json

import pytest

from cms.models import ContentPage
from rdv.provisioning import seed_demo as seed_rdv_demo
from tests.blog.conftest import make_post, news_index

from .conftest import run_axe, screenshot, site_url, vnu_errors
from .test_booking_journey import book_through_calendar
from .test_forms import send_incomplete_booking, send_incomplete_upload
from .test_prescription_journey import send_prescription

pytestmark = pytest.mark.e2e


def add_content_page(pharmacy):
    home = pharmacy.site.root_page
    page = ContentPage(
        title="Conseils",
        slug="conseils",
        show_in_menus=True,
        body=json.dumps(
            [
                {"type": "heading", "value": {"text": "Conseil et prévention", "level": "h2"}},
                {
                    "type": "paragraph",
                    "value": "<p>Entretiens pharmaceutiques, vaccination, dépistage.</p>",
                },
                {
                    "type": "call_to_action",
                    "value": {
                        "title": "Besoin d'un vaccin ?",
                        "text": "Réservez un créneau en ligne.",
                        "page": None,
                        "url": "https://www.vaccination-info-service.fr/",
                        "button_label": "En savoir plus",
                    },
                },
                {"type": "opening_hours", "value": {"title": "Horaires d'ouverture"}},
                {"type": "contact", "value": {"title": "Nous trouver", "show_map_link": True}},
            ]
        ),
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


def test_every_public_page_type_is_accessible_and_valid_on_phone_and_desktop(
    live_server, e2e_pharmacies, e2e_agency, phone_page, desktop_page, tmp_path
):
    pharmacy, other = e2e_pharmacies
    seed_rdv_demo(pharmacy)
    add_content_page(pharmacy)
    make_post(e2e_agency, "Bien dormir en hiver", tags=["sommeil"])
    make_post(news_index(pharmacy), "Nouveaux horaires d'été", tags=["pharmacie"])

    _reference, tracking = send_prescription(phone_page, live_server, pharmacy)
    upload_confirmation = phone_page.url
    book_through_calendar(phone_page, live_server, pharmacy)
    booking_confirmation = phone_page.url
    manage = phone_page.get_by_role(
        "link", name="Annuler ou déplacer ce rendez-vous"
    ).get_attribute("href")

    pages = {
        "home": "/",
        "content": "/conseils/",
        "legal": "/mentions-legales/",
        "news": "/actualites/",
        "own-post": "/actualites/nouveaux-horaires-dete/",
        "agency-post": "/actualites/bien-dormir-en-hiver/",
        "upload": "/ordonnance/",
        "booking": "/rendez-vous/",
        "upload-confirmation": upload_confirmation,
        "tracking": tracking,
        "booking-confirmation": booking_confirmation,
        "booking-manage": manage,
    }
    html = {}
    for label, page in [("phone", phone_page), ("desktop", desktop_page)]:
        for name, path in pages.items():
            url = path if path.startswith("http") else site_url(live_server, pharmacy, path)
            response = page.goto(url)
            assert response.status == 200, f"{name}: {response.status}"
            assert pharmacy.name in page.title(), name
            if label == "phone":
                html[name] = response.text()
            assert run_axe(page) == [], f"{name} on {label}"
        page.goto(site_url(live_server, pharmacy, "/"))
        screenshot(page, f"home-{label}")

    send_incomplete_upload(desktop_page, live_server, pharmacy)
    html["upload-errors"] = desktop_page.content()
    send_incomplete_booking(desktop_page, live_server, pharmacy)
    html["booking-errors"] = desktop_page.content()
    phone_page.goto(site_url(live_server, other, "/"))
    html["home-other"] = phone_page.content()

    phone_page.goto(site_url(live_server, pharmacy, "/"))
    phone_page.keyboard.press("Tab")
    assert "Aller au contenu" in phone_page.evaluate("document.activeElement.textContent")
    assert vnu_errors(html, tmp_path) == {}
