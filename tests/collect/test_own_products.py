"""A pharmacy's own extra products: staff create, edit and delete them, with the catalogue's checks.

Codes are GS1-checked, medicines refused, a code of the shared catalogue sends the pharmacist to
offer that product instead, and the photo must be one of the pharmacy's own images.
"""

import pytest
from django.urls import reverse
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file

from collect.models import OwnProduct, PharmacyProduct, Product

from .conftest import catalogue_url, code

VALID = "3401 5601 2345 " + code(56012345)[-1]  # as typed from the box, with spaces


def form_data(pharmacy, **overrides):
    data = {
        "own_pharmacy": pharmacy.pk,
        "code": VALID,
        "name": "Miel de lavande",
        "brand": "Rucher du village",
        "category": "",
        "pack_size": "pot de 250 g",
        "description": "Récolté à 3 km de la pharmacie.",
        "photo": "",
    }
    data.update(overrides)
    return data


def image_of(pharmacy, title):
    return get_image_model().objects.create(
        title=title, file=get_test_image_file(), collection=pharmacy.collection
    )


def errors_of(response) -> str:
    assert response.status_code == 200, response.status_code  # the form again, not a redirect
    return response.content.decode()


def test_staff_create_edit_and_delete_their_own_product(admin_client_a, pharmacy_a):
    photo = image_of(pharmacy_a, "Pot de miel")
    response = admin_client_a.post(
        reverse("collect_own_products:add"), form_data(pharmacy_a, photo=photo.pk)
    )
    assert response.status_code == 302
    product = OwnProduct.objects.get()
    assert (product.own_pharmacy, product.code, product.photo) == (
        pharmacy_a,
        code(56012345),
        photo,
    )
    listing = admin_client_a.get(reverse("collect_own_products:index")).content.decode()
    assert "Miel de lavande" in listing and "Rucher du village" in listing

    response = admin_client_a.post(
        reverse("collect_own_products:edit", args=[product.pk]),
        form_data(pharmacy_a, name="Miel de châtaignier", photo=photo.pk),
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.name == "Miel de châtaignier"

    response = admin_client_a.post(reverse("collect_own_products:delete", args=[product.pk]))
    assert response.status_code == 302
    assert not Product.objects.filter(pk=product.pk).exists()


def test_the_screen_lists_own_products_only(admin_client_a, products, pharmacy_a, pharmacy_b):
    Product.objects.create(code=code(77), name="Savon du marché", own_pharmacy=pharmacy_a)
    Product.objects.create(code=code(78), name="Confiture voisine", own_pharmacy=pharmacy_b)
    listing = admin_client_a.get(reverse("collect_own_products:index")).content.decode()
    assert "Savon du marché" in listing
    assert "Confiture voisine" not in listing  # B's own product
    assert "Dentifrice fraîcheur" not in listing  # the agency's catalogue, not theirs to edit


@pytest.mark.parametrize(
    "overrides, message",
    [
        (
            {"code": "3401560123450"[:12] + "9"},
            "la clé de contrôle (dernier chiffre) ne correspond",
        ),
        ({"code": "3401 5601"}, "Le code doit contenir 13 chiffres (il en a 8)."),
        ({"code": "34O1560123454"}, "Le code doit contenir uniquement des chiffres."),
        ({"is_medicine": "on"}, "Les médicaments ne sont pas proposés à la réservation en ligne"),
        ({"name": ""}, "Champ requis."),
    ],
    ids=["check-digit", "length", "letter", "medicine", "name"],
)
def test_bad_products_get_a_french_error_and_nothing_is_saved(
    admin_client_a, pharmacy_a, overrides, message
):
    html = errors_of(
        admin_client_a.post(reverse("collect_own_products:add"), form_data(pharmacy_a, **overrides))
    )
    assert message in html.replace("&#x27;", "'")
    assert not Product.objects.exists()


def test_a_code_of_the_catalogue_or_already_own_is_refused(admin_client_a, products, pharmacy_a):
    html = errors_of(
        admin_client_a.post(
            reverse("collect_own_products:add"), form_data(pharmacy_a, code=code(1))
        )
    )
    assert "déjà au catalogue commun" in html
    Product.objects.create(code=code(56012345), name="Miel", own_pharmacy=pharmacy_a)
    html = errors_of(
        admin_client_a.post(reverse("collect_own_products:add"), form_data(pharmacy_a))
    )
    assert "existe déjà" in html
    assert Product.objects.filter(own_pharmacy=pharmacy_a).count() == 1


def test_another_pharmacy_is_not_a_choice(admin_client_a, pharmacy_a, pharmacy_b):
    response = admin_client_a.post(
        reverse("collect_own_products:add"), form_data(pharmacy_b, own_pharmacy=pharmacy_b.pk)
    )
    assert "ne peut être ajouté qu&#x27;à votre pharmacie" in errors_of(response)
    foreign_photo = image_of(pharmacy_b, "Vitrine B")
    response = admin_client_a.post(
        reverse("collect_own_products:add"), form_data(pharmacy_a, photo=foreign_photo.pk)
    )
    assert "Sélectionnez un choix valide" in errors_of(response)
    assert not Product.objects.exists()


def test_an_own_product_offered_is_on_the_pharmacy_site_only(
    admin_client_a, client_a, client_b, pharmacy_a, pharmacy_b
):
    admin_client_a.post(reverse("collect_own_products:add"), form_data(pharmacy_a))
    PharmacyProduct.objects.create(
        pharmacy=pharmacy_a, product=OwnProduct.objects.get(), price="8.50"
    )
    assert "Miel de lavande" in client_a.get(catalogue_url(pharmacy_a)).content.decode()
    assert "Miel de lavande" not in client_b.get(catalogue_url(pharmacy_b)).content.decode()
