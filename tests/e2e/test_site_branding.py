"""The two demo pharmacies in a real browser: each in its own look, usable on a 390 px phone.

Every public page of both demo sites (as `seed_demo` builds them), on a phone and on a desktop:
nothing scrolls sideways, axe finds no serious or critical problem in either theme and layout,
the map waits for the visitor's click, and the two home pages do not look alike.
"""

import pytest

from .conftest import run_axe, screenshot, site_url

pytestmark = pytest.mark.e2e

PUBLIC_PATHS = {
    "home": "/",
    "services": "/nos-services/",
    "team": "/equipe/",
    "contact": "/contact/",
    "upload": "/ordonnance/",
    "booking": "/rendez-vous/",
    "news": "/actualites/",
    "legal": "/mentions-legales/",
}
NO_SIDEWAYS_SCROLL = "() => document.scrollingElement.scrollWidth <= window.innerWidth"


def test_both_demo_sites_fit_a_phone_and_pass_axe_in_their_own_look(
    live_server, demo_sites, phone_page, desktop_page
):
    assert len(demo_sites) == 2
    colours = set()
    for pharmacy in demo_sites:
        news = phone_page.goto(site_url(live_server, pharmacy, "/actualites/"))
        assert news.status == 200
        post = phone_page.locator(".post-card a").first.get_attribute("href")
        paths = {**PUBLIC_PATHS, "post": post}
        for label, page in (("phone", phone_page), ("desktop", desktop_page)):
            for name, path in paths.items():
                response = page.goto(site_url(live_server, pharmacy, path))
                assert response.status == 200, f"{pharmacy.slug} {name}: {response.status}"
                assert page.evaluate(NO_SIDEWAYS_SCROLL), (
                    f"{pharmacy.slug} {name} scrolls sideways on {label}: "
                    + str(page.evaluate("document.scrollingElement.scrollWidth"))
                )
                assert run_axe(page) == [], f"{pharmacy.slug} {name} on {label}"
            page.goto(site_url(live_server, pharmacy, "/"))
            colours.add(
                page.evaluate(
                    "getComputedStyle(document.querySelector('.site-header')).backgroundColor"
                )
            )
            screenshot(page, f"site-{pharmacy.slug}-{label}")
    assert len(colours) == 2, "the two demo pharmacies must not look the same"


def test_the_map_loads_only_after_the_click(live_server, demo_sites, phone_page):
    pharmacy = demo_sites[0]
    requested = []
    phone_page.on("request", lambda request: requested.append(request.url))
    phone_page.goto(site_url(live_server, pharmacy, "/contact/"))
    assert not [url for url in requested if "openstreetmap" in url]
    assert (
        phone_page.get_by_role("link", name="Itinéraire", exact=True)
        .get_attribute("href")
        .startswith("geo:")
    )
    button = phone_page.get_by_role("button", name="Afficher la carte")
    box = button.bounding_box()
    assert box["height"] >= 44
    button.click()
    phone_page.wait_for_selector(".map iframe")
    src = phone_page.locator(".map iframe").get_attribute("src")
    assert src.startswith("https://www.openstreetmap.org/export/embed.html")
