"""Every Click & Collect admin screen reads in French, with the screens the crawler of
tests/pharmacies/test_admin_french.py does not reach: a reservation's detail with replaced and
unavailable products, its slip, the bulk edit, the settings, and the agency's catalogue screens
(a superuser's), import report included."""

import io

import pytest
from django.urls import reverse

from collect import services
from collect.models import Category, CollectSettings, LineStatus, Status
from tests.pharmacies.test_admin_french import problems_of, visible_text

from .test_workflow import reservation_a  # noqa: F401 - fixture


def french_problems(client, urls) -> dict[str, list[str]]:
    report = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        found = problems_of(visible_text(response.content.decode()))
        if found:
            report[url] = sorted(set(found))
    return report


def test_pharmacist_screens_are_french(reservation_a, admin_client_a):  # noqa: F811
    toothpaste, sunscreen = reservation_a.lines.order_by("pk")
    services.set_line_status(toothpaste, LineStatus.REPLACED, "Format 50 ml")
    services.set_line_status(sunscreen, LineStatus.UNAVAILABLE)
    services.change_status(reservation_a, Status.READY, note="Crème solaire en rupture")
    settings = CollectSettings.objects.create(pharmacy=reservation_a.pharmacy, hold_days=5)
    offer = reservation_a.lines.first().offer
    urls = [
        reverse("reservations:index"),
        reverse("reservations:index") + "?status=ready",
        reverse("reservations:inspect", args=[reservation_a.pk]),
        reverse("reservations:slip", args=[reservation_a.pk]),
        reverse("collect_offers:index"),
        reverse("collect_offers:edit", args=[offer.pk]),
        reverse("collect_offers:bulk"),
        reverse("collect_settings:index"),
        reverse("collect_settings:edit", args=[settings.pk]),
        reverse("collect_own_products:index"),
        reverse("collect_own_products:add"),
        reverse("wagtailadmin_home"),
    ]
    assert french_problems(admin_client_a, urls) == {}
    detail = admin_client_a.get(urls[2]).content.decode()
    assert '<a href="tel:+33612345678">06 12 34 56 78</a>' in detail


@pytest.fixture
def agency_client(client, superuser, products):
    client.force_login(superuser)
    return client


def test_agency_catalogue_screens_are_french(agency_client, products):
    product = products["toothpaste"]
    category = Category.objects.get(slug="dentaire")
    urls = [
        reverse("collect_catalogue:index"),
        reverse("collect_catalogue:index") + "?q=dentifrice",
        reverse("collect_catalogue:add"),
        reverse("collect_catalogue:edit", args=[product.pk]),
        reverse("collect_catalogue:import"),
        reverse("collect_categories:index"),
        reverse("collect_categories:add"),
        reverse("collect_categories:edit", args=[category.pk]),
    ]
    assert french_problems(agency_client, urls) == {}

    upload = io.BytesIO(b"code;nom;medicament\n3401560071228;Creme;oui\n")
    upload.name = "catalogue.csv"
    report = agency_client.post(reverse("collect_catalogue:import"), {"file": upload})
    found = problems_of(visible_text(report.content.decode()))
    assert found == [] and "médicaments ne sont pas proposés" in report.content.decode()
