"""Site lookup and page URLs without Wagtail's all-sites list: the same answers as Wagtail's.

`cms.sites` builds URLs from the page's own ancestors and `pharmacies.tenancy` finds the request's
site by hostname, both through small cache entries. Every test compares with what Wagtail itself
answers (a plain `Page` instance and `get_site_for_hostname`), including after the sites change.
"""

from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, Site
from wagtail.models.sites import get_site_for_hostname

from blog.models import NewsIndexPage
from cms.models import ContentPage, HomePage
from pharmacies import tenancy
from tests.blog.conftest import AGENCY_HOST, make_post
from tests.factories import make_pharmacy

pytestmark = pytest.mark.django_db


def request_for(host: str, port: int = 80):
    request = RequestFactory().get("/", HTTP_HOST=host if port == 80 else f"{host}:{port}")
    request.META["SERVER_PORT"] = str(port)
    return request


def wagtail_url(page, host=None, port=80):
    """Wagtail's own answer: a plain Page instance never goes through our overrides."""
    plain = Page.objects.get(pk=page.pk)
    return plain.get_url(request=request_for(host, port) if host else None)


def our_url(page, host=None, port=80):
    page = Page.objects.get(pk=page.pk).specific
    return page.get_url(request=request_for(host, port) if host else None)


def add_page(parent, title, slug, model=ContentPage):
    page = model(title=title, slug=slug)
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def two_sites(agency_blog, pharmacy_a, pharmacy_b):
    home_a = pharmacy_a.site.root_page
    services = add_page(home_a, "Services", "services")
    deep = add_page(services, "Vaccination", "vaccination")
    post = make_post(agency_blog, "Grippe : vaccinez-vous")
    return {"a": pharmacy_a, "b": pharmacy_b, "services": services, "deep": deep, "post": post}


def all_pages():
    return [page.specific for page in Page.objects.filter(depth__gte=2).order_by("path")]


@pytest.mark.parametrize("host", [None, "pharmacie-a.test", "pharmacie-b.test", AGENCY_HOST])
def test_every_page_url_is_wagtails_from_every_site(two_sites, host):
    pages = all_pages()
    assert len(pages) > 10
    for page in pages:
        assert our_url(page, host) == wagtail_url(page, host), page.url_path
    # Spot checks of what a visitor sees: local on its own site, full elsewhere.
    assert our_url(two_sites["deep"], "pharmacie-a.test") == "/services/vaccination/"
    assert our_url(two_sites["deep"], "pharmacie-b.test") == (
        "http://pharmacie-a.test/services/vaccination/"
    )
    assert our_url(two_sites["post"], "pharmacie-a.test").startswith(f"http://{AGENCY_HOST}/")


def test_full_urls_and_sites_match_wagtail(two_sites):
    for page in all_pages():
        plain = Page.objects.get(pk=page.pk)
        assert page.get_url_parts() == plain.get_url_parts()
        assert page.full_url == plain.full_url
        assert page.get_site() == plain.get_site()


def test_ports_in_urls(pharmacy_a):
    site = pharmacy_a.site
    services = add_page(site.root_page, "Services", "services")
    for port, root in [(8000, "http://pharmacie-a.test:8000"), (443, "https://pharmacie-a.test")]:
        site.port = port
        site.save()
        assert Page.objects.get(pk=services.pk).specific.full_url == root + "/services/"
        assert our_url(services) == wagtail_url(services)
        assert our_url(services, "pharmacie-a.test", port) == "/services/"


def test_a_single_site_gets_local_urls_without_a_request(db):
    home = Site.objects.get(is_default_site=True).root_page
    page = add_page(home, "Infos", "infos")
    assert Site.objects.count() == 1
    assert our_url(page) == wagtail_url(page) == "/infos/"


def test_renaming_a_site_changes_its_urls_at_once(two_sites):
    deep = two_sites["deep"]
    assert our_url(deep) == "http://pharmacie-a.test/services/vaccination/"
    site = two_sites["a"].site
    site.hostname = "www.pharmacie-a.fr"
    site.save()
    assert our_url(deep) == wagtail_url(deep) == "http://www.pharmacie-a.fr/services/vaccination/"
    assert our_url(deep, "www.pharmacie-a.fr") == "/services/vaccination/"


def test_a_site_moved_to_another_root_page_and_a_nested_site(two_sites):
    services = two_sites["services"]
    deep = two_sites["deep"]
    our_url(deep, "pharmacie-a.test")  # cache what the tree looked like
    nested = Site.objects.create(hostname="vaccins.test", root_page=services, port=80)
    assert our_url(deep) == wagtail_url(deep) == "http://vaccins.test/vaccination/"
    assert our_url(deep, "vaccins.test") == "/vaccination/"
    # The most specific root wins for its pages; the outer site's home is still its own.
    home_a = two_sites["a"].site.root_page
    assert our_url(home_a, "vaccins.test") == wagtail_url(home_a, "vaccins.test")
    nested.root_page = deep
    nested.save()
    assert our_url(services) == wagtail_url(services) == "http://pharmacie-a.test/services/"
    assert our_url(deep) == wagtail_url(deep) == "http://vaccins.test/"
    nested.delete()
    assert our_url(deep) == wagtail_url(deep) == "http://pharmacie-a.test/services/vaccination/"


def test_two_hostnames_on_one_home_pick_the_current_one(two_sites):
    home_a = two_sites["a"].site.root_page
    Site.objects.create(hostname="alias-a.test", root_page=home_a, port=80)
    services = two_sites["services"]
    for host in (None, "pharmacie-a.test", "alias-a.test", "pharmacie-b.test"):
        assert our_url(services, host) == wagtail_url(services, host), host
    assert our_url(services, "alias-a.test") == "/services/"


def test_moving_and_renaming_pages_keeps_urls_right(two_sites):
    deep, home_b = two_sites["deep"], two_sites["b"].site.root_page
    our_url(deep, "pharmacie-a.test")
    deep.move(home_b, pos="last-child")
    deep = Page.objects.get(pk=deep.pk)
    assert our_url(deep) == wagtail_url(deep) == "http://pharmacie-b.test/vaccination/"
    home_b = Page.objects.get(pk=home_b.pk).specific
    home_b.slug = "pharmacie-b-renommee"
    home_b.save_revision().publish()
    for page in all_pages():
        assert our_url(page, "pharmacie-b.test") == wagtail_url(page, "pharmacie-b.test")
    # A whole pharmacy tree moved under another page: its site's URLs follow.
    home_a = Page.objects.get(pk=two_sites["a"].site.root_page_id)
    home_a.move(Page.objects.get(pk=home_b.pk), pos="last-child")
    for page in all_pages():
        assert our_url(page) == wagtail_url(page), page.url_path


@pytest.mark.parametrize(
    ("host", "port"),
    [
        ("pharmacie-a.test", 80),
        ("pharmacie-a.test", 8000),
        ("pharmacie-b.test", 80),
        ("inconnu.test", 80),
        (AGENCY_HOST, 80),
        ("", 80),
    ],
)
def test_site_lookup_is_wagtails(two_sites, host, port):
    Site.objects.create(hostname="pharmacie-a.test", port=8000, root_page=two_sites["services"])
    for _ in range(2):  # from the database, then from the cache
        try:
            expected = get_site_for_hostname(host, port)
        except Site.DoesNotExist:
            expected = None
        assert tenancy.find_site(host, port) == expected


def test_site_lookup_without_a_default_site(pharmacy_a):
    Site.objects.filter(is_default_site=True).update(is_default_site=False)
    tenancy.forget_sites(default=True)
    assert tenancy.find_site("inconnu.test", 80) is None
    assert tenancy.find_site("pharmacie-a.test", 8000) == pharmacy_a.site
    Site.objects.create(hostname="pharmacie-a.test", port=8000, root_page=Page.objects.get(depth=1))
    # Two sites on that hostname, none on the port asked, no default: Wagtail finds nothing.
    assert tenancy.find_site("pharmacie-a.test", 9000) is None


def test_a_new_or_renamed_site_is_served_at_once(pharmacy_a):
    client = Client(HTTP_HOST="nouvelle.test")
    assert "Pharmacie A" not in client.get("/").content.decode()
    site = pharmacy_a.site
    site.hostname = "nouvelle.test"
    site.save()
    assert "Pharmacie A" in client.get("/").content.decode()
    assert "Pharmacie A" not in Client(HTTP_HOST="pharmacie-a.test").get("/").content.decode()
    make_pharmacy("Pharmacie Neuve", "neuve.test")
    assert "Pharmacie Neuve" in Client(HTTP_HOST="neuve.test").get("/").content.decode()


@pytest.mark.parametrize("path", ["/", "/services/", "/actualites/", "/mentions-legales/"])
def test_public_pages_never_read_the_all_sites_list(two_sites, path):
    news = NewsIndexPage.objects.child_of(two_sites["a"].site.root_page).get()
    make_post(news, "Conseil du mois")
    client = Client(HTTP_HOST="pharmacie-a.test")
    with mock.patch.object(Site, "get_site_root_paths", side_effect=AssertionError("all sites")):
        for _ in range(2):
            response = client.get(path)
            assert response.status_code == 200
        assert client.get("/actualites/conseil-du-mois/").status_code == 200


def test_same_queries_with_three_or_forty_sites(two_sites, settings):
    settings.OFFICINE_PAGE_CACHE = False  # every request renders the page
    home_a = two_sites["a"].site.root_page.specific
    home_a.body = [
        (
            "call_to_action",
            {
                "title": "Services",
                "page": two_sites["services"],
                "url": "",
                "text": "",
                "button_label": "Voir",
            },
        ),
        ("latest_news", {"title": "Actualités", "count": 3}),
    ]
    home_a.save_revision().publish()
    client = Client(HTTP_HOST="pharmacie-a.test")

    def queries():
        client.get("/")
        with CaptureQueriesContext(connection) as captured:
            html = client.get("/").content.decode()
        return len(captured), html

    few, html_few = queries()
    assert few > 5  # a real render, not a cache hit
    root = Page.get_first_root_node()
    homes = [
        root.add_child(instance=HomePage(title=f"Site {n}", slug=f"site-{n}")) for n in range(37)
    ]
    Site.objects.bulk_create(
        Site(hostname=f"site-{n}.test", root_page=home) for n, home in enumerate(homes)
    )
    Site.clear_site_root_paths_cache()
    cache.clear()
    client.get("/")
    many, html_many = queries()
    assert Site.objects.count() == 40
    assert many == few
    assert html_many == html_few


def test_the_menu_costs_the_same_queries_whatever_its_length(pharmacy_a, settings):
    settings.OFFICINE_PAGE_CACHE = False  # every request renders the page
    client = Client(HTTP_HOST="pharmacie-a.test")
    home = pharmacy_a.site.root_page
    add_page(home, "Services", "services").__class__.objects.filter(slug="services").update(
        show_in_menus=True
    )

    def queries():
        client.get("/mentions-legales/")
        with CaptureQueriesContext(connection) as captured:
            client.get("/mentions-legales/")
        return len(captured)

    one = queries()
    assert one > 5  # a real render, not a cache hit
    for n in range(4):
        page = ContentPage(title=f"Page {n}", slug=f"page-{n}", show_in_menus=True)
        home.add_child(instance=page)
        page.save_revision().publish()
    html = client.get("/mentions-legales/").content.decode()
    assert all(f"Page {n}" in html for n in range(4))
    assert queries() == one
