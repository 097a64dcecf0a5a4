"""Images and documents belong to a pharmacy: listed, chosen, searched and downloaded accordingly."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Collection, GroupCollectionPermission

from cms.models import ContentPage

from .conftest import ADMIN_MARKER_B

Document = get_document_model()
Image = get_image_model()


@pytest.fixture
def agency_files(db):
    agency = Collection.get_first_root_node().add_child(name="Agence")
    image = Image.objects.create(
        title="Affiche agence", file=get_test_image_file(), collection=agency
    )
    document = Document.objects.create(
        title="Guide agence",
        file=SimpleUploadedFile("guide-agence.txt", b"guide"),
        collection=agency,
    )
    return image, document


@pytest.fixture
def own_files(pharmacy_a, staff_a):
    image = Image.objects.create(
        title="Vitrine A", file=get_test_image_file(), collection=pharmacy_a.collection
    )
    image.tags.add("etiquette-a")
    document = Document.objects.create(
        title="Planning A",
        file=SimpleUploadedFile("planning-a.txt", b"planning A"),
        collection=pharmacy_a.internal_collection,
    )
    return image, document


API_QUERIES = [
    "/admin/api/main/images/",
    f"/admin/api/main/images/?search={ADMIN_MARKER_B}",
    "/admin/api/main/images/?tags=etiquette-qwxb",
    "/admin/api/main/documents/",
    f"/admin/api/main/documents/?search={ADMIN_MARKER_B}",
    "/admin/api/main/documents/?tags=classeur-qwxb",
]


@pytest.mark.parametrize("url", API_QUERIES)
def test_admin_api_lists_no_file_of_another_pharmacy(
    url, admin_client_a, admin_objects_b, own_files, agency_files
):
    response = admin_client_a.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert ADMIN_MARKER_B not in body and "qwxb" not in body


def test_admin_api_lists_own_and_agency_files(
    admin_client_a, admin_objects_b, own_files, agency_files
):
    images = [
        item["title"] for item in admin_client_a.get("/admin/api/main/images/").json()["items"]
    ]
    documents = [
        item["title"] for item in admin_client_a.get("/admin/api/main/documents/").json()["items"]
    ]
    assert sorted(images) == ["Affiche agence", "Vitrine A"]
    assert sorted(documents) == ["Guide agence", "Planning A"]


def test_choosers_offer_own_files_and_the_agency_ones(
    admin_client_a, admin_objects_b, own_files, agency_files
):
    images = admin_client_a.get("/admin/images/chooser/").content.decode()
    documents = admin_client_a.get("/admin/documents/chooser/").content.decode()
    assert "Vitrine A" in images and "Affiche agence" in images
    assert "Planning A" in documents and "Guide agence" in documents
    assert ADMIN_MARKER_B not in images + documents
    agency_image = agency_files[0]
    chosen = admin_client_a.get(f"/admin/images/chooser/chosen/{agency_image.pk}/")
    assert chosen.status_code == 200
    assert admin_client_a.get(f"/admin/images/{agency_image.pk}/").status_code == 302  # read only


def test_a_permission_above_the_pharmacies_never_reaches_another_one(
    admin_client_a, pharmacy_a, admin_objects_b
):
    """An agency admin granting A's group rights on the root collection opens nothing of B's."""
    root = Collection.get_first_root_node()
    for codename in ("change_image", "choose_image", "change_document", "choose_document"):
        GroupCollectionPermission.objects.create(
            group=pharmacy_a.staff_group,
            collection=root,
            permission=Permission.objects.get(codename=codename),
        )
    for url in (
        "/admin/images/",
        "/admin/documents/",
        "/admin/images/chooser/",
        "/admin/documents/chooser/",
        "/admin/api/main/images/",
    ):
        assert ADMIN_MARKER_B not in admin_client_a.get(url).content.decode(), url
    assert admin_client_a.get(f"/admin/images/{admin_objects_b.image.pk}/").status_code == 404


# --- Downloads --------------------------------------------------------------------------------


def _download(client, document, host):
    """GET the file and read it whole: the test client closes a streamed file once it is read, and
    an open one would fail the next test (ResourceWarning)."""
    response = client.get(document.url, HTTP_HOST=host)
    response.content_bytes = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    return response


def test_a_pharmacy_public_file_is_downloadable_on_its_own_site_only(admin_objects_b):
    public = admin_objects_b.document
    assert _download(Client(), public, "pharmacie-b.test").status_code == 200
    assert _download(Client(), public, "pharmacie-a.test").status_code == 404


def test_an_internal_file_is_for_its_pharmacy_staff_only(
    admin_objects_b, staff_b, admin_client_a, pharmacy_a
):
    internal = admin_objects_b.internal_document
    assert _download(Client(), internal, "pharmacie-b.test").status_code == 404
    assert _download(admin_client_a, internal, "pharmacie-b.test").status_code == 404
    staff_client = Client()
    staff_client.force_login(staff_b)
    response = _download(staff_client, internal, "pharmacie-b.test")
    assert response.status_code == 200
    assert response.content_bytes == b"interne QWXB"


def test_agency_files_are_public_everywhere(agency_files, pharmacy_a, pharmacy_b):
    document = agency_files[1]
    for host in ("pharmacie-a.test", "pharmacie-b.test"):
        assert _download(Client(), document, host).status_code == 200


def test_a_file_used_on_a_live_page_of_the_site_is_downloadable_there(admin_objects_b, pharmacy_a):
    """The agency may link another pharmacy's public file from a page of A: A's visitors get it."""
    document = admin_objects_b.document
    page = ContentPage(
        title="Tarifs",
        slug="tarifs",
        body=[("paragraph", f'<p><a linktype="document" id="{document.pk}">tarifs</a></p>')],
    )
    pharmacy_a.site.root_page.add_child(instance=page)
    page.save_revision().publish()
    assert _download(Client(), document, "pharmacie-a.test").status_code == 200
    page.unpublish()
    assert _download(Client(), document, "pharmacie-a.test").status_code == 404
