"""Demo catalogue: a few hundred parapharmacy products, offered in part by each demo pharmacy.

Generated from short lists (brands × product kinds × sizes) so that the demo needs no file; codes
are valid ACL-13 codes (3401…) built with their check digit. Re-running changes nothing.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.text import slugify

from pharmacies.tenancy import pharmacy_scope

from . import catalogue, services
from .codes import with_check_digit
from .models import (
    RESERVABLE,
    Availability,
    Category,
    LineStatus,
    PharmacyProduct,
    Product,
    Reservation,
    Status,
)
from .provisioning import default_pages

CATEGORIES = {
    "Hygiène": ["Soins bucco-dentaires", "Soins du corps", "Hygiène intime"],
    "Soins du visage": ["Crèmes hydratantes", "Nettoyants", "Anti-âge"],
    "Solaires": ["Protection visage", "Protection corps", "Après-soleil"],
    "Bébé et maman": ["Change", "Toilette de bébé", "Allaitement"],
    "Compléments et bien-être": ["Vitamines", "Sommeil", "Articulations"],
    "Premiers secours": ["Pansements", "Désinfection", "Contention"],
}
BRANDS = ["Avène", "La Roche-Posay", "Bioderma", "Uriage", "Nuxe", "Mustela", "Elgydium"]
KINDS = {
    "Soins bucco-dentaires": ["Dentifrice protection gencives", "Brosse à dents souple"],
    "Soins du corps": ["Lait hydratant corps", "Gel douche surgras"],
    "Hygiène intime": ["Gel lavant intime"],
    "Crèmes hydratantes": ["Crème hydratante peaux sensibles", "Crème riche nourrissante"],
    "Nettoyants": ["Eau micellaire", "Gel nettoyant visage"],
    "Anti-âge": ["Sérum anti-rides", "Crème de nuit régénérante"],
    "Protection visage": ["Fluide solaire SPF 50+"],
    "Protection corps": ["Spray solaire SPF 50", "Lait solaire enfant SPF 50+"],
    "Après-soleil": ["Lait après-soleil apaisant"],
    "Change": ["Crème pour le change", "Liniment oléo-calcaire"],
    "Toilette de bébé": ["Gel lavant bébé", "Eau nettoyante sans rinçage"],
    "Allaitement": ["Crème pour mamelons"],
    "Vitamines": ["Vitamine D3 gouttes", "Magnésium marin"],
    "Sommeil": ["Mélatonine comprimés", "Tisane nuit calme"],
    "Articulations": ["Gel articulations froid"],
    "Pansements": ["Pansements assortis", "Pansements ampoules"],
    "Désinfection": ["Spray antiseptique incolore", "Compresses stériles"],
    "Contention": ["Bande de contention", "Chevillère de maintien"],
}
SIZES = ["50 ml", "200 ml"]


def _category(name: str, parent: Category | None, order: int) -> Category:
    slug = slugify(f"{parent.name}-{name}" if parent else name)[:80]
    category, _ = Category.objects.get_or_create(
        slug=slug, defaults={"name": name, "parent": parent, "sort_order": order}
    )
    return category


def demo_products() -> list[Product]:
    """The demo catalogue, created once: about 430 products."""
    products = []
    serial = 0
    for order, (top, children) in enumerate(CATEGORIES.items()):
        parent = _category(top, None, order)
        for child_order, child in enumerate(children):
            category = _category(child, parent, child_order)
            for kind in KINDS[child]:
                for brand in BRANDS:
                    for size in SIZES:
                        serial += 1
                        code = with_check_digit(f"3401{serial:08d}")
                        products.append(
                            Product(
                                code=code,
                                name=f"{kind} {brand}",
                                brand=brand,
                                category=category,
                                pack_size=size,
                                description=(
                                    f"{kind} de la marque {brand}, {size}. Demandez conseil à "
                                    "votre pharmacien pour choisir le produit adapté."
                                ),
                            )
                        )
    known = set(Product.objects.filter(own_pharmacy__isnull=True).values_list("code", flat=True))
    Product.objects.bulk_create([p for p in products if p.code not in known], batch_size=500)
    catalogue.bump()
    return list(Product.objects.filter(own_pharmacy__isnull=True).order_by("code"))


def seed_agency_catalogue(agency_home) -> None:
    demo_products()


def seed_pharmacy_offers(pharmacy) -> None:
    """About two products in three, at this pharmacy's own prices (a seed per pharmacy)."""
    products = demo_products()
    rng = random.Random(pharmacy.slug)
    with pharmacy_scope(pharmacy):
        if PharmacyProduct.objects.filter(pharmacy=pharmacy).exists():
            products = []  # seeded before: the pharmacist may have changed prices since
        offers = []
        for product in products:
            if rng.random() > 0.65:
                continue
            cents = rng.randrange(290, 3990, 10)
            offers.append(
                PharmacyProduct(
                    pharmacy=pharmacy,
                    product=product,
                    price=Decimal(cents) / 100,
                    availability=rng.choices(
                        [Availability.IN_STOCK, Availability.WITHIN_24H, Availability.UNAVAILABLE],
                        weights=[8, 3, 1],
                    )[0],
                )
            )
        PharmacyProduct.objects.bulk_create(offers, batch_size=500)
    catalogue.bump(pharmacy.pk)
    default_pages(pharmacy.site.root_page.specific)
    seed_demo_reservations(pharmacy)


DEMO_PATIENTS = [
    # first name, last name, email, how far it went
    ("Lucie", "Bernard", "lucie.bernard@exemple.fr", Status.RECEIVED),
    ("Marc", "Petit", "marc.petit@exemple.fr", Status.PREPARING),
    ("Sophie", "Durand", "sophie.durand@exemple.fr", Status.READY),
]


def _next_open_day(pharmacy):
    day = timezone.localdate() + timedelta(days=1)
    for _ in range(14):
        if not pharmacy.schedule.is_closed_day(day):
            return day
        day += timedelta(days=1)
    return day


def seed_demo_reservations(pharmacy) -> list[Reservation]:
    """Three reservations at different steps (one with a replaced product), so the pharmacist's
    listing, dashboard and preparation slip and a patient's tracking page have something to show.

    Idempotent: a demo patient's reservation is not made twice."""
    with pharmacy_scope(pharmacy):
        offers = list(
            PharmacyProduct.objects.filter(pharmacy=pharmacy, availability__in=RESERVABLE)
            .select_related("product")
            .order_by("product__code")[:6]
        )
        if len(offers) < 6:
            return []
        made = []
        for n, (first, last, email, status) in enumerate(DEMO_PATIENTS):
            if Reservation.objects.filter(pharmacy=pharmacy, email=email).exists():
                continue
            reservation = services.create_reservation(
                pharmacy=pharmacy,
                fields={
                    "first_name": first,
                    "last_name": last,
                    "email": email,
                    "notify_by": "email",
                    "pickup_date": _next_open_day(pharmacy),
                },
                items=[
                    services.Wanted(offer=offers[2 * n], quantity=1),
                    services.Wanted(offer=offers[2 * n + 1], quantity=2),
                ],
            )
            if status in (Status.PREPARING, Status.READY):
                services.change_status(reservation, Status.PREPARING)
            if status == Status.READY:
                services.set_line_status(
                    reservation.lines.order_by("pk").last(),
                    LineStatus.REPLACED,
                    "Même produit, format 200 ml",
                )
                services.change_status(reservation, Status.READY)
            made.append(reservation)
        return made
