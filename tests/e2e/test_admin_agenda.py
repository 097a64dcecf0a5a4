"""The agenda's time grid in a browser, on a phone and on a desktop: a column per pharmacist or
room that scrolls inside its own box, cancelled bookings on request, a printable day, axe-clean."""

from datetime import datetime, timedelta

import pytest

from rdv.models import Booking, BookingStatus, Resource
from tests.rdv.conftest import PARIS, make_service

from .conftest import DESKTOP, PHONE, admin_login, run_axe, screenshot, site_url

pytestmark = pytest.mark.e2e

DAY = "2026-03-10"


def booking(service, hour, minute, last_name, status=BookingStatus.BOOKED):
    start = datetime(2026, 3, 10, hour, minute, tzinfo=PARIS)
    return Booking.objects.create(
        pharmacy=service.pharmacy,
        service=service,
        start=start,
        end=start + timedelta(minutes=service.duration_minutes),
        first_name="Jeanne",
        last_name=last_name,
        phone="+33612345678",
        status=status,
    )


@pytest.fixture
def agenda_day(e2e_pharmacies):
    pharmacy, _ = e2e_pharmacies
    room = Resource.objects.create(pharmacy=pharmacy, name="Box de vaccination", kind="salle")
    second = Resource.objects.create(pharmacy=pharmacy, name="M. Garnier", sort_order=3)
    vaccination = make_service(pharmacy, resource=room)
    interview = make_service(
        pharmacy,
        name="Entretien pharmaceutique",
        slug="entretien",
        duration_minutes=30,
        resource=second,
    )
    booking(vaccination, 9, 30, "Martin")
    booking(interview, 10, 0, "Durand")
    booking(vaccination, 11, 0, "Annulée", status=BookingStatus.CANCELLED)
    return pharmacy


def test_agenda_grid_on_phone_and_desktop(live_server, agenda_day, e2e_staff, browser):
    pharmacist, _ = e2e_staff
    for name, device in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(**device, locale="fr-FR", bypass_csp=True)
        page = context.new_page()
        admin_login(page, site_url(live_server, agenda_day, "/admin/"), pharmacist.username)
        page.goto(site_url(live_server, agenda_day, f"/admin/rdv_agenda/?jour={DAY}"))
        grid = page.locator(".rdv-grid")
        heads = grid.locator(".rdv-grid__column .rdv-grid__head").all_inner_texts()
        titular = Resource.objects.get(pharmacy=agenda_day, pharmacist__isnull=False).name
        assert heads == ["Box de vaccination", titular, "M. Garnier"]
        room = grid.locator('.rdv-grid__column:has-text("Box de vaccination")')
        assert "Jeanne Martin" in room.inner_text()
        assert "Jeanne Annulée" not in grid.inner_text()
        assert grid.locator(".rdv-grid__closed").count() >= 3
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name}: the agenda scrolls sideways by {overflow}px"
        if name == "phone":
            box = page.evaluate(
                "(() => { const b = document.querySelector('.rdv-grid__scroll');"
                " return b.scrollWidth - b.clientWidth; })()"
            )
            assert box > 0, "on a phone the columns scroll inside their own box"
        assert page.locator("[data-rdv-print]").is_visible()
        assert run_axe(page) == []
        screenshot(page, f"admin-agenda-{name}")
        if name == "desktop":
            page.get_by_role("link", name="Afficher les rendez-vous annulés").click()
            assert "Jeanne Annulée" in page.locator(".rdv-grid").inner_text()
            page.emulate_media(media="print")
            assert not page.locator(".rdv-agenda-nav").is_visible()
            assert page.locator(".rdv-agenda-print-title").is_visible()
            assert page.locator(".rdv-grid").is_visible()
            screenshot(page, "admin-agenda-print")
            page.emulate_media(media="screen")
            page.goto(
                site_url(live_server, agenda_day, f"/admin/rdv_agenda/?jour={DAY}&vue=semaine")
            )
            days = page.locator(".rdv-grid__dayhead").all_inner_texts()
            assert len(days) == 6 and "dimanche" not in " ".join(days).lower()
            assert run_axe(page) == []
            screenshot(page, "admin-agenda-week-desktop")
            page.goto(site_url(live_server, agenda_day, "/admin/rdv_agenda/ical/"))
            page.get_by_role("button", name="Créer l'adresse").click()
            assert "/rdv/agenda/" in page.locator("#feed-url").input_value()
            assert run_axe(page) == []
            screenshot(page, "admin-agenda-ical-desktop")
        context.close()
