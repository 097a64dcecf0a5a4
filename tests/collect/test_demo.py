"""The demo: a few hundred products, both demo pharmacies offering part of them at their prices."""

from django.core.management import call_command
from django_scopes import scopes_disabled

from collect.models import PharmacyProduct, Product, Reservation, ReservationLine
from pharmacies.models import Pharmacy


def offers_by_pharmacy():
    return {
        pharmacy.slug: dict(
            PharmacyProduct.objects.filter(pharmacy=pharmacy).values_list("product_id", "price")
        )
        for pharmacy in Pharmacy.objects.all()
    }


def test_seed_demo_offers_part_of_the_catalogue_at_different_prices_once(db):
    call_command("seed_demo", verbosity=0)
    products = Product.objects.count()
    assert 300 <= products <= 500
    offers = offers_by_pharmacy()
    first, second = offers.values()
    assert 0.4 * products < len(first) < 0.9 * products
    assert 0.4 * products < len(second) < 0.9 * products
    shared = set(first) & set(second)
    assert shared and any(first[pk] != second[pk] for pk in shared)

    call_command("seed_demo", verbosity=0)
    assert Product.objects.count() == products
    assert offers_by_pharmacy() == offers


def test_seed_demo_gives_each_pharmacy_reservations_at_different_steps_once(db):
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    with scopes_disabled():
        for pharmacy in Pharmacy.objects.all():
            statuses = sorted(
                Reservation.objects.filter(pharmacy=pharmacy).values_list("status", flat=True)
            )
            assert statuses == ["preparing", "ready", "received"], pharmacy.slug
            replaced = ReservationLine.objects.filter(
                reservation__pharmacy=pharmacy, status="replaced"
            )
            assert [line.reservation.status for line in replaced] == ["ready"]
            assert all(line.offer.pharmacy_id == pharmacy.pk for line in replaced)
