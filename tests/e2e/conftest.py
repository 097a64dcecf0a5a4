"""Browser fixtures: Debian's chromium driven by Playwright against pytest-django's live server.

Pharmacy sites live on `*.localhost` hostnames, which Chromium resolves to the loopback address by
itself, so each site is reached under its own hostname, as patients do.
"""

import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections
from django_otp.oath import totp
from playwright.sync_api import sync_playwright
from wagtail.models import Page, Site

from blog.demo import ensure_agency_blog
from blog.roles import setup_agency_editors
from cms.models import HomePage
from pharmacies.models import Pharmacy
from tests.factories import make_pharmacy, make_staff

# Playwright's sync API runs an event loop in this thread; the ORM calls in the tests are still
# plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# Tests never write into the tracked tree: their pictures go to an ignored artifacts folder, and
# `make screenshots` points this variable at docs/screenshots/ to refresh the documented ones.
SCREENSHOTS = ROOT / os.environ.get("OFFICINE_SCREENSHOTS_DIR", "var/artifacts/screenshots")
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def _missing(what):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required for the browser tests when CI=true")
    pytest.skip(f"{what} not installed")


@pytest.fixture
def browser(transactional_db):
    """One browser per test, started after the test database is set up.

    Playwright's sync API marks its event loop as running in this thread between calls, and Django
    then keeps database connections per async context instead of per thread: the test's queries
    would open a second connection that nobody closes, and PostgreSQL refuses to drop the test
    database at the end ("being accessed by other users"). The test's queries go through the
    connection the database fixtures set up instead (as LiveServerThread shares its connections).
    """
    if not Path(CHROMIUM).exists():
        _missing(CHROMIUM)
    shared = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        for alias, connection in shared.items():
            connections[alias] = connection
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield browser
        finally:
            browser.close()
            for alias in shared:
                del connections[alias]


@pytest.fixture
def e2e_pharmacies(transactional_db, live_server):
    """Two pharmacies whose sites answer on the live server's port, so the absolute links the
    platform writes (tracking link, e-mails, SMS) open in the browser as they would in production."""
    port = int(live_server.url.rsplit(":", 1)[1])
    pharmacies = []
    for name, host in [
        ("Pharmacie du Marché", "pharmacie-a.localhost"),
        ("Pharmacie de la Gare", "pharmacie-b.localhost"),
    ]:
        pharmacy = make_pharmacy(name, host)
        pharmacy.site.port = port
        pharmacy.site.save()
        pharmacies.append(pharmacy)
    return tuple(pharmacies)


@pytest.fixture
def e2e_staff(e2e_pharmacies):
    a, b = e2e_pharmacies
    return make_staff(a, "pharmacien-a"), make_staff(b, "pharmacien-b")


@pytest.fixture
def demo_sites(transactional_db, live_server):
    """The two demo pharmacies exactly as `make demo` seeds them, served by the live server."""
    call_command("seed_demo", stdout=io.StringIO())
    port = int(live_server.url.rsplit(":", 1)[1])
    pharmacies = list(Pharmacy.objects.select_related("site").order_by("slug"))
    for pharmacy in pharmacies:
        pharmacy.site.port = port
        pharmacy.site.save()
    return pharmacies


def site_url(live_server, pharmacy, path="/"):
    port = live_server.url.rsplit(":", 1)[1]
    return f"http://{pharmacy.site.hostname}:{port}{path}"


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(**PHONE, locale="fr-FR", bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop_page(browser):
    context = browser.new_context(**DESKTOP, locale="fr-FR", bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def run_axe(page) -> list[dict]:
    """Serious and critical accessibility violations on the current page (axe-core)."""
    if not AXE_JS.exists():
        _missing("node_modules/axe-core (npm ci)")
    # Measure the page as it rests: a message banner half faded in has half its contrast.
    page.wait_for_function(
        "() => document.getAnimations().every(a => a.playState !== 'running'"
        " || a.effect.getTiming().iterations === Infinity)"
    )
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def vnu_errors(html_by_name: dict[str, str], tmp_path) -> dict[str, list[str]]:
    """HTML validity errors per page from the Nu Html Checker, one JVM for all pages."""
    if not VNU_JAR.exists():
        _missing("node_modules/vnu-jar (npm ci)")
    if not shutil.which("java"):
        _missing("java")
    for name, html in html_by_name.items():
        (tmp_path / f"{name}.html").write_text(html, encoding="utf-8")
    result = subprocess.run(
        [
            "java",
            "-jar",
            str(VNU_JAR),
            "--format",
            "json",
            "--exit-zero-always",
            *[str(tmp_path / f"{n}.html") for n in html_by_name],
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    report = json.loads(result.stderr or result.stdout or '{"messages": []}')
    errors: dict[str, list[str]] = {name: [] for name in html_by_name}
    for message in report["messages"]:
        if message.get("type") == "error":
            name = message.get("url", "?").rsplit("/", 1)[-1].removesuffix(".html")
            errors.setdefault(name, []).append(f"{message.get('lastLine')}: {message['message']}")
    return {name: errs for name, errs in errors.items() if errs}


@pytest.fixture
def e2e_agency(transactional_db):
    """The agency's site (the default site, on agence.localhost) with its moderated blog."""
    home = HomePage(title="Officine — le réseau", slug="agence")
    Page.get_first_root_node().add_child(instance=home)
    home.save_revision().publish()
    site = Site.objects.get(is_default_site=True)
    site.hostname, site.port, site.root_page, site.site_name = (
        "agence.localhost",
        80,
        home,
        "Agence",
    )
    site.save()
    blog = ensure_agency_blog(home)
    setup_agency_editors(blog)
    return blog


def admin_login(page, url, username, password="pw-Test-2026", totp_device=None):
    """Log in to the Wagtail admin at `url` as a person does: the form, then the TOTP code."""
    page.goto(url)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("form button[type=submit]").first.click()
    if totp_device is not None:
        page.wait_for_url("**/admin/2fa/verify/**")
        code = totp(totp_device.bin_key, step=totp_device.step, digits=totp_device.digits)
        page.fill("input[name=token]", f"{code:0{totp_device.digits}d}")
        page.locator("form button[type=submit]").first.click()
    page.wait_for_selector("#main, main")


@pytest.fixture
def strict_phone_page(browser):
    """A phone that enforces the site's Content-Security-Policy, as patients' browsers do (no axe
    here); `page.csp_violations` collects what the browser refused to run."""
    context = browser.new_context(**PHONE, locale="fr-FR")
    page = context.new_page()
    page.csp_violations = []
    page.on(
        "console",
        lambda message: (
            page.csp_violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()


def tab_to(page, selector, limit=80):
    """Press Tab until the element matching `selector` has the focus (keyboard only, no mouse)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "(s) => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
    raise AssertionError(f"{selector} never got the focus with Tab")


def focused(page) -> dict:
    return page.evaluate(
        "() => { const e = document.activeElement; return {id: e.id, tag: e.tagName.toLowerCase(), "
        "name: e.getAttribute('name') || '', text: e.textContent.trim().slice(0, 200)}; }"
    )
