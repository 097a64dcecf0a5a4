"""The catalogue's counts and categories are cached, and never stale after a change.

A patient must not see "3 produits" or a category that no longer has anything once the
pharmacist has taken an offer off line, whichever way the change was made.
"""

import re

from django.urls import reverse

from collect import catalogue_io
from collect.models import Category

from .conftest import catalogue_url

COUNT = re.compile(r'class="collect-count" role="status">(\d+) produits?<')
NAV = re.compile(r'<nav aria-label="Catégories">(.*?)</nav>', re.S)


def shown(client, pharmacy, **params) -> tuple[int, str]:
    html = client.get(catalogue_url(pharmacy), params).content.decode()
    nav = NAV.search(html)
    return int(COUNT.search(html).group(1)), nav.group(1) if nav else ""


def test_counts_follow_an_offer_saved_or_deleted(client_a, offers, pharmacy_a):
    count, nav = shown(client_a, pharmacy_a)
    assert count == 3 and "Solaires" in nav and "Hygiène" in nav
    assert shown(client_a, pharmacy_a, q="solaire")[0] == 1

    offers["a_sunscreen"].active = False
    offers["a_sunscreen"].save()
    count, nav = shown(client_a, pharmacy_a)
    assert count == 2 and "Solaires" not in nav
    assert shown(client_a, pharmacy_a, q="solaire")[0] == 0

    offers["a_toothpaste"].delete()
    count, nav = shown(client_a, pharmacy_a)
    assert count == 1 and "Hygiène" not in nav


def test_counts_follow_the_bulk_edit_and_the_catalogue(
    client_a, admin_client_a, offers, pharmacy_a
):
    shown(client_a, pharmacy_a)  # counted and cached
    sunscreen = offers["a_sunscreen"]
    admin_client_a.post(
        reverse("collect_offers:bulk"),
        {
            "offer": [sunscreen.pk],
            f"price-{sunscreen.pk}": "17,50",
            f"availability-{sunscreen.pk}": "within_24h",
        },  # "en ligne" unticked
    )
    count, nav = shown(client_a, pharmacy_a)
    assert count == 2 and "Solaires" not in nav

    hygiene = Category.objects.get(slug="hygiene")
    hygiene.name = "Hygiène et soins"
    hygiene.save()
    assert "Hygiène et soins" in shown(client_a, pharmacy_a)[1]

    data = (
        "code;nom;marque;categorie\n"
        f"{offers['a_toothpaste'].product.code};Dentifrice fraîcheur;Elgydium;Bouche > Dents\n"
    ).encode()
    assert catalogue_io.import_catalogue(data, "c.csv", dry_run=False).written
    nav = shown(client_a, pharmacy_a)[1]
    assert "Bouche" in nav and "Hygiène et soins" not in nav
