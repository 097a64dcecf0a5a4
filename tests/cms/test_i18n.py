"""English is served from locale/en when the browser asks for it; French stays the default."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext, override

STATUS = re.compile(r'<span class="status">([^<]*)</span>')


def _vary(response) -> set[str]:
    return {v.strip().lower() for v in response.headers.get("Vary", "").split(",") if v.strip()}


def test_catalog_is_compiled_and_loaded():
    with override("en"):
        assert gettext("Aller au contenu") == "Skip to content"
        assert gettext("Mentions légales") == "Legal notice"
        assert gettext("Ouvert jusqu'à %(time)s") % {"time": "19h30"} == "Open until 19h30"


def test_home_page_in_english(client_a, pharmacy_a):
    response = client_a.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Skip to content" in html
    assert "Legal notice" in html
    assert "Main navigation" in html
    assert "Aller au contenu" not in html
    assert "Mentions légales" not in html
    # Weekday names are translated at runtime (pharmacies.hours.WEEKDAY_NAMES).
    assert "Monday" in html and "Lundi" not in html
    status = STATUS.search(html).group(1)
    assert status.startswith(("Open until ", "Closed")), status
    assert response.headers["Content-Language"] == "en"


@pytest.mark.parametrize("headers", [{}, {"HTTP_ACCEPT_LANGUAGE": "fr-FR"}], ids=["none", "fr-FR"])
def test_home_page_in_french(client_a, pharmacy_a, headers):
    response = client_a.get("/", **headers)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "Aller au contenu" in html
    assert "Mentions légales" in html
    assert "Lundi" in html
    assert "Skip to content" not in html
    assert "Legal notice" not in html
    status = STATUS.search(html).group(1)
    assert status.startswith(("Ouvert jusqu", "Fermé")), status


def test_response_varies_on_accept_language(client_a, pharmacy_a):
    response = client_a.get("/", HTTP_ACCEPT_LANGUAGE="en")
    # The page is publicly cacheable: without this a shared cache could serve one language to all.
    assert "accept-language" in _vary(response)
    assert "accept-language" in _vary(client_a.get("/"))


def test_page_cache_keeps_languages_apart(client_a, pharmacy_a):
    """The per-site page cache must not hand the English page to a French visitor (or back)."""
    assert "Skip to content" in client_a.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    french = client_a.get("/", HTTP_ACCEPT_LANGUAGE="fr-FR")
    assert "Aller au contenu" in french.content.decode()
    assert "Skip to content" not in french.content.decode()
    english = client_a.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Skip to content" in english.content.decode()
    assert "Aller au contenu" not in english.content.decode()
    assert "Aller au contenu" in client_a.get("/").content.decode()


def _js_catalog(response) -> dict:
    """The translations a page's scripts get from /jsi18n/ (Django's `newcatalog` object)."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert "django.gettext = function" in body
    match = re.search(r"const newcatalog = (\{.*?\});\n", body, re.S)
    return json.loads(match.group(1)) if match else {}


def test_booking_script_texts_are_english_for_english_visitors(client_a, pharmacy_a):
    catalog = _js_catalog(client_a.get(reverse("javascript-catalog"), HTTP_ACCEPT_LANGUAGE="en"))
    assert catalog["2. Choisissez un jour"] == "2. Choose a day"
    assert catalog["Recherche des créneaux libres…"] == "Looking for free time slots…"
    assert [catalog[day] for day in ("lun.", "mar.", "dim.")] == ["Mon", "Tue", "Sun"]
    assert catalog["Un jour complet ? Touchez-le pour vous inscrire sur la liste d'attente."] == (
        "A full day? Tap it to join the waiting list."
    )
    assert catalog["(%(count)s place)"] == ["(%(count)s place)", "(%(count)s places)"]
    assert set(catalog) <= set(_booking_script_msgids())


def test_booking_script_texts_stay_french_by_default(client_a, pharmacy_a):
    """French is the source: nothing to translate, and no other app's (admin) catalog either."""
    for headers in ({}, {"HTTP_ACCEPT_LANGUAGE": "fr-FR"}):
        assert _js_catalog(client_a.get(reverse("javascript-catalog"), **headers)) == {}


def _booking_script_msgids() -> list[str]:
    script = (Path(settings.BASE_DIR) / "static" / "js" / "rdv.js").read_text(encoding="utf-8")
    return re.findall(r'gettext\("((?:[^"\\]|\\.)*)"', script)


def test_javascript_catalog_cache_keeps_languages_apart(client_a, pharmacy_a):
    url = reverse("javascript-catalog")
    english = client_a.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert "accept-language" in _vary(english)
    assert _js_catalog(english)["Erreur"] == "Error"
    for _ in range(2):
        assert "Erreur" not in _js_catalog(client_a.get(url, HTTP_ACCEPT_LANGUAGE="fr"))
        assert _js_catalog(client_a.get(url, HTTP_ACCEPT_LANGUAGE="en"))["Erreur"] == "Error"


def test_booking_page_loads_the_catalog_before_its_script(client_a, pharmacy_a):
    from cms.models import ContentPage

    page = ContentPage.objects.child_of(pharmacy_a.site.root_page).get(slug="rendez-vous")
    html = client_a.get(page.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    catalog = html.index(f'<script src="{reverse("javascript-catalog")}" defer></script>')
    assert catalog < html.index("js/rdv.js")
    # The site's CSP allows no inline script: every script is a same-origin file (the schema.org
    # JSON-LD block is data, never run, so the CSP does not apply to it).
    assert re.findall(r"<script(?![^>]*\ssrc=)(?![^>]*application/ld\+json)[^>]*>", html) == []
