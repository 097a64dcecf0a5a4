"""Journeys 1 and 2: a patient sends a prescription from a phone, the pharmacist makes it ready."""

import re

import pytest
from django.core import mail
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from notifications import sms
from ordonnances.models import Prescription, Status
from tests.ordonnances import filesets

from .conftest import admin_login, run_axe, screenshot, site_url

pytestmark = pytest.mark.e2e

REFERENCE = re.compile(r"ORD-[A-Z0-9]{6}")


def send_prescription(page, live_server, pharmacy, *, shots=False, renewal_months=None):
    """What a patient does on the upload page; returns (reference, tracking URL).

    `renewal_months` ticks "Ordonnance renouvelable" and picks that many months ("" leaves it
    to the pharmacist).
    """
    page.goto(site_url(live_server, pharmacy, "/ordonnance/"))
    form = page.locator("form.prescription-form")
    if shots:
        assert run_axe(page) == []
        screenshot(page, "ordonnance-form-phone")
    form.get_by_label("Prénom").fill("Jeanne")
    page.fill("#id_last_name", "Martin")
    page.fill("#id_phone", "06 12 34 56 78")
    page.fill("#id_email", "jeanne.martin@example.fr")
    page.fill("#id_birth_date", "1980-04-12")
    page.set_input_files(
        "input[name=files]",
        [
            {
                "name": "page1.jpg",
                "mimeType": "image/jpeg",
                "buffer": filesets.phone_jpeg(1600, 1200),
            },
            {"name": "page2.pdf", "mimeType": "application/pdf", "buffer": filesets.clean_pdf()},
        ],
    )
    page.fill("#id_comment", "Génériques acceptés")
    if renewal_months is not None:
        page.check("#id_renewable")
        page.select_option("#id_renewal_months", renewal_months)
        assert run_axe(page) == []
        screenshot(page, "ordonnance-renouvelable-phone")
    page.check("input[name=notify_by][value=both]")
    page.check("#id_consent")
    page.get_by_role("button", name="Envoyer mon ordonnance").click()
    page.wait_for_selector(".reference")
    reference = page.locator(".reference").inner_text()
    assert REFERENCE.fullmatch(reference)
    tracking = page.locator("a.tracking-link").get_attribute("href")
    return reference, tracking


def test_patient_sends_a_two_page_prescription_from_a_phone(
    live_server, e2e_pharmacies, phone_page
):
    pharmacy, _other = e2e_pharmacies
    reference, _tracking = send_prescription(phone_page, live_server, pharmacy, shots=True)

    assert "Ordonnance envoyée" in phone_page.locator("h1").inner_text()
    assert "apportez l'ordonnance originale" in phone_page.content()
    assert run_axe(phone_page) == []
    screenshot(phone_page, "ordonnance-confirmation-phone")
    prescription = Prescription.objects.get(reference=reference)
    assert prescription.pharmacy == pharmacy
    assert [f.kind for f in prescription.files.order_by("position")].count("page") == 2

    phone_page.locator("a.tracking-link").click()
    phone_page.wait_for_selector("dl.tracking")
    assert reference in phone_page.locator("dl.tracking").inner_text()
    assert "Reçue" in phone_page.locator("dd.status").inner_text()
    assert run_axe(phone_page) == []


def test_pharmacist_with_two_factor_marks_it_ready_and_the_patient_is_told(
    live_server, e2e_pharmacies, e2e_staff, phone_page, desktop_page
):
    pharmacy, _other = e2e_pharmacies
    pharmacist, _ = e2e_staff
    reference, tracking = send_prescription(phone_page, live_server, pharmacy)
    mail.outbox.clear()
    sms.reset_outbox()
    device = TOTPDevice.objects.create(user=pharmacist, name="téléphone", confirmed=True)

    with override_settings(OFFICINE_2FA_REQUIRED=True):
        admin = desktop_page
        admin.goto(site_url(live_server, pharmacy, "/admin/"))
        assert "/admin/login/" in admin.url
        admin_login(admin, admin.url, pharmacist.username, totp_device=device)
        admin.locator(".sidebar a", has_text="Ordonnances").click()
        admin.wait_for_url("**/admin/ordonnances/")
        listing = admin.locator("table.listing")
        assert reference in listing.inner_text()
        screenshot(admin, "admin-ordonnances-desktop")
        admin.set_viewport_size({"width": 390, "height": 844})
        screenshot(admin, "admin-ordonnances-phone")
        admin.set_viewport_size({"width": 1280, "height": 900})
        admin.set_viewport_size({"width": 1366, "height": 768})
        admin.get_by_role("link", name=reference).click()
        admin.wait_for_selector("[data-viewer-toolbar]:not([hidden])")
        # The first page fills the viewer; the status actions sit beside it, above the fold.
        image = admin.locator(".viewer-page:not([hidden]) img.viewer-image")
        image.wait_for()
        assert admin.evaluate(
            "(img) => img.complete && img.naturalWidth > 0", image.element_handle()
        )
        assert image.bounding_box()["height"] > 400
        buttons = admin.locator(".prescription-actions button")
        assert buttons.count() >= 5
        for box in [b.bounding_box() for b in buttons.all()]:
            assert box["y"] + box["height"] <= 768, box
        assert admin.locator("[data-viewer-position]").inner_text() == "1 / 2"
        admin.get_by_role("button", name="Agrandir").click()
        assert admin.locator("[data-viewer-zoom]").inner_text() == "125 %"
        admin.get_by_role("button", name="Pivoter à droite").click()
        assert "rotate(90deg)" in image.get_attribute("style")
        admin.get_by_role("button", name="Page suivante").click()
        assert admin.locator("[data-viewer-position]").inner_text() == "2 / 2"
        pdf = admin.locator(".viewer-page:not([hidden]) iframe.viewer-pdf")
        assert "#page=1" in pdf.get_attribute("src")
        assert run_axe(admin) == []
        screenshot(admin, "admin-ordonnance-detail-desktop")
        admin.set_viewport_size({"width": 390, "height": 844})
        assert run_axe(admin) == []
        screenshot(admin, "admin-ordonnance-detail-phone")
        admin.set_viewport_size({"width": 1366, "height": 768})
        admin.fill("#status-note", "Le sirop arrive demain matin.")
        admin.get_by_role("button", name="Prête", exact=True).click()
        admin.wait_for_load_state()
        assert "Prête" in admin.locator(".prescription-detail").inner_text()

    prescription = Prescription.objects.get(reference=reference)
    assert prescription.status == Status.READY
    assert [m.to for m in mail.outbox] == [["jeanne.martin@example.fr"]]
    assert "prête" in mail.outbox[0].subject.lower()
    assert [m.to for m in sms.outbox] == ["+33612345678"]
    assert "est disponible" in sms.outbox[0].body
    assert "Le sirop arrive demain matin." in sms.outbox[0].body
    assert "Le sirop arrive demain matin." in mail.outbox[0].body

    phone_page.goto(tracking)
    assert "Prête" in phone_page.locator("dd.status").inner_text()
    assert "Votre commande vous attend" in phone_page.content()
    assert run_axe(phone_page) == []


def test_a_form_error_keeps_the_files_and_the_browser_catches_a_typo(
    live_server, e2e_pharmacies, phone_page
):
    """The phone number is checked before any upload; a closed pickup day (only the server
    knows the hours) shows the form again with the two files already received."""
    from tests.ordonnances.conftest import next_closed_day

    pharmacy, _other = e2e_pharmacies
    page = phone_page
    page.goto(site_url(live_server, pharmacy, "/ordonnance/"))
    page.fill("#id_first_name", "Jeanne")
    page.fill("#id_last_name", "Martin")
    page.fill("#id_phone", "06 12 34")
    page.fill("#id_email", "jeanne.martin@example.fr")
    page.set_input_files(
        "input[name=files]",
        [
            {
                "name": "page1.jpg",
                "mimeType": "image/jpeg",
                "buffer": filesets.phone_jpeg(1600, 1200),
            },
            {"name": "page2.pdf", "mimeType": "application/pdf", "buffer": filesets.clean_pdf()},
        ],
    )
    page.fill("#id_pickup", next_closed_day(pharmacy).isoformat())
    page.check("input[name=notify_by][value=sms]")
    page.check("#id_consent")
    page.get_by_role("button", name="Envoyer mon ordonnance").click()
    error = page.locator("#id_phone_client_error")
    error.wait_for()
    assert "n'est pas valide" in error.inner_text()
    assert page.evaluate("document.activeElement.id") == "id_phone"
    assert not Prescription.objects.exists()

    page.fill("#id_phone", "06 12 34 56 78")
    page.get_by_role("button", name="Envoyer mon ordonnance").click()
    page.wait_for_selector(".kept-files")
    assert "2 fichiers déjà reçus" in page.locator(".kept-files").inner_text()
    assert "fermée ce jour-là" in page.locator(".error-summary").inner_text()
    assert run_axe(page) == []
    screenshot(page, "ordonnance-fichiers-gardes-phone")

    page.fill("#id_pickup", "")
    page.check("#id_consent")
    page.get_by_role("button", name="Envoyer mon ordonnance").click()
    page.wait_for_selector(".reference")
    assert "Nous vous préviendrons par SMS au 06" in page.content()
    prescription = Prescription.objects.get(reference=page.locator(".reference").inner_text())
    assert prescription.files.filter(kind="page").count() == 2
