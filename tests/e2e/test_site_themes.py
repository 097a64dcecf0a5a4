"""Every look a pharmacist can choose stays readable and valid, not only the two demo looks.

Each of the three layouts with each of the three font pairs, in colours at the edges of what the
admin accepts (the lightest primary colours that still pass 4.5:1 on white, pure black, accents
from white to saturated yellow and violet): the pages that carry the theme (home, services, team,
contact) must not scroll sideways on a phone and axe must find no serious or critical problem on
a phone or a desktop. The pages added for the sites (services, team, contact, a contact form sent
back with errors) must also be valid HTML for the Nu validator.
"""

import itertools

import pytest
from django.core.exceptions import ValidationError

from pharmacies.branding import FontPair, Layout, validate_primary_colour

from .conftest import run_axe, site_url, vnu_errors

pytestmark = pytest.mark.e2e

THEMED_PATHS = ("/", "/nos-services/", "/equipe/", "/contact/")


def lightest_accepted(hue: tuple[float, float, float]) -> str:
    """The lightest colour of this hue that the admin still accepts as a primary colour."""
    for step in range(255, -1, -1):
        colour = "#" + "".join(f"{round(step * part):02X}" for part in hue)
        try:
            validate_primary_colour(colour)
        except ValidationError:
            continue
        return colour
    raise AssertionError(f"no colour of hue {hue} is accepted")


EXTREME_COLOURS = (
    (lightest_accepted((1, 1, 1)), "#FFFF00"),
    ("#000000", "#FFFFFF"),
    (lightest_accepted((1, 0.5, 0)), "#7F00FF"),
)
NO_SIDEWAYS_SCROLL = "() => document.scrollingElement.scrollWidth <= window.innerWidth"
BRAND = "getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()"


def test_every_layout_font_and_edge_colour_passes_axe_and_fits_a_phone(
    live_server, demo_sites, phone_page, desktop_page
):
    pharmacy = demo_sites[0]
    looks = list(itertools.product(Layout.values, FontPair.values))
    assert len(looks) == 9
    # A visitor's browser keeps a public page for its max-age; each look here is a new visitor.
    sessions = [page.context.new_cdp_session(page) for page in (phone_page, desktop_page)]
    for session in sessions:
        session.send("Network.enable")
        session.send("Network.setCacheDisabled", {"cacheDisabled": True})
    seen = set()
    for index, (layout, font_pair) in enumerate(looks):
        primary, accent = EXTREME_COLOURS[index % len(EXTREME_COLOURS)]
        pharmacy.layout, pharmacy.font_pair = layout, font_pair
        pharmacy.primary_colour, pharmacy.accent_colour = primary, accent
        pharmacy.full_clean()
        pharmacy.save()
        for label, page in (("phone", phone_page), ("desktop", desktop_page)):
            for path in THEMED_PATHS:
                look = f"{layout}/{font_pair}/{primary}/{accent} {path} on {label}"
                response = page.goto(site_url(live_server, pharmacy, path))
                assert response.status == 200, look
                assert page.evaluate(BRAND).lower() == primary.lower(), look
                assert page.evaluate(NO_SIDEWAYS_SCROLL), look
                assert run_axe(page) == [], look
                seen.add((layout, font_pair, label, path))
    assert len(seen) == 9 * 2 * len(THEMED_PATHS)


def test_the_new_site_pages_are_valid_html(live_server, demo_sites, phone_page, tmp_path):
    html = {}
    for pharmacy in demo_sites:
        for path in THEMED_PATHS[1:]:
            response = phone_page.goto(site_url(live_server, pharmacy, path))
            assert response.status == 200
            html[f"{pharmacy.slug}-{path.strip('/')}"] = response.text()
    pharmacy = demo_sites[0]
    phone_page.goto(site_url(live_server, pharmacy, "/contact/"))
    phone_page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    phone_page.get_by_label("Votre e-mail").fill("pas-une-adresse")
    phone_page.locator("form button[type=submit]").last.click()
    phone_page.wait_for_load_state()
    assert "Cette adresse e-mail n'est pas valide" in phone_page.content()
    html["contact-errors"] = phone_page.content()
    assert len(html) == 7
    assert vnu_errors(html, tmp_path) == {}


SMALL_TARGETS = """() => [...document.querySelectorAll(
    'button, select, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), '
    + 'nav a, header a, footer a, .tag-filter a, .cta a')]
  .filter(e => e.offsetParent !== null && e.tabIndex !== -1 && !e.closest('.skip-link'))
  .map(e => [e.outerHTML.slice(0, 80), Math.round(e.getBoundingClientRect().height)])
  .filter(([, height]) => height < 44)"""


def test_touch_targets_are_at_least_44_px_on_a_phone(live_server, demo_sites, phone_page):
    checked = 0
    for pharmacy in demo_sites:
        for path in (*THEMED_PATHS, "/ordonnance/", "/rendez-vous/", "/actualites/"):
            assert phone_page.goto(site_url(live_server, pharmacy, path)).status == 200
            small = phone_page.evaluate(SMALL_TARGETS)
            assert small == [], f"{pharmacy.slug} {path}: {small}"
            checked += 1
    assert checked == 2 * 7
