"""English is served from locale/en when the browser asks for it; French stays the default."""

import re

import pytest
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
