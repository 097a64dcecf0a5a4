"""Click & Collect: a patient reserves on a phone (selection kept by the browser), the pharmacist
prepares it on a desktop, the patient sees it ready; axe finds nothing serious on the way."""

import re
from decimal import Decimal

import pytest
from django.core import mail

from collect.codes import with_check_digit
from collect.models import (
    Availability,
    Category,
    OwnProduct,
    PharmacyProduct,
    Product,
    Reservation,
    Status,
)

from .conftest import DESKTOP, PHONE, admin_login, run_axe, screenshot, site_url

pytestmark = pytest.mark.e2e

REFERENCE = re.compile(r"RES-[A-Z0-9]{6}")


@pytest.fixture
def shop(e2e_pharmacies):
    pharmacy, other = e2e_pharmacies
    sun = Category.objects.create(name="Solaires", slug="solaires")
    care = Category.objects.create(name="Soins du visage", slug="visage")
    rows = [
        ("Crème solaire SPF 50+", "Avène", sun, "17.50", "13.90"),
        ("Lait solaire enfant", "Uriage", sun, "14.20", None),
        ("Eau micellaire", "Bioderma", care, "9.90", "8.50"),
        ("Crème hydratante", "La Roche-Posay", care, "21.00", None),
    ]
    for n, (name, brand, category, price_a, price_b) in enumerate(rows, start=1):
        product = Product.objects.create(
            code=with_check_digit(f"3401{n:08d}"),
            name=name,
            brand=brand,
            category=category,
            pack_size="50 ml",
        )
        PharmacyProduct.objects.create(
            pharmacy=pharmacy,
            product=product,
            price=Decimal(price_a),
            availability=Availability.WITHIN_24H if n == 2 else Availability.IN_STOCK,
        )
        if price_b:
            PharmacyProduct.objects.create(pharmacy=other, product=product, price=Decimal(price_b))
    return pharmacy


def test_patient_reserves_on_a_phone_and_the_pharmacist_prepares_it(
    live_server, shop, e2e_staff, phone_page, desktop_page
):
    pharmacy = shop
    page = phone_page
    page.goto(site_url(live_server, pharmacy, "/click-and-collect/"))
    assert "Paiement au comptoir, pas de paiement en ligne" in page.content()
    assert "Médicaments non proposés à la réservation en ligne" in page.content()
    assert run_axe(page) == []
    screenshot(page, "collect-block-phone")

    page.get_by_role("link", name="Voir tout le catalogue").click()
    page.wait_for_selector(".collect-products")
    page.fill("#collect-q", "solaire")
    page.locator("#contenu form.collect-search button").click()
    page.wait_for_selector(".collect-count")
    cards = page.locator(".collect-card")
    assert cards.count() == 2
    assert "13,90" not in page.content() and "13.90" not in page.content()  # B's price
    cards.filter(has_text="Crème solaire SPF 50+").get_by_role("button").click()
    cards.filter(has_text="Lait solaire enfant").get_by_role("button").click()
    assert page.locator("[data-collect-count]").first.inner_text() == "2"
    assert "Ajouté à votre sélection" in page.locator("#collect-live").inner_text()
    assert run_axe(page) == []
    screenshot(page, "collect-catalogue-phone")

    # The selection lives in this browser: a new visit of the catalogue still has it.
    page.goto(site_url(live_server, pharmacy, "/click-and-collect/"))
    page.get_by_role("link", name="Voir tout le catalogue").click()
    page.wait_for_selector(".collect-products")
    assert page.locator("[data-collect-count]").first.inner_text() == "2"
    page.locator("a[data-collect-selection]").first.click()
    page.wait_for_selector("table.collect-lines")
    assert "Lait solaire enfant" in page.locator("table.collect-lines").inner_text()
    assert "31,70" in page.content() or "31.70" in page.content()

    page.fill("#id_first_name", "Jeanne")
    page.fill("#id_last_name", "Martin")
    page.fill("#id_phone", "06 12 34 56 78")
    page.fill("#id_email", "jeanne.martin@example.fr")
    page.get_by_role("button", name="Réserver").click()
    page.wait_for_selector(".error-summary")
    assert "Votre accord est nécessaire" in page.locator(".error-summary").inner_text()
    assert run_axe(page) == []
    screenshot(page, "collect-reserve-errors-phone")
    pickup = page.evaluate(
        """() => { const d = new Date(); d.setDate(d.getDate() + 1);
        while (d.getDay() === 0) d.setDate(d.getDate() + 1);
        return d.toISOString().slice(0, 10); }"""
    )
    page.fill("#id_pickup_date", pickup)
    page.check("input[name=notify_by][value=both]")
    page.check("#id_consent")
    page.get_by_role("button", name="Réserver").click()
    page.wait_for_selector(".reference")
    reference = page.locator(".reference").inner_text()
    assert REFERENCE.fullmatch(reference)
    assert run_axe(page) == []
    screenshot(page, "collect-confirmation-phone")
    assert page.evaluate("() => localStorage.getItem('officine-collect-selection')") == "{}"
    tracking = page.locator("a.tracking-link").get_attribute("href")

    reservation = Reservation.objects.get(reference=reference)
    assert reservation.pharmacy == pharmacy and reservation.lines.count() == 2

    pharmacist, _ = e2e_staff
    admin = desktop_page
    admin_login(admin, site_url(live_server, pharmacy, "/admin/login/"), pharmacist.username)
    admin.goto(site_url(live_server, pharmacy, f"/admin/reservations/inspect/{reservation.pk}/"))
    admin.wait_for_selector(".reservation-detail")
    screenshot(admin, "collect-admin-detail-desktop")
    line = reservation.lines.order_by("pk").last()
    admin.select_option(f"#line-status-{line.pk}", "replaced")
    admin.fill(f"#line-note-{line.pk}", "Format 100 ml")
    admin.locator(f"#line-note-{line.pk}").press("Enter")
    admin.wait_for_selector(".reservation-detail")
    mail.outbox.clear()
    admin.get_by_role("button", name="Prête", exact=True).click()
    admin.wait_for_load_state()
    reservation.refresh_from_db()
    assert reservation.status == Status.READY
    assert any("prête" in m.subject.lower() for m in mail.outbox)

    page.goto(tracking)
    assert "Prête" in page.locator("dd.status").inner_text()
    assert "Format 100 ml" in page.content()
    assert run_axe(page) == []
    screenshot(page, "collect-tracking-phone")


def settled(page):
    """Wait for the admin's message banner to finish appearing: axe would otherwise measure the
    contrast of its text half faded in."""
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")


def test_pharmacist_adds_an_own_product_on_a_phone_and_a_desktop(
    live_server, shop, e2e_pharmacies, e2e_staff, browser
):
    """The own-products screen: a wrong code gets a French error, a right one is saved; the
    other pharmacy's own product never shows; no sideways scroll at 390 px; axe finds nothing."""
    pharmacy, other = e2e_pharmacies
    Product.objects.create(
        code=with_check_digit("340199999999"), name="Confiture voisine", own_pharmacy=other
    )
    pharmacist, _ = e2e_staff
    right = with_check_digit("340156012345")
    for name, device, product_name in (
        ("phone", PHONE, "Miel de lavande"),
        ("desktop", DESKTOP, "Savon au lait d'ânesse"),
    ):
        context = browser.new_context(**device, locale="fr-FR", bypass_csp=True)
        page = context.new_page()
        admin_login(page, site_url(live_server, pharmacy, "/admin/login/"), pharmacist.username)
        page.goto(site_url(live_server, pharmacy, "/admin/collect_own_products/new/"))
        page.fill("#id_code", right[:-1] + str((int(right[-1]) + 1) % 10))
        page.fill("#id_name", product_name)
        page.fill("#id_brand", "Producteur local")
        page.locator("form button[type=submit]").last.click()
        page.wait_for_selector(".error-message, .w-field__errors")
        assert "clé de contrôle" in page.content()
        settled(page)
        assert run_axe(page) == []
        screenshot(page, f"collect-own-product-error-{name}")

        code = right if name == "phone" else with_check_digit("340156012346")
        page.fill("#id_code", code[:4] + " " + code[4:8] + " " + code[8:])
        page.locator("form button[type=submit]").last.click()
        page.wait_for_url("**/admin/collect_own_products/")
        listing = page.locator("main").inner_text()
        assert product_name in listing and "Confiture voisine" not in listing
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name}: the listing scrolls sideways by {overflow}px"
        settled(page)
        assert run_axe(page) == []
        screenshot(page, f"collect-own-products-{name}")
        context.close()
    assert set(OwnProduct.objects.filter(own_pharmacy=pharmacy).values_list("name", flat=True)) == {
        "Miel de lavande",
        "Savon au lait d'ânesse",
    }


def test_catalogue_and_product_page_read_well_on_a_phone_and_a_desktop(live_server, shop, browser):
    """Cards one under the other on a phone and side by side on a desktop, each with its price and
    an availability badge; the category chips and the search field are full-size touch targets;
    no sideways scroll; axe finds nothing on the catalogue or on a product page."""
    for name, device in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(**device, locale="fr-FR", bypass_csp=True)
        page = context.new_page()
        page.goto(site_url(live_server, shop, "/click-and-collect/"))
        page.get_by_role("link", name="Voir tout le catalogue").click()
        page.wait_for_selector(".collect-products")
        cards = page.locator(".collect-card")
        assert cards.count() == 4
        tops = {round(cards.nth(i).bounding_box()["y"]) for i in range(cards.count())}
        if name == "phone":
            assert len(tops) == 4, "one card per row on a phone"
        else:
            assert len(tops) < 4, "cards side by side on a desktop"
        badge = cards.filter(has_text="Lait solaire enfant").locator(".availability")
        assert badge.inner_text() == "Disponible sous 24 h"
        assert badge.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
        for target in (page.locator("#collect-q"), page.locator(".collect-categories a").first):
            assert target.bounding_box()["height"] >= 44
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name}: the catalogue scrolls sideways by {overflow}px"
        assert run_axe(page) == []
        screenshot(page, f"collect-catalogue-{name}-grid")

        cards.filter(has_text="Eau micellaire").get_by_role("link").click()
        page.wait_for_selector("article.collect-product")
        assert "9,90 €" in page.locator(".collect-product .price").inner_text()
        assert run_axe(page) == []
        screenshot(page, f"collect-product-{name}")
        context.close()
