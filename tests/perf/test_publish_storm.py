"""An agency post costs no visitor a render: each site's news is rendered again after a response.

An agency publish makes every site's news stale at once. The first visitor of each site is given the
news as it was (`X-Officine-Cache: stale`) and the block is rendered once, after their response is
sent (the WSGI server's `close()`), so nobody waits for it and nobody renders it a second time
meanwhile. A site's own change is still shown to its first visitor, and without a cache (a Redis
outage) the page is rendered as usual.
"""

import datetime as dt
from contextlib import contextmanager

import pytest
from django.core.handlers.base import BaseHandler
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import Client, RequestFactory, override_settings
from django.test.signals import template_rendered

from cms.caching import HIT_HEADER
from tests.blog.conftest import make_post

pytestmark = pytest.mark.django_db

NEWS = ("latest_news", {"title": "Actualités", "count": 3})
NEWS_TEMPLATE = "blocks/latest_news.html"


@contextmanager
def news_renders():
    """How many times the news block's template is rendered (Django's test instrumentation)."""
    rendered = []

    def seen(sender, template, **kwargs):
        if template.name == NEWS_TEMPLATE:
            rendered.append(template.name)

    template_rendered.connect(seen)
    try:
        yield rendered
    finally:
        template_rendered.disconnect(seen)


def sent_not_closed(host, path="/"):
    """A response as the server has written it, before it calls `close()` (its close hooks)."""
    handler = BaseHandler()
    handler.load_middleware()
    return handler.get_response(RequestFactory().get(path, HTTP_HOST=host))


def close(response):
    # As Django's test client does: the test's transaction must survive `request_finished`.
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


@pytest.fixture
def form_page_with_news(pharmacy_a):
    """The booking page with the news under its form: never page-cached, its blocks are."""
    page = pharmacy_a.site.root_page.get_children().get(slug="rendez-vous").specific
    page.body = [*[(b.block_type, b.value) for b in page.body], NEWS]
    page.save_revision().publish()
    return page


@pytest.fixture
def home_with_news(pharmacy_a):
    home = pharmacy_a.site.root_page.specific
    home.body = [NEWS]
    home.save_revision().publish()
    return home


def test_first_visitor_after_an_agency_post_gets_the_old_news_and_renders_nothing(
    agency_blog, client_a, form_page_with_news
):
    url = form_page_with_news.url
    client_a.get(url)
    make_post(agency_blog, "Campagne contre la grippe", date=dt.date(2030, 1, 5))
    first = sent_not_closed("pharmacie-a.test", url)
    assert first.status_code == 200
    assert first[HIT_HEADER] == "stale"
    assert "Campagne contre la grippe" not in first.content.decode()
    with news_renders() as rendered:
        close(first)
    assert rendered == [NEWS_TEMPLATE]  # rendered once, after the response was sent
    with news_renders() as rendered:
        html = client_a.get(url).content.decode()
    assert "Campagne contre la grippe" in html
    assert rendered == []


def test_visitors_meanwhile_get_the_old_news_and_it_is_rendered_once(
    agency_blog, client_a, form_page_with_news
):
    url = form_page_with_news.url
    client_a.get(url)
    make_post(agency_blog, "Campagne contre la grippe", date=dt.date(2030, 1, 5))
    with news_renders() as rendered:
        first = sent_not_closed("pharmacie-a.test", url)
        others = [client_a.get(url) for _ in range(3)]
        assert rendered == []
        close(first)
    assert rendered == [NEWS_TEMPLATE]
    assert len(others) == 3
    for response in others:
        assert response[HIT_HEADER] == "stale"
        assert "Campagne contre la grippe" not in response.content.decode()
    assert "Campagne contre la grippe" in client_a.get(url).content.decode()


def test_a_cached_page_with_news_is_served_stale_then_rendered_once(
    agency_blog, client_a, home_with_news
):
    client_a.get("/")
    assert client_a.get("/")[HIT_HEADER] == "hit"
    make_post(agency_blog, "Campagne contre la grippe", date=dt.date(2030, 1, 5))
    first = sent_not_closed("pharmacie-a.test")
    assert first[HIT_HEADER] == "stale"
    with news_renders() as rendered:
        meanwhile = client_a.get("/")
        close(first)
    assert meanwhile[HIT_HEADER] == "stale"
    assert rendered == [NEWS_TEMPLATE]
    fresh = client_a.get("/")
    assert fresh[HIT_HEADER] == "hit"
    assert "Campagne contre la grippe" in fresh.content.decode()


def test_every_site_renders_its_own_news_once(
    agency_blog, client_a, client_b, pharmacy_a, pharmacy_b
):
    for pharmacy in (pharmacy_a, pharmacy_b):
        home = pharmacy.site.root_page.specific
        home.body = [NEWS]
        home.save_revision().publish()
    clients = (client_a, client_b)
    for client in clients:
        client.get("/")
    make_post(agency_blog, "Campagne contre la grippe", date=dt.date(2030, 1, 5))
    with news_renders() as rendered:
        for _ in range(3):
            for client in clients:
                client.get("/")
    assert rendered == [NEWS_TEMPLATE, NEWS_TEMPLATE]
    for client in clients:
        assert "Campagne contre la grippe" in client.get("/").content.decode()


def test_a_site_without_a_stale_copy_renders_the_news_for_its_first_visitor(
    agency_blog, client_a, home_with_news
):
    make_post(agency_blog, "Campagne contre la grippe", date=dt.date(2030, 1, 5))
    response = client_a.get("/")
    assert response[HIT_HEADER] == "miss"
    assert "Campagne contre la grippe" in response.content.decode()


def test_the_pharmacys_own_publish_is_shown_to_its_first_visitor(client_a, home_with_news):
    client_a.get("/")
    home_with_news.title = "Nouvelle accroche"
    home_with_news.save_revision().publish()
    response = client_a.get("/")
    assert response[HIT_HEADER] == "miss"
    assert "Nouvelle accroche" in response.content.decode()


@override_settings(
    CACHES={
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "down": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }
)
def test_when_redis_goes_down_the_news_is_rendered_for_each_visitor(
    agency_blog, home_with_news, settings
):
    client = Client(HTTP_HOST="pharmacie-a.test")
    client.get("/")
    make_post(agency_blog, "Campagne contre la grippe", date=dt.date(2030, 1, 5))
    settings.OFFICINE_PAGE_CACHE_ALIAS = "down"
    response = client.get("/")
    assert response.status_code == 200
    assert HIT_HEADER not in response
    assert "Campagne contre la grippe" in response.content.decode()
