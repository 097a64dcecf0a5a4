"""The pharmacist's dashboard in a browser, on a phone and on a desktop: readable, accessible, live."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ordonnances.models import Prescription

from .conftest import DESKTOP, PHONE, admin_login, run_axe, screenshot, site_url

pytestmark = pytest.mark.e2e


def new_prescription(pharmacy, last_name):
    return Prescription.objects.create(
        pharmacy=pharmacy, first_name="Jeanne", last_name=last_name, phone="+33612345678"
    )


def test_dashboard_on_phone_and_desktop_with_a_live_count(
    live_server, e2e_pharmacies, e2e_staff, browser
):
    pharmacy, _other = e2e_pharmacies
    pharmacist, _ = e2e_staff
    new_prescription(pharmacy, "Martin")
    for name, device in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(**device, locale="fr-FR", bypass_csp=True)
        page = context.new_page()
        admin_login(page, site_url(live_server, pharmacy, "/admin/"), pharmacist.username)
        page.wait_for_selector("[data-officine-dashboard]")
        assert "Officine — Pharmacie du Marché" in page.locator("h1").inner_text()
        count = page.locator('[data-officine-count="prescriptions_to_prepare"]')
        assert count.inner_text() == "1"
        assert "Jeanne Martin" in page.locator(".prescriptions-panel").inner_text()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name}: the dashboard scrolls sideways by {overflow}px"
        assert run_axe(page) == []
        screenshot(page, f"admin-dashboard-{name}")
        if name == "desktop":
            page.check("[data-officine-sound]")
            new_prescription(pharmacy, "Durand")
            page.locator("[data-officine-dashboard]").dispatch_event("officine:refresh")
            page.wait_for_function(
                "document.querySelector('[data-officine-count=prescriptions_to_prepare]')"
                ".textContent.trim() === '2'"
            )
            assert "Ordonnances à préparer : 2" in page.locator("[data-officine-live]").inner_text()
            page.reload()
            assert page.is_checked("[data-officine-sound]")
        context.close()


def test_hours_page_on_phone_and_desktop(live_server, e2e_pharmacies, e2e_staff, browser):
    """The week on seven lines and the exceptions, saved in place, readable on both sizes."""
    pharmacy, _other = e2e_pharmacies
    pharmacist, _ = e2e_staff
    on_duty = timezone.localdate() + timedelta(days=30)
    for name, device in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(**device, locale="fr-FR", bypass_csp=True)
        page = context.new_page()
        admin_login(page, site_url(live_server, pharmacy, "/admin/"), pharmacist.username)
        page.goto(site_url(live_server, pharmacy, "/admin/horaires/"))
        page.wait_for_selector("table.officine-hours-week")
        assert page.locator("table.officine-hours-week tbody tr").count() == 7
        assert run_axe(page) == []
        screenshot(page, f"admin-horaires-{name}")
        page.fill("#id_d5_0_opens", "09:00")
        page.fill("#id_d5_0_closes", "12:30")
        page.fill("#id_closures-0-start_date", on_duty.isoformat())
        page.fill("#id_closures-0-label", f"Dimanche de garde {name}")
        page.fill("#id_closures-0-opens", "09:00")
        page.fill("#id_closures-0-closes", "13:00")
        page.get_by_role("button", name="Enregistrer").click()
        page.wait_for_selector("text=Horaires et fermetures enregistrés.")
        assert page.input_value("#id_d5_0_closes") == "12:30"
        # Wagtail fades its message in: measure the contrast once it is fully shown.
        page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
        assert run_axe(page) == []
        context.close()
    # The desktop saved over the phone's line in place: one exception for that day.
    [closure] = pharmacy.closures.filter(start_date=on_duty)
    assert closure.label == "Dimanche de garde desktop"
