"""A pharmacist of A cannot edit, publish, move, choose or even see B's pages, images, documents
or pharmacy settings in the admin; checked by HTTP status, not only by queryset."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from cms.models import ContentPage

DENIED = {302, 403, 404}


@pytest.fixture
def page_b(pharmacy_b):
    home = pharmacy_b.site.root_page
    page = ContentPage(title="Page secrète B", slug="secret-b")
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def image_b(pharmacy_b):
    return Image.objects.create(
        title="Vitrine B", file=get_test_image_file(), collection=pharmacy_b.collection
    )


@pytest.fixture
def document_b(pharmacy_b):
    return Document.objects.create(
        title="Tarifs B",
        file=SimpleUploadedFile("tarifs.txt", b"tarifs"),
        collection=pharmacy_b.collection,
    )


def test_own_pages_are_editable(admin_client_a, pharmacy_a):
    home = pharmacy_a.site.root_page
    assert admin_client_a.get(reverse("wagtailadmin_pages:edit", args=[home.pk])).status_code == 200
    response = admin_client_a.get(
        reverse("wagtailadmin_pages:add", args=["cms", "contentpage", home.pk])
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url_name, extra",
    [
        ("wagtailadmin_pages:edit", []),
        ("wagtailadmin_pages:delete", []),
        ("wagtailadmin_pages:move", []),
        ("wagtailadmin_pages:copy", []),
        ("wagtailadmin_pages:unpublish", []),
        ("wagtailadmin_pages:revisions_index", []),
    ],
)
def test_other_pharmacy_pages_refused(admin_client_a, page_b, url_name, extra):
    response = admin_client_a.get(reverse(url_name, args=[page_b.pk, *extra]))
    assert response.status_code in DENIED
    assert "Page secrète B" not in response.content.decode()


def test_cannot_add_or_publish_under_other_pharmacy(admin_client_a, pharmacy_b, page_b):
    home_b = pharmacy_b.site.root_page
    add_url = reverse("wagtailadmin_pages:add", args=["cms", "contentpage", home_b.pk])
    assert admin_client_a.get(add_url).status_code in DENIED
    response = admin_client_a.post(
        reverse("wagtailadmin_pages:edit", args=[page_b.pk]),
        {"title": "Piraté", "slug": "secret-b", "action-publish": "1", "body-count": "0"},
    )
    assert response.status_code in DENIED
    page_b.refresh_from_db()
    assert page_b.title == "Page secrète B"


def test_explorer_and_choosers_hide_other_pharmacy(admin_client_a, pharmacy_a, page_b):
    explorer = admin_client_a.get(reverse("wagtailadmin_explore", args=[page_b.get_parent().pk]))
    assert "Page secrète B" not in explorer.content.decode()
    chooser = admin_client_a.get(reverse("wagtailadmin_choose_page"))
    assert chooser.status_code == 200
    assert "Page secrète B" not in chooser.content.decode()
    search = admin_client_a.get(reverse("wagtailadmin_choose_page_search"), {"q": "secrète"})
    assert "Page secrète B" not in search.content.decode()
    child = admin_client_a.get(reverse("wagtailadmin_choose_page_child", args=[page_b.pk]))
    assert "Page secrète B" not in child.content.decode() or child.status_code in DENIED
    admin_search = admin_client_a.get(reverse("wagtailadmin_pages:search"), {"q": "secrète"})
    assert "Page secrète B" not in admin_search.content.decode()


def test_images_and_documents_of_other_pharmacy(admin_client_a, image_b, document_b):
    for url in [
        reverse("wagtailimages:index"),
        reverse("wagtailimages_chooser:choose"),
        reverse("wagtaildocs:index"),
        reverse("wagtaildocs_chooser:choose"),
    ]:
        response = admin_client_a.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Vitrine B" not in html and "Tarifs B" not in html, url
    for url in [
        reverse("wagtailimages:edit", args=[image_b.pk]),
        reverse("wagtailimages:delete", args=[image_b.pk]),
        reverse("wagtaildocs:edit", args=[document_b.pk]),
        reverse("wagtaildocs:delete", args=[document_b.pk]),
    ]:
        assert admin_client_a.get(url).status_code in DENIED, url


def test_pharmacy_settings_scoped(admin_client_a, pharmacy_a, pharmacy_b):
    index = admin_client_a.get(reverse("pharmacies:index"))
    assert index.status_code == 200
    html = index.content.decode()
    assert "Pharmacie A" in html and "Pharmacie B" not in html
    assert admin_client_a.get(reverse("pharmacies:edit", args=[pharmacy_a.pk])).status_code == 200
    own_history = admin_client_a.get(reverse("pharmacies:history", args=[pharmacy_a.pk]))
    assert own_history.status_code == 200
    for name in [
        "pharmacies:edit",
        "pharmacies:inspect",
        "pharmacies:delete",
        "pharmacies:history",
    ]:
        assert admin_client_a.get(reverse(name, args=[pharmacy_b.pk])).status_code == 404, name
    response = admin_client_a.post(
        reverse("pharmacies:edit", args=[pharmacy_b.pk]), {"name": "Piratée"}
    )
    assert response.status_code == 404
    pharmacy_b.refresh_from_db()
    assert pharmacy_b.name == "Pharmacie B"


def test_staff_cannot_provision_pharmacies(admin_client_a):
    from pharmacies.models import Pharmacy

    assert admin_client_a.get("/admin/pharmacies/nouvelle/").status_code in DENIED
    response = admin_client_a.post(
        "/admin/pharmacies/nouvelle/", {"name": "X", "hostname": "x.test"}
    )
    assert response.status_code in DENIED
    assert not Pharmacy.objects.filter(name="X").exists()
