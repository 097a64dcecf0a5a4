"""Page types, per-site rendering, caching and the no-cookie promise."""

import os
import re
import subprocess
import sys
from datetime import datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from wagtail.models import Page, Site
from wagtail.test.utils import WagtailPageTestCase

from cms.models import ContentPage, HomePage, LegalNoticePage
from tests.factories import make_pharmacy


class PageTypesTest(WagtailPageTestCase):
    def test_where_pages_can_be_created(self):
        self.assertCanCreateAt(Page, HomePage)
        self.assertCanCreateAt(HomePage, ContentPage)
        self.assertCanCreateAt(ContentPage, ContentPage)
        self.assertCanCreateAt(HomePage, LegalNoticePage)
        self.assertCanNotCreateAt(ContentPage, LegalNoticePage)
        self.assertCanNotCreateAt(LegalNoticePage, ContentPage)

    def test_pages_render(self):
        pharmacy = make_pharmacy("Pharmacie Rendu", "rendu.test")
        home = pharmacy.site.root_page.specific
        page = ContentPage(
            title="Nos services",
            slug="services",
            body=[
                ("heading", {"text": "Vaccination", "level": "h2"}),
                ("paragraph", "<p>Sans rendez-vous le matin.</p>"),
                ("opening_hours", {"title": "Horaires"}),
                ("contact", {"title": "Nous trouver", "show_map_link": True}),
            ],
        )
        home.add_child(instance=page)
        page.save_revision().publish()
        assert self.client.get("/", HTTP_HOST="rendu.test").status_code == 200
        response = self.client.get("/services/", HTTP_HOST="rendu.test")
        assert response.status_code == 200
        html = response.content.decode()
        assert "Sans rendez-vous le matin." in html
        assert "Lundi" in html and "9h–12h30, 14h–19h30" in html
        assert 'href="tel:+33123456789"' in html
        assert "openstreetmap.org" in html


def test_unknown_hostname_falls_back_to_the_default_site(client, pharmacy_a):
    default = Site.objects.get(is_default_site=True)
    response = client.get("/", HTTP_HOST="inconnu.example")
    assert response.status_code == 200
    assert default.root_page.title in response.content.decode()
    assert "Pharmacie A" not in response.content.decode()


@pytest.mark.parametrize(
    "now, status",
    [
        ("2026-03-10 10:00", "Ouvert jusqu'à 12h30"),
        ("2026-03-10 13:00", "Fermé, ouvre aujourd'hui à 14h"),
        ("2026-03-10 20:00", "Fermé, ouvre demain à 9h"),
        ("2026-03-14 13:00", "Fermé, ouvre lundi à 9h"),
    ],
    ids=["tuesday-morning", "lunch-break", "tuesday-evening", "saturday-afternoon"],
)
def test_header_shows_phone_and_status_and_footer_links_legal(client_a, now, status):
    """The factory's week: Monday to Friday 9h–12h30 and 14h–19h30, Saturday 9h–12h30."""
    moment = datetime.fromisoformat(now).replace(tzinfo=ZoneInfo("Europe/Paris"))
    with time_machine.travel(moment, tick=False):
        html = client_a.get("/").content.decode()
    assert 'href="tel:+33123456789"' in html
    header_status = re.search(r'<span class="status">(.*?)</span>', html).group(1)
    assert unescape(header_status) == status
    assert 'href="/mentions-legales/"' in html
    assert 'lang="fr"' in html and 'class="skip-link"' in html and "<main" in html


def test_anonymous_visitor_gets_no_cookie_and_cacheable_pages(client_a):
    response = client_a.get("/")
    assert response.status_code == 200
    assert not response.cookies
    assert "public" in response["Cache-Control"]


def test_form_page_is_not_publicly_cached(client_a, pharmacy_a):
    home = pharmacy_a.site.root_page.specific
    page = ContentPage(
        title="Ordonnance", slug="envoi", body=[("prescription_upload", {"title": "Envoyer"})]
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    response = client_a.get("/envoi/")
    assert response.status_code == 200
    assert "public" not in response["Cache-Control"]
    assert "no-cache" in response["Cache-Control"] or "private" in response["Cache-Control"]
    assert not response.cookies


def test_robots_and_sitemap_are_per_site(client_a, client_b):
    robots = client_a.get("/robots.txt").content.decode()
    assert "Sitemap: http://pharmacie-a.test/sitemap.xml" in robots
    assert "Disallow: /admin/" in robots
    sitemap_a = client_a.get("/sitemap.xml").content.decode()
    assert "pharmacie-a.test" in sitemap_a and "pharmacie-b.test" not in sitemap_a


@pytest.mark.parametrize(
    "env, message",
    [({"SECRET_KEY": ""}, "SECRET_KEY"), ({"SECRET_KEY": "x" * 50, "DEBUG": "1"}, "DEBUG")],
)
def test_production_settings_refuse_unsafe_start(env, message):
    full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production", **env}
    full_env.setdefault("OFFICINE_FILE_KEYS", "a" * 44)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert message in result.stderr


def test_every_page_has_a_search_box_for_that_sites_news(client_a, client_b):
    for client in (client_a, client_b):
        html = client.get("/mentions-legales/").content.decode()
        assert 'role="search"' in html
        assert 'action="/actualites/recherche/"' in html
    results = client_a.get("/actualites/recherche/", {"q": "vaccination"})
    assert results.status_code == 200


@pytest.mark.django_db
def test_form_block_title_is_not_shown_twice_under_the_same_page_title(client_a, pharmacy_a):
    """ "Prendre rendez-vous" as page title and block title: one visible heading, both for screen
    readers; on the home page (another title) the block's heading shows."""
    import re

    page = ContentPage.objects.child_of(pharmacy_a.site.root_page).get(slug="rendez-vous")
    block = next(b for b in page.body if b.block_type == "appointment_booking")
    assert block.value["title"] == page.title
    html = client_a.get(page.url).content.decode()
    heading = re.search(r'<h2 id="appointment_booking-[^"]+"([^>]*)>([^<]+)</h2>', html)
    assert heading.group(2) == page.title and 'class="visually-hidden"' in heading.group(1)
    block.value["title"] = "Vaccination, dépistage, entretiens"
    page.save_revision().publish()
    html = client_a.get(page.url).content.decode()
    heading = re.search(r'<h2 id="appointment_booking-[^"]+"([^>]*)>([^<]+)</h2>', html)
    assert heading.group(2) == "Vaccination, dépistage, entretiens" and not heading.group(1)


def test_a_page_takes_the_request_pharmacy_only_on_its_own_site(
    rf, pharmacy_a, pharmacy_b, django_assert_num_queries
):
    """On its own site a page reuses the request's pharmacy (no second lookup); requested
    through another host (an agency preview, another pharmacy's site) it keeps its own."""
    home_a = HomePage.objects.get(pk=pharmacy_a.site.root_page_id)
    on_its_site = rf.get("/", HTTP_HOST=pharmacy_a.site.hostname)
    assert home_a.pharmacy_for_request(on_its_site).pk == pharmacy_a.pk
    with django_assert_num_queries(0):
        assert home_a.pharmacy_for_request(on_its_site).name == "Pharmacie A"

    for host in (pharmacy_b.site.hostname, "inconnu.example"):
        page = HomePage.objects.get(pk=pharmacy_a.site.root_page_id)
        elsewhere = rf.get("/", HTTP_HOST=host)
        assert page.pharmacy_for_request(elsewhere).pk == pharmacy_a.pk
