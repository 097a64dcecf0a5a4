"""What a visitor of a cached site notices: fast repeat visits, never a stale or foreign page.

The cache answers anonymous GETs of pages without forms from memory (no database query), and
forgets a site's pages as soon as something shown on them is published or changed.
"""

import datetime as dt

import pytest
from django.test import Client

from cms.caching import HIT_HEADER
from cms.models import ContentPage
from tests.blog.conftest import AGENCY_HOST, make_post, news_index

pytestmark = pytest.mark.django_db


def test_second_anonymous_visit_is_served_from_cache_without_queries(
    client_a, pharmacy_a, django_assert_num_queries
):
    first = client_a.get("/")
    assert first.status_code == 200
    assert first[HIT_HEADER] == "miss"
    with django_assert_num_queries(0):
        second = client_a.get("/")
    assert second.status_code == 200
    assert second[HIT_HEADER] == "hit"
    assert second.content == first.content
    assert "public" in second["Cache-Control"]
    assert not second.cookies


def test_publishing_a_page_shows_the_new_version_at_once(client_a, pharmacy_a):
    client_a.get("/")
    home = pharmacy_a.site.root_page.specific
    home.title = "Bienvenue chez nous, nouvelle version"
    home.save_revision().publish()
    response = client_a.get("/")
    assert response[HIT_HEADER] == "miss"
    assert "Bienvenue chez nous, nouvelle version" in response.content.decode()


def test_unpublishing_a_page_removes_it_from_cached_menus(client_a, pharmacy_a):
    page = ContentPage(title="Vaccination en officine", slug="vaccination", show_in_menus=True)
    pharmacy_a.site.root_page.add_child(instance=page)
    page.save_revision().publish()
    assert "Vaccination en officine" in client_a.get("/").content.decode()
    page.unpublish()
    html = client_a.get("/").content.decode()
    assert "Vaccination en officine" not in html


def test_changing_the_pharmacy_record_purges_its_pages(client_a, pharmacy_a):
    client_a.get("/")
    pharmacy_a.name = "Pharmacie du Marché"
    pharmacy_a.save()
    assert "Pharmacie du Marché" in client_a.get("/").content.decode()


def test_changing_opening_hours_purges_its_pages(client_a, pharmacy_a):
    client_a.get("/")
    hours = pharmacy_a.opening_hours.first()
    hours.closes = dt.time(21, 45)
    hours.save()
    response = client_a.get("/")
    assert response[HIT_HEADER] == "miss"
    assert "21" in response.content.decode()


def test_pages_with_form_blocks_are_never_cached(client_a, pharmacy_a):
    first = client_a.get("/ordonnance/")
    second = client_a.get("/ordonnance/")
    assert first.status_code == second.status_code == 200
    assert HIT_HEADER not in second
    assert "no-cache" in second["Cache-Control"]
    token = 'name="form_token"'
    assert token in first.content.decode()
    # Each visitor gets their own signed form token, not someone else's from a cache.
    assert first.content != second.content


def test_logged_in_staff_never_get_or_fill_the_cache(staff_a, pharmacy_a, client_a):
    staff = Client(HTTP_HOST=pharmacy_a.site.hostname)
    staff.force_login(staff_a)
    assert HIT_HEADER not in staff.get("/")
    assert HIT_HEADER not in staff.get("/")
    # The anonymous visitor after them is not served a page rendered for a logged-in user.
    assert client_a.get("/")[HIT_HEADER] == "miss"


def test_two_sites_never_share_cached_pages(client_a, client_b, pharmacy_a, pharmacy_b):
    assert "Pharmacie A" in client_a.get("/").content.decode()
    assert client_a.get("/")[HIT_HEADER] == "hit"
    page_b = client_b.get("/")
    assert page_b[HIT_HEADER] == "miss"
    html_b = page_b.content.decode()
    assert "Pharmacie B" in html_b and "Pharmacie A" not in html_b


def test_publishing_on_one_site_keeps_the_other_sites_cache(
    client_a, client_b, pharmacy_a, pharmacy_b
):
    client_a.get("/")
    client_b.get("/")
    home_a = pharmacy_a.site.root_page.specific
    home_a.save_revision().publish()
    assert client_a.get("/")[HIT_HEADER] == "miss"
    assert client_b.get("/")[HIT_HEADER] == "hit"


def test_query_string_and_language_get_their_own_entries(client_a, pharmacy_a):
    client_a.get("/")
    assert client_a.get("/?utm_source=sms")[HIT_HEADER] == "miss"
    assert client_a.get("/", HTTP_ACCEPT_LANGUAGE="en")[HIT_HEADER] == "miss"
    assert client_a.get("/", HTTP_ACCEPT_LANGUAGE="en")[HIT_HEADER] == "hit"


def test_agency_news_published_reaches_every_pharmacy_home(agency_blog, client_a, pharmacy_a):
    assert news_index(pharmacy_a)
    client_a.get("/")
    assert client_a.get("/")[HIT_HEADER] == "hit"
    make_post(agency_blog, "Campagne de vaccination contre la grippe", date=dt.date(2030, 1, 5))
    # The first visitor gets the page as it was; it is rendered again once they have it.
    assert client_a.get("/")[HIT_HEADER] == "stale"
    response = client_a.get("/")
    assert response[HIT_HEADER] == "hit"
    assert "Campagne de vaccination contre la grippe" in response.content.decode()


def test_cache_off_by_setting(settings, client_a, pharmacy_a):
    settings.OFFICINE_PAGE_CACHE = False
    client_a.get("/")
    assert HIT_HEADER not in client_a.get("/")


def test_agency_host_is_cached_too(agency_blog):
    agency = Client(HTTP_HOST=AGENCY_HOST)
    agency.get("/")
    assert agency.get("/")[HIT_HEADER] == "hit"


def test_two_sites_on_one_hostname_and_different_ports_never_share_cached_pages(db):
    from tests.factories import make_pharmacy

    make_pharmacy("Pharmacie Port Un", "partage.test", port=8001)
    make_pharmacy("Pharmacie Port Deux", "partage.test", port=8002)
    client = Client()

    def visit(port):
        return client.get("/", HTTP_HOST=f"partage.test:{port}", SERVER_PORT=str(port))

    assert "Pharmacie Port Un" in visit(8001).content.decode()
    assert visit(8001)[HIT_HEADER] == "hit"
    html = visit(8002).content.decode()
    assert "Pharmacie Port Deux" in html and "Pharmacie Port Un" not in html
