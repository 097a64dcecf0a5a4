"""Choosers, reports, filters, tag suggestions and bulk-action pages show only one's own pharmacy.

A's staff are logged in; B's pages, files, tags and staff are titled with ADMIN_MARKER_B. Each
answer must leave them out, and show A's own counterpart (so that an empty page cannot pass).
"""

import datetime as dt

import pytest
from django.test import Client
from wagtail.admin.models import EditingSession
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Page

from blog.models import BlogPostPage
from cms.models import ContentPage

from .conftest import ADMIN_MARKER_B


@pytest.fixture
def own_objects(pharmacy_a, staff_a):
    page = ContentPage(title="Page Alpha", slug="page-alpha", owner=staff_a)
    pharmacy_a.site.root_page.add_child(instance=page)
    page.save_revision(user=staff_a).publish()
    page.title = "Brouillon Alpha"
    page.save_revision(user=staff_a)
    image = get_image_model().objects.create(
        title="Vitrine Alpha", file=get_test_image_file(), collection=pharmacy_a.collection
    )
    image.tags.add("etiquette-alpha")
    return page


def _locked(page, user):
    page.locked, page.locked_by, page.locked_at = True, user, dt.datetime(2026, 3, 9, tzinfo=dt.UTC)
    page.save(update_fields=["locked", "locked_by", "locked_at"])


def _text(response) -> str:
    return response.content.decode()


def test_chosen_multiple_pages_names_own_pages_only(admin_client_a, own_objects, admin_objects_b):
    ids = f"id={own_objects.pk}&id={admin_objects_b.page.pk}&id=abc"
    response = admin_client_a.get(f"/admin/choose-page/chosen-multiple/?{ids}")
    assert response.status_code == 200
    result = response.json()["result"]
    assert [page["id"] for page in result] == [own_objects.pk]


def test_page_types_report_counts_own_pages_only(admin_client_a, own_objects, admin_objects_b):
    foreign_site = f"?site={admin_objects_b.home.path}"
    for url in (
        "/admin/reports/page-types-usage/",
        "/admin/reports/page-types-usage/results/" + foreign_site,
    ):
        response = admin_client_a.get(url)
        assert response.status_code == 200
        assert ADMIN_MARKER_B not in _text(response) and "Pharmacie B" not in _text(response)
    assert "Brouillon Alpha" in _text(admin_client_a.get("/admin/reports/page-types-usage/"))


def test_bulk_action_pages_list_own_objects_only(admin_client_a, own_objects, admin_objects_b):
    b = admin_objects_b
    cases = {
        f"/admin/bulk/wagtailcore/page/delete/?id=all&childOf={b.home.pk}": 404,
        f"/admin/bulk/wagtailcore/page/delete/?id={b.page.pk}": 404,
        f"/admin/bulk/wagtailimages/image/delete/?id={b.image.pk}": 404,
        f"/admin/bulk/wagtailimages/image/add_tags/?id=all&childOf={b.pharmacy.collection_id}": 404,
        f"/admin/bulk/wagtaildocs/document/delete/?id={b.document.pk}": 404,
        f"/admin/bulk/wagtailusers/user/delete/?id={b.staff.pk}": None,
    }
    for url, status in cases.items():
        response = admin_client_a.get(url)
        assert status is None or response.status_code == status, url
        assert ADMIN_MARKER_B not in _text(response) and "staff-b" not in _text(response), url
    own = admin_client_a.get(
        f"/admin/bulk/wagtailcore/page/delete/?id={own_objects.pk}&id={b.page.pk}"
    )
    assert own.status_code == 200
    assert "Page Alpha" in _text(own) or "Brouillon Alpha" in _text(own)
    assert ADMIN_MARKER_B not in _text(own)


def test_tag_autocomplete_suggests_own_tags_only(admin_client_a, own_objects, admin_objects_b):
    for term in ("etiquette", "classeur"):
        suggested = admin_client_a.get(f"/admin/tag-autocomplete/?term={term}").json()
        assert not [tag for tag in suggested if "qwxb" in tag], term
    assert admin_client_a.get("/admin/tag-autocomplete/?term=etiq").json() == ["etiquette-alpha"]
    by_model = admin_client_a.get("/admin/tag-autocomplete/taggit/tag/?term=etiq").json()
    assert by_model == ["etiquette-alpha"]


def test_tags_of_another_pharmacy_posts_are_not_suggested(admin_client_a, pharmacy_b, staff_b):
    news_b = Page.objects.get(slug="actualites", path__startswith=pharmacy_b.site.root_page.path)
    post = BlogPostPage(title="Garde", slug="garde", date=dt.date(2026, 3, 1))
    post.tags.add("garde-qwxb")
    news_b.add_child(instance=post)
    assert admin_client_a.get("/admin/tag-autocomplete/?term=garde").json() == []


LISTINGS = [
    "/admin/images/",
    "/admin/documents/",
    "/admin/images/chooser/",
    "/admin/reports/locked/",
    "/admin/reports/site-history/",
    "/admin/reports/workflow/",
    "/admin/reports/aging-pages/",
    "/admin/pages/usage/cms/contentpage/",
    "/admin/pages/search/?q=Page",
]


@pytest.mark.parametrize("url", LISTINGS)
def test_listing_filters_offer_own_tags_users_and_sites_only(
    url, admin_client_a, staff_a, own_objects, admin_objects_b
):
    _locked(admin_objects_b.page, admin_objects_b.staff)
    response = admin_client_a.get(url)
    assert response.status_code == 200
    text = _text(response)
    for leaked in (ADMIN_MARKER_B, "qwxb", "staff-b", "pharmacie-b.test", "Pharmacie B"):
        assert leaked not in text, f"{url} shows {leaked}"


def test_explorer_filters_offer_own_owners_and_sites(
    admin_client_a, pharmacy_a, own_objects, admin_objects_b
):
    response = admin_client_a.get(f"/admin/pages/{pharmacy_a.site.root_page.pk}/")
    text = _text(response)
    assert "staff-b" not in text and "pharmacie-b.test" not in text
    assert "Page Alpha" in text or "Brouillon Alpha" in text


def test_editing_sessions_ping_writes_nothing_on_another_pharmacy(
    admin_client_a, pharmacy_a, pharmacy_b, own_objects, admin_objects_b
):
    sessions = EditingSession.objects.count()
    for app_model, pk in (
        ("wagtailcore/page", admin_objects_b.page.pk),
        ("pharmacies/pharmacy", pharmacy_b.pk),
    ):
        response = admin_client_a.post(f"/admin/editing-sessions/ping/{app_model}/{pk}/0/")
        assert response.status_code == 404
        assert "staff-b" not in _text(response)
    assert EditingSession.objects.count() == sessions
    own = admin_client_a.post(
        f"/admin/editing-sessions/ping/pharmacies/pharmacy/{pharmacy_a.pk}/0/"
    )
    assert own.status_code == 200 and EditingSession.objects.count() == sessions + 1


# --- Never a 500 --------------------------------------------------------------------------------


def test_news_search_for_a_double_quote(pharmacy_a, client_a):
    news = Page.objects.get(slug="actualites", path__startswith=pharmacy_a.site.root_page.path)
    post = BlogPostPage(title="Grippe saisonnière", slug="grippe", date=dt.date(2026, 3, 1))
    news.add_child(instance=post)
    post.save_revision().publish()
    for query in ('"', '""', '"grippe', 'grippe "', 'a"b'):
        response = client_a.get("/actualites/recherche/", {"q": query})
        assert response.status_code == 200, query
    found = client_a.get("/actualites/recherche/", {"q": '"grippe"'})
    assert "Grippe saisonnière" in _text(found)


def test_admin_page_chooser_search_for_a_double_quote(admin_client_a, own_objects):
    for query in ('"', '"Alpha', 'Page "'):
        response = admin_client_a.get("/admin/choose-page/search/", {"q": query})
        assert response.status_code == 200, query
    found = admin_client_a.get("/admin/choose-page/search/", {"q": '"Alpha'})
    assert "Alpha" in _text(found)


@pytest.mark.parametrize(
    "query",
    ["id=abc", "id=all&childOf=987654321", "id=all&childOf=abc"],
)
def test_bulk_page_actions_with_bad_ids_are_not_server_errors(query, superuser, pharmacy_a):
    client = Client()
    client.force_login(superuser)
    client.raise_request_exception = False
    response = client.get(f"/admin/bulk/wagtailcore/page/delete/?{query}")
    assert response.status_code in (200, 404), query
