"""The agency editors ("Rédaction agence") run the shared catalogue, never a pharmacy's data: they
import and edit products, and get no reservation or offer (health and tenant data)."""

import io

import pytest
from django.test import Client
from django.urls import reverse

from collect.models import Category, Product
from tests.blog.conftest import (  # noqa: F401 - fixtures
    agency_blog,
    agency_editor,
    agency_home,
)

from .conftest import code
from .test_import import csv_bytes
from .test_workflow import reservation_a  # noqa: F401 - fixture


@pytest.fixture
def editor_client(agency_editor):  # noqa: F811
    client = Client()
    client.force_login(agency_editor)
    return client


def test_agency_editor_imports_the_catalogue_and_edits_a_product(editor_client):
    client = editor_client
    url = reverse("collect_catalogue:import")
    assert client.get(url).status_code == 200
    upload = io.BytesIO(csv_bytes(f"{code(1)};Crème solaire;Avène;Solaires;50 ml;;non"))
    upload.name = "catalogue.csv"
    imported = client.post(url, {"file": upload, "action": "import"}, follow=True)
    assert "Catalogue importé : 1 créés, 0 modifiés, 0 inchangés." in imported.content.decode()
    assert client.get(reverse("collect_catalogue:export", args=["csv"])).status_code == 200

    product = Product.objects.get()
    edited = client.post(
        reverse("collect_catalogue:edit", args=[product.pk]),
        {
            "code": product.code,
            "name": "Crème solaire SPF 50+",
            "brand": "Avène",
            "category": product.category_id,
            "pack_size": "50 ml",
            "description": "",
        },
    )
    assert edited.status_code == 302
    assert Product.objects.get().name == "Crème solaire SPF 50+"
    categories = client.get(reverse("collect_categories:index"))
    assert categories.status_code == 200 and "Solaires" in categories.content.decode()
    assert Category.objects.filter(name="Solaires").exists()


def test_agency_editor_sees_no_reservation_nor_offer_of_a_pharmacy(
    editor_client,
    reservation_a,  # noqa: F811
    offers,
):
    client = editor_client
    offer = offers["a_sunscreen"]
    for url in (
        reverse("reservations:index"),
        reverse("reservations:inspect", args=[reservation_a.pk]),
        reverse("collect_offers:index"),
        reverse("collect_offers:edit", args=[offer.pk]),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        if response.status_code == 302:  # Wagtail's "no permission" goes back to the dashboard
            assert response["Location"] == reverse("wagtailadmin_home"), url
        assert reservation_a.reference not in response.content.decode()
    sent = client.post(
        reverse("collect_offers:edit", args=[offer.pk]), {"price": "0.01", "active": "on"}
    )
    assert sent.status_code in (302, 403, 404)
    offer.refresh_from_db()
    assert str(offer.price) != "0.01"


def test_the_shared_catalogue_screen_never_holds_a_pharmacy_own_product(editor_client, pharmacy_a):
    """A pharmacy's own products are its data, on its own screen: the agency's catalogue screen
    neither lists them nor opens, edits or deletes them."""
    shared = Product.objects.create(code=code(1), name="Crème solaire")
    own = Product.objects.create(
        code=code(2), name="Miel de la ruche voisine", own_pharmacy=pharmacy_a
    )
    listing = editor_client.get(reverse("collect_catalogue:index")).content.decode()
    assert "Crème solaire" in listing and "Miel de la ruche voisine" not in listing
    assert editor_client.get(reverse("collect_catalogue:edit", args=[shared.pk])).status_code == 200
    for name in ("edit", "delete", "history", "usage"):
        url = reverse(f"collect_catalogue:{name}", args=[own.pk])
        assert editor_client.get(url).status_code == 404, name
    editor_client.post(reverse("collect_catalogue:delete", args=[own.pk]))
    assert Product.objects.filter(pk=own.pk).exists()
