"""Public pages in a real browser: phone and desktop, accessibility (axe) and HTML validity (vnu)."""

import pytest

from .conftest import run_axe, screenshot, site_url, vnu_errors

pytestmark = pytest.mark.e2e


def test_home_and_legal_pages_on_phone_and_desktop(
    live_server, e2e_pharmacies, phone_page, desktop_page, tmp_path
):
    pharmacy, _other = e2e_pharmacies
    html = {}
    for label, page in [("phone", phone_page), ("desktop", desktop_page)]:
        for name, path in [("home", "/"), ("legal", "/mentions-legales/")]:
            page.goto(site_url(live_server, pharmacy, path))
            assert pharmacy.name in page.title()
            html[f"{name}-{label}"] = page.content()
            assert run_axe(page) == [], f"{name} on {label}"
        page.goto(site_url(live_server, pharmacy, "/"))
        screenshot(page, f"home-{label}")
    phone_page.goto(site_url(live_server, pharmacy, "/"))
    phone_page.keyboard.press("Tab")
    focused = phone_page.evaluate("document.activeElement.textContent")
    assert "Aller au contenu" in focused
    assert vnu_errors(html, tmp_path) == {}
