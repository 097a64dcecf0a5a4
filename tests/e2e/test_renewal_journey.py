"""Journey: a renewable prescription followed month by month, from the phone and the desk.

The patient ticks "renouvelable" on the phone, the pharmacist sets three dispensings on the
desktop admin, the second one is created by the beat job and made ready ("2/3" in the message),
then the patient asks from the tracking link to delay the next one and the pharmacist applies it.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications import sms
from ordonnances.models import Dispensing, Prescription, RenewalSchedule, Status
from ordonnances.renewals import create_due_dispensings
from ordonnances.services import change_status

from .conftest import admin_login, run_axe, screenshot, site_url
from .test_prescription_journey import send_prescription

pytestmark = pytest.mark.e2e


def test_renewable_prescription_journey(
    live_server, e2e_pharmacies, e2e_staff, phone_page, desktop_page
):
    pharmacy, _other = e2e_pharmacies
    pharmacist, _ = e2e_staff

    # The patient says the prescription is renewable, for three months.
    reference, tracking = send_prescription(phone_page, live_server, pharmacy, renewal_months="3")
    assert "apportez l'ordonnance originale" in phone_page.content()
    prescription = Prescription.objects.get(reference=reference)
    assert RenewalSchedule.objects.get(prescription=prescription).requested_months == 3

    # The pharmacist confirms three dispensings; the first started four weeks ago.
    admin = desktop_page
    admin_login(admin, site_url(live_server, pharmacy, "/admin/login/"), pharmacist.username)
    admin.goto(site_url(live_server, pharmacy, f"/admin/ordonnances/inspect/{prescription.pk}/"))
    section = admin.locator("#renouvellement")
    assert "À confirmer" in section.text_content()
    admin.fill("#id_dispensings_total", "3")
    admin.select_option("#id_interval", "28")
    admin.fill("#id_first_date", (timezone.localdate() - timedelta(days=28)).isoformat())
    admin.get_by_role("button", name="Enregistrer le renouvellement").click()
    admin.wait_for_load_state()
    assert "Renouvellement enregistré : 3 délivrances" in admin.content()
    assert "En cours" in admin.locator("#renouvellement").text_content()

    # Dispensing 1 collected; the beat job makes dispensing 2 due today.
    change_status(prescription, Status.READY)
    change_status(prescription, Status.COLLECTED)
    assert create_due_dispensings() == 1 and create_due_dispensings() == 0
    admin.goto(site_url(live_server, pharmacy, "/admin/ordonnances/"))
    due = admin.locator(".renewals-due-list")
    assert reference in due.text_content() and "2/3" in due.text_content()
    screenshot(admin, "admin-renouvellements-desktop")
    admin.set_viewport_size({"width": 390, "height": 844})
    screenshot(admin, "admin-renouvellements-phone")
    admin.set_viewport_size({"width": 1280, "height": 900})
    due.get_by_role("link", name=reference).click()
    admin.wait_for_selector("#delivrance-2")
    sms.reset_outbox()
    admin.locator("#delivrance-2").get_by_role("button", name="Prête", exact=True).click()
    admin.wait_for_load_state()
    assert Dispensing.objects.get(number=2).status == Status.READY
    assert any(f"{reference} (2/3) est disponible" in m.body for m in sms.outbox)
    admin.locator("#delivrance-2").get_by_role("button", name="Retirée", exact=True).click()
    admin.wait_for_load_state()
    assert Dispensing.objects.get(number=2).status == Status.COLLECTED

    # The patient sees what is left and asks to delay the next one by a week.
    phone_page.goto(tracking)
    renewal = phone_page.locator("section.renewal")
    assert "Délivrances restantes" in renewal.text_content()
    assert run_axe(phone_page) == []
    screenshot(phone_page, "ordonnance-suivi-renouvellement-phone")
    renewal.get_by_role("link", name="Décaler d'une semaine").click()
    phone_page.wait_for_selector("form.renewal-confirm")
    assert run_axe(phone_page) == []
    phone_page.get_by_role("button", name="Confirmer ma demande").click()
    phone_page.wait_for_selector("p.confirmation")
    assert "transmise à la pharmacie" in phone_page.locator("p.confirmation").text_content()
    assert run_axe(phone_page) == []

    # The pharmacist sees the request and applies it: the last date moves a week later.
    third = Dispensing.objects.get(number=3)
    assert third.patient_request == "delay"
    due_before = third.due_date
    admin.goto(site_url(live_server, pharmacy, f"/admin/ordonnances/inspect/{prescription.pk}/"))
    requests = admin.locator(".renewal-requests")
    assert "Décaler d'une semaine" in requests.text_content()
    requests.get_by_role("button", name="Appliquer").click()
    admin.wait_for_load_state()
    third.refresh_from_db()
    assert third.due_date == due_before + timedelta(days=7)
    assert "Demande appliquée" in admin.content()
