"""Each site's feed, sitemap and search carry exactly the posts that site shows."""

import xml.etree.ElementTree as ET

import pytest

from .conftest import AGENCY_HOST, make_post, news_index

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _setup(agency_blog, pharmacy_a, pharmacy_b):
    make_post(
        agency_blog, "Vaccination antigrippale", tags=["vaccination"], body="grippe saisonnière"
    )
    make_post(agency_blog, "Conseils canicule", tags=["été"], body="chaleur et hydratation")
    make_post(news_index(pharmacy_a), "Dépistage du diabète", body="glycémie gratuite")
    index_b = news_index(pharmacy_b)
    index_b.hidden_agency_tags = "vaccination"
    index_b.save_revision().publish()


def test_rss_feed_per_site(agency_blog, pharmacy_a, pharmacy_b, client_a, client_b):
    _setup(agency_blog, pharmacy_a, pharmacy_b)
    response = client_a.get("/actualites/flux/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    items = {item.findtext("title"): item for item in channel.findall("item")}
    assert set(items) == {"Vaccination antigrippale", "Conseils canicule", "Dépistage du diabète"}
    assert (
        items["Conseils canicule"].findtext("link")
        == "http://pharmacie-a.test/actualites/conseils-canicule/"
    )
    assert items["Conseils canicule"].findtext("guid") == (
        f"http://{AGENCY_HOST}/actualites/conseils-canicule/"
    )
    assert [c.text for c in items["Vaccination antigrippale"].findall("category")] == [
        "vaccination"
    ]

    channel_b = ET.fromstring(client_b.get("/actualites/flux/").content).find("channel")
    assert {item.findtext("title") for item in channel_b.findall("item")} == {"Conseils canicule"}


def test_atom_feed_per_site(agency_blog, pharmacy_a, pharmacy_b, client_b):
    _setup(agency_blog, pharmacy_a, pharmacy_b)
    response = client_b.get("/actualites/flux/atom/")
    assert response.status_code == 200
    feed = ET.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Conseils canicule"]
    assert entries[0].find(f"{ATOM}link").get("href") == (
        "http://pharmacie-b.test/actualites/conseils-canicule/"
    )


def test_agency_feed_lists_agency_posts_only(agency_blog, pharmacy_a, pharmacy_b, agency_client):
    _setup(agency_blog, pharmacy_a, pharmacy_b)
    channel = ET.fromstring(agency_client.get("/actualites/flux/").content).find("channel")
    assert {item.findtext("title") for item in channel.findall("item")} == {
        "Vaccination antigrippale",
        "Conseils canicule",
    }


def _sitemap_locations(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    return {url.findtext(f"{SITEMAP}loc") for url in root.findall(f"{SITEMAP}url")}


def test_sitemap_per_site(agency_blog, pharmacy_a, pharmacy_b, client_a, client_b, agency_client):
    _setup(agency_blog, pharmacy_a, pharmacy_b)
    locations_a = _sitemap_locations(client_a)
    assert {
        "http://pharmacie-a.test/actualites/",
        "http://pharmacie-a.test/actualites/vaccination-antigrippale/",
        "http://pharmacie-a.test/actualites/conseils-canicule/",
        "http://pharmacie-a.test/actualites/depistage-du-diabete/",
    } <= locations_a
    assert not any(AGENCY_HOST in loc or "pharmacie-b" in loc for loc in locations_a)

    locations_b = _sitemap_locations(client_b)
    assert "http://pharmacie-b.test/actualites/conseils-canicule/" in locations_b
    assert not any("vaccination" in loc or "diabete" in loc for loc in locations_b)

    locations_agency = _sitemap_locations(agency_client)
    assert f"http://{AGENCY_HOST}/actualites/conseils-canicule/" in locations_agency
    assert not any("diabete" in loc for loc in locations_agency)


def test_search_returns_only_what_the_site_shows(
    agency_blog, pharmacy_a, pharmacy_b, client_a, client_b
):
    _setup(agency_blog, pharmacy_a, pharmacy_b)
    found_a = client_a.get("/actualites/recherche/", {"q": "glycémie"}).content.decode()
    assert "Dépistage du diabète" in found_a
    assert 'href="/actualites/depistage-du-diabete/"' in found_a

    found_b = client_b.get("/actualites/recherche/", {"q": "glycémie"})
    assert found_b.status_code == 200
    assert "Dépistage du diabète" not in found_b.content.decode()
    assert "Aucun article trouvé pour « glycémie »" in found_b.content.decode()

    grippe_a = client_a.get("/actualites/recherche/", {"q": "grippe"}).content.decode()
    assert 'href="/actualites/vaccination-antigrippale/"' in grippe_a
    grippe_b = client_b.get("/actualites/recherche/", {"q": "grippe"}).content.decode()
    assert "Vaccination antigrippale" not in grippe_b

    assert client_a.get("/actualites/recherche/").status_code == 200
    assert 'action="/actualites/recherche/"' in client_a.get("/actualites/").content.decode()


@pytest.mark.services
def test_search_on_postgresql_full_text(require_postgres, agency_blog, pharmacy_a, pharmacy_b):
    """Production search: Wagtail's database backend on PostgreSQL, French words and accents."""
    from django.test import Client

    _setup(agency_blog, pharmacy_a, pharmacy_b)
    client_a = Client(HTTP_HOST=pharmacy_a.site.hostname)
    client_b = Client(HTTP_HOST=pharmacy_b.site.hostname)
    found_a = client_a.get("/actualites/recherche/", {"q": "hydratation"}).content.decode()
    assert 'href="/actualites/conseils-canicule/"' in found_a
    found_a = client_a.get("/actualites/recherche/", {"q": "glycémie"}).content.decode()
    assert 'href="/actualites/depistage-du-diabete/"' in found_a
    found_b = client_b.get("/actualites/recherche/", {"q": "grippe"}).content.decode()
    assert "Vaccination antigrippale" not in found_b
    assert "Aucun article trouvé pour « grippe »" in found_b
