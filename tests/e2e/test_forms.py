"""Journey 5 and keyboard use: both public forms with errors, and completed without a mouse.

Error states are checked in a browser that enforces the site's CSP (what patients get), then with
axe (which needs the CSP bypassed to be injected) on a phone and a desktop.
"""

import pytest

from ordonnances.models import Prescription
from rdv.models import Booking
from rdv.provisioning import seed_demo as seed_rdv_demo
from tests.ordonnances import filesets

from .conftest import focused, run_axe, screenshot, site_url, tab_to

pytestmark = pytest.mark.e2e

PAGES = [
    {"name": "page1.jpg", "mimeType": "image/jpeg", "buffer": filesets.phone_jpeg(1200, 900)},
    {"name": "page2.pdf", "mimeType": "application/pdf", "buffer": filesets.clean_pdf()},
]


def fill_incomplete_upload(page, live_server, pharmacy):
    page.goto(site_url(live_server, pharmacy, "/ordonnance/"))
    page.fill("#id_first_name", "Jeanne")
    page.fill("#id_phone", "06 12 34 56 78")
    page.fill("#id_email", "jeanne.martin@")
    page.fill("#id_comment", "Génériques acceptés")


def send_incomplete_upload(page, live_server, pharmacy):
    """Sent as a browser without JavaScript would: the server's checks answer."""
    fill_incomplete_upload(page, live_server, pharmacy)
    page.locator("form.prescription-form").evaluate("form => form.submit()")
    page.wait_for_selector(".error-summary")


def test_the_browser_checks_the_upload_form_before_sending(
    live_server, e2e_pharmacies, strict_phone_page, phone_page
):
    """The same messages as the server's, next to the fields, before a slow upload starts."""
    pharmacy, _other = e2e_pharmacies
    page = strict_phone_page
    fill_incomplete_upload(page, live_server, pharmacy)
    page.get_by_role("button", name="Envoyer mon ordonnance").click()
    page.wait_for_selector("#id_last_name_client_error")
    assert page.locator("#id_last_name_client_error").inner_text() == "Indiquez votre nom."
    assert "pas valide" in page.locator("#id_email_client_error").inner_text()
    assert "Ajoutez au moins une photo" in page.locator("#id_files_client_error").inner_text()
    assert "Votre accord est nécessaire" in page.locator("#id_consent_client_error").inner_text()
    assert focused(page)["id"] == "id_last_name"
    last_name = page.locator("#id_last_name")
    assert last_name.get_attribute("aria-invalid") == "true"
    assert "id_last_name_client_error" in last_name.get_attribute("aria-describedby")
    assert page.locator(".error-summary").count() == 0  # nothing was sent
    page.fill("#id_last_name", "Martin")
    page.get_by_role("button", name="Envoyer mon ordonnance").click()
    assert page.locator("#id_last_name_client_error").count() == 0
    assert page.csp_violations == []

    fill_incomplete_upload(phone_page, live_server, pharmacy)
    phone_page.get_by_role("button", name="Envoyer mon ordonnance").click()
    phone_page.wait_for_selector("#id_last_name_client_error")
    assert run_axe(phone_page) == []


def send_incomplete_booking(page, live_server, pharmacy):
    page.goto(site_url(live_server, pharmacy, "/rendez-vous/"))
    page.get_by_label("Vaccination antigrippale").check()
    page.get_by_role("button", name="Voir les disponibilités").click()
    page.locator(".rdv-month-table button.rdv-cell").last.click()
    page.locator(".rdv-times-box button.rdv-time").first.click()
    details = page.locator("form.rdv-details")
    details.locator("[name=first_name]").fill("Paul")
    details.locator("[name=phone]").fill("06 98 76 54 32")
    details.locator("[name=email]").fill("paul.durand@")
    summary = details.locator("[data-rdv-summary]").inner_text()
    details.get_by_role("button", name="Confirmer le rendez-vous").click()
    page.wait_for_selector("[data-error-summary]")
    return summary


def test_upload_errors_are_next_to_the_fields_values_kept_focus_on_the_summary(
    live_server, e2e_pharmacies, strict_phone_page, phone_page, desktop_page
):
    pharmacy, _other = e2e_pharmacies
    page = strict_phone_page
    send_incomplete_upload(page, live_server, pharmacy)

    assert focused(page)["id"].startswith("error-summary-")
    summary = page.locator(".error-summary")
    assert "Votre envoi n'est pas parti" in summary.inner_text()
    links = {a.inner_text(): a.get_attribute("href") for a in summary.locator("a").all()}
    assert links["Nom"] == "#id_last_name"
    assert links["E-mail"] == "#id_email"
    assert links["Photos ou PDF de l'ordonnance"] == "#id_files"
    assert "#id_consent" in links.values()

    assert page.locator(".field-last_name .errorlist").inner_text() == "Indiquez votre nom."
    assert "pas valide" in page.locator(".field-email .errorlist").inner_text()
    assert "Ajoutez au moins une photo" in page.locator(".field-files .errorlist").inner_text()
    assert "Votre accord est nécessaire" in page.locator(".field-consent .errorlist").inner_text()
    last_name = page.locator("#id_last_name")
    assert last_name.get_attribute("aria-invalid") == "true"
    assert "id_last_name_error" in last_name.get_attribute("aria-describedby")

    assert page.input_value("#id_first_name") == "Jeanne"
    assert page.input_value("#id_phone") == "06 12 34 56 78"
    assert page.input_value("#id_email") == "jeanne.martin@"
    assert page.input_value("#id_comment") == "Génériques acceptés"
    assert page.csp_violations == []
    assert Prescription.objects.count() == 0

    for label, checked in [("phone", phone_page), ("desktop", desktop_page)]:
        send_incomplete_upload(checked, live_server, pharmacy)
        assert run_axe(checked) == [], label
        screenshot(checked, f"ordonnance-erreurs-{label}")


def test_booking_errors_are_next_to_the_fields_values_kept_focus_on_the_summary(
    live_server, e2e_pharmacies, strict_phone_page, phone_page, desktop_page
):
    _a, pharmacy = e2e_pharmacies
    seed_rdv_demo(pharmacy)
    page = strict_phone_page
    chosen = send_incomplete_booking(page, live_server, pharmacy)

    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    summary = page.locator("[data-error-summary]")
    assert "Le rendez-vous n'est pas encore enregistré" in summary.inner_text()
    form = page.locator("form.rdv-details")
    last_name = form.locator("[name=last_name]")
    last_name_id = last_name.get_attribute("id")
    assert summary.locator(f"a[href='#{last_name_id}']").count() == 1
    error = page.locator(f"#{last_name_id}-error")
    assert error.inner_text()
    assert error.evaluate(
        "(e, id) => e.parentElement.contains(document.getElementById(id))", last_name_id
    )
    assert form.locator("[name=email]").get_attribute("aria-invalid") == "true"
    assert form.locator("[name=consent]").evaluate("e => !e.checked")
    assert page.locator(f"#{form.locator('[name=consent]').get_attribute('id')}-error").count() == 1

    assert form.locator("[name=first_name]").input_value() == "Paul"
    assert form.locator("[name=phone]").input_value() == "06 98 76 54 32"
    assert form.locator("[name=email]").input_value() == "paul.durand@"
    assert "Vaccination antigrippale" in chosen
    assert "Vaccination antigrippale" in form.locator(".rdv-summary").inner_text()
    assert page.csp_violations == []
    assert Booking.objects.count() == 0

    for label, checked in [("phone", phone_page), ("desktop", desktop_page)]:
        send_incomplete_booking(checked, live_server, pharmacy)
        assert run_axe(checked) == [], label
        screenshot(checked, f"rendez-vous-erreurs-{label}")


def test_upload_form_completed_with_the_keyboard_only(live_server, e2e_pharmacies, desktop_page):
    pharmacy, _other = e2e_pharmacies
    page = desktop_page
    page.goto(site_url(live_server, pharmacy, "/ordonnance/"))
    assert run_axe(page) == []
    screenshot(page, "ordonnance-form-desktop")
    # Listening early turns on Playwright's file chooser interception before the key press.
    page.on("filechooser", lambda _chooser: None)
    tab_to(page, "#id_first_name")
    page.keyboard.type("Jeanne")
    page.keyboard.press("Tab")
    page.keyboard.type("Martin")
    page.keyboard.press("Tab")
    page.keyboard.type("06 12 34 56 78")
    page.keyboard.press("Tab")
    page.keyboard.type("jeanne.martin@example.fr")
    tab_to(page, "#id_files")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(PAGES)
    tab_to(page, "#id_consent")
    page.keyboard.press("Space")
    tab_to(page, "form.prescription-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector(".reference")
    prescription = Prescription.objects.get(reference=page.locator(".reference").inner_text())
    assert (prescription.first_name, prescription.last_name) == ("Jeanne", "Martin")
    assert prescription.files.filter(kind="page").count() == 2
    assert run_axe(page) == []
    screenshot(page, "ordonnance-confirmation-desktop")


def test_booking_form_completed_with_the_keyboard_only(live_server, e2e_pharmacies, desktop_page):
    _a, pharmacy = e2e_pharmacies
    seed_rdv_demo(pharmacy)
    page = desktop_page
    page.goto(site_url(live_server, pharmacy, "/rendez-vous/"))
    assert run_axe(page) == []
    screenshot(page, "rendez-vous-form-desktop")
    tab_to(page, "input[name=service]")
    page.keyboard.press("Space")
    assert focused(page)["name"] == "service"
    tab_to(page, "[data-rdv-service-form] button[type=submit]")
    page.keyboard.press("Enter")
    page.locator(".rdv-month-table button.rdv-cell").first.wait_for()
    tab_to(page, ".rdv-month-table button.rdv-cell")
    page.keyboard.press("Enter")
    page.locator(".rdv-times-box button.rdv-time").first.wait_for()
    assert page.evaluate("document.activeElement.classList.contains('rdv-time')")
    page.keyboard.press("Enter")
    assert focused(page)["name"] == "first_name"
    for text in ["Paul", "Durand", "06 98 76 54 32", "paul.durand@example.fr"]:
        page.keyboard.type(text)
        page.keyboard.press("Tab")
    tab_to(page, "form.rdv-details input[name=consent]")
    page.keyboard.press("Space")
    tab_to(page, "form.rdv-details button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector(".rdv-reference")
    booking = Booking.objects.get(reference=page.locator(".rdv-reference").inner_text())
    assert (booking.first_name, booking.last_name, booking.email) == (
        "Paul",
        "Durand",
        "paul.durand@example.fr",
    )
    assert run_axe(page) == []
    screenshot(page, "rendez-vous-confirmation-desktop")
