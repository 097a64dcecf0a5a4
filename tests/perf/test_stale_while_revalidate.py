"""What visitors notice after a publish: fresh content at once, and no render storm.

An agency post goes stale only where the agency's news is shown (news blocks and listings), never a
site's forms or its pages without news. A stale page or block is given to the visitors who come
while one request renders it again under a short lock; a provisioning leaves the other sites' pages
as they are.
"""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cms import caching
from cms.caching import HIT_HEADER
from cms.models import ContentPage
from tests.blog.conftest import make_post
from tests.factories import make_pharmacy

pytestmark = pytest.mark.django_db

NEWS = ("latest_news", {"title": "Actualités", "count": 3})


def page_key(client, path="/"):
    """The cache key of a page as the middleware computes it, to hold its lock like a renderer."""
    request = client.get(path).wsgi_request
    return caching.request_key(request, caching.normalise_host(request.get_host()))


def add_page(parent, title, slug, body=()):
    page = ContentPage(title=title, slug=slug, body=list(body))
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def home_with_news(pharmacy_a):
    home = pharmacy_a.site.root_page.specific
    home.body = [NEWS]
    home.save_revision().publish()
    return home


def test_while_one_request_renders_a_stale_page_the_others_get_the_old_copy(
    client_a, home_with_news
):
    key = page_key(client_a)
    assert client_a.get("/")[HIT_HEADER] == "hit"
    home_with_news.title = "Nouvelle accroche"
    home_with_news.save_revision().publish()
    assert caching.claim(cache, key)  # another worker is rendering the page right now
    stale = client_a.get("/")
    assert stale.status_code == 200
    assert stale[HIT_HEADER] == "stale"
    assert "Nouvelle accroche" not in stale.content.decode()
    caching.release(cache, key)
    fresh = client_a.get("/")
    assert fresh[HIT_HEADER] == "miss"
    assert "Nouvelle accroche" in fresh.content.decode()
    assert client_a.get("/")[HIT_HEADER] == "hit"


def test_agency_post_refreshes_only_what_shows_the_news(
    agency_blog, client_a, client_b, pharmacy_a, pharmacy_b, home_with_news
):
    plain = add_page(pharmacy_a.site.root_page, "Nos services", "services")
    for path in ("/", plain.url, "/mentions-legales/", "/actualites/"):
        client_a.get(path)
        assert client_a.get(path)[HIT_HEADER] == "hit", path
    client_b.get("/ordonnance/")
    with CaptureQueriesContext(connection) as before_publish:
        assert client_b.get("/ordonnance/").status_code == 200
    make_post(agency_blog, "Campagne contre la grippe", date=dt.date(2030, 1, 5))
    # Pages that show the agency's news are rendered again, with the post, once the first visitor
    # has been given them as they were.
    for path in ("/", "/actualites/"):
        assert client_a.get(path)[HIT_HEADER] == "stale", path
        response = client_a.get(path)
        assert response[HIT_HEADER] == "hit", path
        assert "Campagne contre la grippe" in response.content.decode()
    # Pages without news stay in the cache.
    assert client_a.get(plain.url)[HIT_HEADER] == "hit"
    assert client_a.get("/mentions-legales/")[HIT_HEADER] == "hit"
    # A form page without news renders no block again: as many queries as before the post.
    with CaptureQueriesContext(connection) as after_publish:
        assert client_b.get("/ordonnance/").status_code == 200
    assert len(after_publish) == len(before_publish)


def test_an_agency_post_does_not_re_render_the_forms_of_a_page_with_news(
    agency_blog, client_a, pharmacy_a
):
    page = pharmacy_a.site.root_page.get_children().get(slug="rendez-vous").specific
    page.body = [*[(b.block_type, b.value) for b in page.body], NEWS]
    page.save_revision().publish()
    url = page.url
    client_a.get(url)
    with CaptureQueriesContext(connection) as warm:
        client_a.get(url)
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        client_a.get(url)
    make_post(agency_blog, "Vaccination en pharmacie", date=dt.date(2030, 2, 1))
    with CaptureQueriesContext(connection) as after_publish:  # with the refresh after the response
        client_a.get(url)
    # Only the news block is rendered again: fewer queries than a cold page, more than a warm one.
    assert len(warm) < len(after_publish) < len(cold)
    assert not any("rdv_service" in q["sql"] for q in after_publish.captured_queries)
    assert "Vaccination en pharmacie" in client_a.get(url).content.decode()


def test_a_stale_news_block_is_served_while_another_request_renders_it(
    agency_blog, client_a, home_with_news, settings
):
    settings.OFFICINE_PAGE_CACHE = False  # only the block cache
    client_a.get("/")
    make_post(agency_blog, "Nouvelle campagne", date=dt.date(2030, 3, 1))
    held = [key for key in cache._cache if "fragment:" in key]  # LocMemCache's own keys
    assert held
    for key in held:
        assert caching.claim(cache, key.split(":", 2)[2])
    assert "Nouvelle campagne" not in client_a.get("/").content.decode()
    for key in held:
        caching.release(cache, key.split(":", 2)[2])
    client_a.get("/")  # the old news once more; the block is rendered again after this response
    assert "Nouvelle campagne" in client_a.get("/").content.decode()


def test_an_old_entry_is_refreshed_after_its_lifetime(client_a, pharmacy_a, settings):
    settings.OFFICINE_PAGE_CACHE_SECONDS = 300
    with time_machine.travel(dt.datetime(2030, 1, 7, 10, 0, tzinfo=dt.UTC), tick=False) as clock:
        key = page_key(client_a)
        assert client_a.get("/")[HIT_HEADER] == "hit"
        clock.shift(dt.timedelta(seconds=301))
        assert caching.claim(cache, key)
        assert client_a.get("/")[HIT_HEADER] == "stale"
        caching.release(cache, key)
        # The next visitor gets it too, and it is rendered again once their response is sent.
        assert client_a.get("/")[HIT_HEADER] == "stale"
        assert client_a.get("/")[HIT_HEADER] == "hit"
        clock.shift(dt.timedelta(seconds=299))
        assert client_a.get("/")[HIT_HEADER] == "hit"


def test_a_deleted_page_is_a_404_at_once_not_a_stale_copy(client_a, pharmacy_a):
    page = add_page(pharmacy_a.site.root_page, "Offre d'été", "offre-ete")
    url = page.url
    client_a.get(url)
    assert client_a.get(url)[HIT_HEADER] == "hit"
    page.delete()
    assert client_a.get(url).status_code == 404
    assert client_a.get(url).status_code == 404


def test_provisioning_a_pharmacy_leaves_the_other_sites_cached(
    agency_blog, client_a, home_with_news
):
    client_a.get("/")
    assert client_a.get("/")[HIT_HEADER] == "hit"
    make_pharmacy("Pharmacie Nouvelle", "nouvelle.test")
    assert client_a.get("/")[HIT_HEADER] == "hit"
    assert "Pharmacie Nouvelle" in Client(HTTP_HOST="nouvelle.test").get("/").content.decode()


def test_a_renamed_site_no_longer_answers_on_its_old_hostname(client_a, pharmacy_a):
    assert "Pharmacie A" in client_a.get("/").content.decode()
    site = pharmacy_a.site
    site.hostname = "www.pharmacie-a.fr"
    site.save()
    assert "Pharmacie A" not in client_a.get("/").content.decode()
    assert "Pharmacie A" in Client(HTTP_HOST="www.pharmacie-a.fr").get("/").content.decode()
