"""The catalogue accepts valid EAN-13/CIP-13 codes only, and never a medicine."""

import pytest
from django.core.exceptions import ValidationError

from collect.codes import code_error, gs1_check_digit, normalise
from collect.models import PharmacyProduct, Product

from .conftest import code


@pytest.mark.parametrize(
    "value",
    ["3401560071221", "3400930000502", "4006381333931", "5901234123457"],
)
def test_real_gtin13_codes_are_accepted(value):
    assert code_error(value) is None


def test_check_digit_follows_gs1_mod_10():
    assert gs1_check_digit("400638133393") == 1
    assert gs1_check_digit("590123412345") == 7


@pytest.mark.parametrize(
    "value, message",
    [
        ("3401560071228", "clé de contrôle"),
        ("340156007122", "13 chiffres"),
        ("34015600712281", "13 chiffres"),
        ("34015A0071228", "uniquement des chiffres"),
        ("", "obligatoire"),
    ],
)
def test_wrong_codes_are_refused_in_french(value, message):
    assert message in code_error(value)


def test_spaces_and_dashes_typed_in_a_code_are_ignored():
    assert normalise(" 3401-560 071.221 ") == "3401560071221"


def test_product_with_a_bad_check_digit_does_not_validate(db):
    product = Product(code="3401560071228", name="Crème")
    with pytest.raises(ValidationError) as error:
        product.full_clean()
    assert "clé de contrôle" in str(error.value)


def test_medicine_is_refused_with_a_french_message(db):
    product = Product(code=code(9), name="Paracétamol 1 g", is_medicine=True)
    with pytest.raises(ValidationError) as error:
        product.full_clean()
    assert "médicaments ne sont pas proposés" in str(error.value.message_dict["is_medicine"])


def test_pharmacy_cannot_offer_another_pharmacy_own_product(pharmacy_a, pharmacy_b):
    own_b = Product.objects.create(code=code(10), name="Tisane maison B", own_pharmacy=pharmacy_b)
    offer = PharmacyProduct(pharmacy=pharmacy_a, product=own_b, price="3.00")
    with pytest.raises(ValidationError) as error:
        offer.full_clean()
    assert "appartient à une autre pharmacie" in str(error.value)


def test_each_pharmacy_gets_a_click_and_collect_page_with_the_catalogue_block(pharmacy_a):
    from .conftest import block_id_of, catalogue_page_of

    page = catalogue_page_of(pharmacy_a)
    assert page.live and block_id_of(page)
