"""Agency posts on every pharmacy site, under the pharmacy's address, unless it opted out."""

import datetime as dt

from .conftest import AGENCY_HOST, make_post, news_index


def test_every_pharmacy_gets_an_actualites_page(pharmacy_a, pharmacy_b, client_a):
    index = news_index(pharmacy_a)
    assert index.slug == "actualites" and index.live and index.show_in_menus
    assert news_index(pharmacy_b).title == "Actualités"
    response = client_a.get("/")
    assert 'href="/actualites/"' in response.content.decode()


def test_agency_post_listed_and_opened_on_both_pharmacy_sites(
    agency_blog, pharmacy_a, pharmacy_b, client_a, client_b
):
    make_post(agency_blog, "Campagne de vaccination antigrippale 2026", tags=["vaccination"])
    for client, pharmacy in ((client_a, pharmacy_a), (client_b, pharmacy_b)):
        listing = client.get("/actualites/")
        html = listing.content.decode()
        assert listing.status_code == 200
        assert "Campagne de vaccination antigrippale 2026" in html
        assert 'href="/actualites/campagne-de-vaccination-antigrippale-2026/"' in html

        post = client.get("/actualites/campagne-de-vaccination-antigrippale-2026/")
        html = post.content.decode()
        assert post.status_code == 200
        assert "<h1>Campagne de vaccination antigrippale 2026</h1>" in html
        assert pharmacy.name in html  # the pharmacy's own header and footer
        assert (
            f'<link rel="canonical" href="http://{AGENCY_HOST}/actualites/'
            'campagne-de-vaccination-antigrippale-2026/">' in html
        )


def test_agency_site_serves_the_original(agency_blog, agency_client):
    make_post(agency_blog, "Conseils canicule")
    response = agency_client.get("/actualites/conseils-canicule/")
    assert response.status_code == 200
    assert f'<link rel="canonical" href="http://{AGENCY_HOST}/actualites/conseils-canicule/">' in (
        response.content.decode()
    )


def test_draft_agency_post_is_not_syndicated(agency_blog, client_a):
    make_post(agency_blog, "Brouillon secret", publish=False)
    assert "Brouillon secret" not in client_a.get("/actualites/").content.decode()
    assert client_a.get("/actualites/brouillon-secret/").status_code == 404


def test_pharmacy_hiding_all_agency_posts(agency_blog, pharmacy_a, client_a, client_b):
    make_post(agency_blog, "Conseils canicule")
    index = news_index(pharmacy_a)
    index.hide_agency_posts = True
    index.save_revision().publish()

    assert "Conseils canicule" not in client_a.get("/actualites/").content.decode()
    assert client_a.get("/actualites/conseils-canicule/").status_code == 404
    assert "Conseils canicule" in client_b.get("/actualites/").content.decode()
    assert client_b.get("/actualites/conseils-canicule/").status_code == 200


def test_pharmacy_hiding_agency_posts_by_tag(agency_blog, pharmacy_a, client_a, client_b):
    make_post(agency_blog, "Vaccination en pharmacie", tags=["Vaccination", "Prévention"])
    make_post(agency_blog, "Conseils canicule", tags=["Prévention"])
    make_post(agency_blog, "Crème solaire", tags=["été"])
    index = news_index(pharmacy_a)
    index.hidden_agency_tags = "vaccination, dermatologie,Été "
    index.save_revision().publish()

    html_a = client_a.get("/actualites/").content.decode()
    assert "Vaccination en pharmacie" not in html_a
    assert "Crème solaire" not in html_a
    assert "Conseils canicule" in html_a
    assert client_a.get("/actualites/vaccination-en-pharmacie/").status_code == 404
    assert "Vaccination en pharmacie" in client_b.get("/actualites/").content.decode()


def test_own_post_only_on_its_own_site(agency_blog, pharmacy_a, client_a, client_b):
    make_post(news_index(pharmacy_a), "Journée dépistage du diabète")
    assert "Journée dépistage du diabète" in client_a.get("/actualites/").content.decode()
    own = client_a.get("/actualites/journee-depistage-du-diabete/")
    assert own.status_code == 200
    assert (
        '<link rel="canonical" href="http://pharmacie-a.test/actualites/'
        'journee-depistage-du-diabete/">' in own.content.decode()
    )
    assert "Journée dépistage du diabète" not in client_b.get("/actualites/").content.decode()
    assert client_b.get("/actualites/journee-depistage-du-diabete/").status_code == 404


def test_listing_merges_own_and_agency_posts_by_date(agency_blog, pharmacy_a, client_a):
    make_post(agency_blog, "Agence ancienne", date=dt.date(2026, 1, 10))
    make_post(news_index(pharmacy_a), "Pharmacie milieu", date=dt.date(2026, 3, 5))
    make_post(agency_blog, "Agence récente", date=dt.date(2026, 6, 20))
    html = client_a.get("/actualites/").content.decode()
    positions = [html.index(t) for t in ("Agence récente", "Pharmacie milieu", "Agence ancienne")]
    assert positions == sorted(positions)


def test_listing_is_paginated_and_filterable_by_tag(agency_blog, pharmacy_a, client_a):
    for n in range(12):
        make_post(agency_blog, f"Article numéro {n:02d}", date=dt.date(2026, 1, n + 1))
    make_post(news_index(pharmacy_a), "Garde du dimanche", tags=["garde"])
    first = client_a.get("/actualites/").content.decode()
    second = client_a.get("/actualites/?page=2").content.decode()
    assert "Garde du dimanche" in first and "Article numéro 11" in first
    assert "Article numéro 00" not in first and "Article numéro 00" in second
    assert "Page 2 sur 2" in second
    assert client_a.get("/actualites/?page=999").status_code == 200

    tagged = client_a.get("/actualites/?tag=garde").content.decode()
    assert "Garde du dimanche" in tagged and "Article numéro" not in tagged
    unknown = client_a.get("/actualites/?tag=inconnu")
    assert unknown.status_code == 200
    assert "Aucun article sur ce thème" in unknown.content.decode()


def test_latest_news_block_shows_what_the_site_shows(agency_blog, pharmacy_a, client_a, client_b):
    make_post(agency_blog, "Vaccination en pharmacie", tags=["vaccination"])
    make_post(news_index(pharmacy_a), "Nouveaux horaires d’été", date=dt.date(2026, 9, 5))
    index = news_index(pharmacy_a)
    index.hidden_agency_tags = "vaccination"
    index.save_revision().publish()
    home = pharmacy_a.site.root_page.specific
    home.body = [("latest_news", {"title": "À la une", "count": 3})]
    home.save_revision().publish()
    html = client_a.get("/").content.decode()
    assert "À la une" in html
    assert "Nouveaux horaires d’été" in html
    assert 'href="/actualites/nouveaux-horaires-dete/"' in html
    assert "Vaccination en pharmacie" not in html
