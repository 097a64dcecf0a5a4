"""Journey 3: a patient books through the calendar, adds it to their agenda, cancels; the pharmacy sees it."""

from datetime import timedelta

import icalendar
import pytest
from django.core import mail
from django.utils import timezone

from rdv import availability
from rdv import booking as operations
from rdv.models import Booking, BookingStatus, WaitlistEntry
from rdv.provisioning import seed_demo as seed_rdv_demo
from tests.factories import make_staff

from .conftest import DESKTOP, PHONE, admin_login, run_axe, screenshot, site_url

pytestmark = pytest.mark.e2e

MONTHS = (
    "Janvier Février Mars Avril Mai Juin Juillet Août Septembre Octobre Novembre Décembre".split()
)


def book_through_calendar(page, live_server, pharmacy, *, shots=""):
    """Service → day in the calendar → time → details, as a patient taps through it."""
    page.goto(site_url(live_server, pharmacy, "/rendez-vous/"))
    if shots:
        assert run_axe(page) == []
        screenshot(page, f"rendez-vous-form-{shots}")
    page.get_by_label("Vaccination antigrippale").check()
    page.get_by_role("button", name="Voir les disponibilités").click()
    days = page.locator(".rdv-month-table button.rdv-cell-open")
    days.first.wait_for()
    greyed = page.locator(".rdv-month-table .rdv-cell-off")
    assert greyed.count() > 0
    for reason in greyed.locator(".rdv-cell-reason").all_inner_texts():
        assert reason in ("passé", "fermé", "complet", "trop tôt", "trop loin")
    assert page.locator(".rdv-month-name").first.inner_text().split()[0] in MONTHS
    chosen = days.nth(min(2, days.count() - 1))
    chosen.click()
    assert chosen.get_attribute("aria-pressed") == "true"
    assert page.locator(".rdv-month-table [aria-pressed=true]").count() == 1
    if shots:
        assert run_axe(page) == []
        screenshot(page, f"rendez-vous-calendrier-{shots}")
    times = page.locator(".rdv-times-box button.rdv-time")
    times.first.wait_for()
    times.nth(1).click()
    details = page.locator("form.rdv-details")
    assert details.is_visible()
    assert "Vaccination antigrippale" in details.locator("[data-rdv-summary]").inner_text()
    details.locator("[name=first_name]").fill("Paul")
    details.locator("[name=last_name]").fill("Durand")
    details.locator("[name=phone]").fill("06 98 76 54 32")
    details.locator("[name=email]").fill("paul.durand@example.fr")
    details.locator("input[name=notify_by][value=email]").check()
    if shots:
        assert run_axe(page) == []
        screenshot(page, f"rendez-vous-details-{shots}")
    details.locator("input[name=consent]").check()
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    page.wait_for_selector(".rdv-reference")


def test_patient_books_downloads_the_ics_cancels_and_the_pharmacist_sees_it(
    live_server, e2e_pharmacies, phone_page, desktop_page
):
    _a, pharmacy = e2e_pharmacies
    seed_rdv_demo(pharmacy)
    pharmacist = make_staff(pharmacy, "pharmacien-b")

    book_through_calendar(phone_page, live_server, pharmacy, shots="phone")
    assert "Rendez-vous confirmé" in phone_page.locator("h1").inner_text()
    reference = phone_page.locator(".rdv-reference").inner_text()
    booking = Booking.objects.get(reference=reference)
    assert booking.pharmacy == pharmacy and booking.status == BookingStatus.BOOKED
    assert booking.first_name == "Paul" and booking.service.name == "Vaccination antigrippale"
    assert run_axe(phone_page) == []
    screenshot(phone_page, "rendez-vous-confirmation-phone")
    assert any(m.to == ["paul.durand@example.fr"] for m in mail.outbox)

    with phone_page.expect_download() as download_info:
        phone_page.get_by_role("link", name="Ajouter à mon agenda (.ics)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".ics")
    with open(download.path(), "rb") as handle:
        calendar = icalendar.Calendar.from_ical(handle.read())
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == 1
    event = events[0]
    assert event.decoded("dtstart") == booking.start
    assert "Vaccination antigrippale" in str(event.get("summary"))
    assert pharmacy.city in str(event.get("location"))

    phone_page.get_by_role("link", name="Annuler ou déplacer ce rendez-vous").click()
    phone_page.wait_for_selector("h1:has-text('Mon rendez-vous')")
    assert run_axe(phone_page) == []
    # Moving: the calendar keeps its place, and nothing moves before the patient confirms.
    phone_page.locator("#rdv-deplacer a.rdv-cell-open").nth(1).click()
    phone_page.wait_for_selector("#rdv-horaires")
    assert phone_page.url.endswith("#rdv-deplacer")
    assert phone_page.evaluate("window.scrollY") > 200, "the page jumped back to the top"
    assert phone_page.locator("#rdv-deplacer [aria-current=date]").count() == 1
    screenshot(phone_page, "rendez-vous-gerer-calendrier-phone")
    phone_page.locator("#rdv-deplacer a.rdv-time").first.click()
    phone_page.wait_for_selector("h1:has-text('Confirmer le déplacement')")
    assert run_axe(phone_page) == []
    screenshot(phone_page, "rendez-vous-confirmer-deplacement-phone")
    phone_page.get_by_role("link", name="Non, choisir un autre horaire").click()
    phone_page.wait_for_selector("#rdv-horaires")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED and booking.changes.count() == 1
    phone_page.get_by_role("button", name="Annuler mon rendez-vous").click()
    phone_page.wait_for_selector("text=Oui, annuler mon rendez-vous")
    assert run_axe(phone_page) == []
    screenshot(phone_page, "rendez-vous-confirmer-annulation-phone")
    phone_page.get_by_role("button", name="Oui, annuler mon rendez-vous").click()
    phone_page.wait_for_selector("text=Votre rendez-vous est annulé")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert run_axe(phone_page) == []

    day = timezone.localtime(booking.start).date().isoformat()
    admin_login(desktop_page, site_url(live_server, pharmacy, "/admin/login/"), pharmacist.username)
    # Cancelled bookings are hidden by default: the pharmacist asks to see them.
    desktop_page.goto(site_url(live_server, pharmacy, f"/admin/rdv_agenda/?jour={day}&annules=1"))
    row = desktop_page.locator("tr", has_text=reference)
    assert "Annulé" in row.inner_text()
    assert "Paul Durand" in row.inner_text()
    screenshot(desktop_page, "admin-agenda-desktop")


def test_english_patient_books_through_an_english_calendar(browser, live_server, e2e_pharmacies):
    """The calendar's texts come from the JavaScript catalog, loaded under the site's strict CSP."""
    _a, pharmacy = e2e_pharmacies
    seed_rdv_demo(pharmacy)
    context = browser.new_context(**PHONE, locale="en-GB")
    page = context.new_page()
    csp_violations = []
    page.on(
        "console",
        lambda message: (
            csp_violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.goto(site_url(live_server, pharmacy, "/rendez-vous/"))
    page.get_by_label("Vaccination antigrippale").check()
    page.get_by_role("button", name="See availability").click()
    calendar = page.locator("[data-rdv-calendar]")
    days = calendar.locator(".rdv-month-table button.rdv-cell-open")
    days.first.wait_for()
    assert calendar.locator("h3").first.inner_text() == "2. Choose a day"
    assert calendar.locator(".rdv-month-table").first.locator("th").all_inner_texts() == [
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
    ]
    assert "Greyed days cannot be booked" in calendar.locator(".rdv-legend").inner_text()
    day_label = days.first.get_attribute("aria-label")
    assert day_label.endswith(("free slot", "free slots")) and "créneau" not in day_label
    days.first.click()
    times = calendar.locator(".rdv-times-box button.rdv-time")
    times.first.wait_for()
    assert calendar.locator(".rdv-times-box h3").inner_text().endswith(": choose a time")
    times.first.click()
    summary = page.locator("form.rdv-details [data-rdv-summary]").inner_text()
    assert summary.startswith("Vaccination antigrippale · ") and " at " in summary
    details = page.locator("form.rdv-details")
    details.locator("[name=first_name]").fill("Jane")
    details.locator("[name=last_name]").fill("Smith")
    details.locator("[name=phone]").fill("06 11 22 33 44")
    details.locator("[name=email]").fill("jane.smith@example.org")
    details.locator("input[name=notify_by][value=email]").check()
    details.locator("input[name=consent]").check()
    page.get_by_role("button", name="Confirm the appointment").click()
    page.wait_for_selector(".rdv-reference")
    context.close()

    assert csp_violations == []
    booking = Booking.objects.get(email="jane.smith@example.org")
    assert booking.language == "en"
    [email] = [m for m in mail.outbox if m.to == ["jane.smith@example.org"]]
    assert email.subject.startswith("Appointment confirmed on ")


def test_a_full_day_offers_the_waiting_list_on_phone_and_desktop(
    browser, live_server, e2e_pharmacies
):
    """A greyed "complet" day leads to the waiting-list form, which passes axe on both sizes."""
    _a, pharmacy = e2e_pharmacies
    seed_rdv_demo(pharmacy)
    service = pharmacy.services.get(name="Vaccination antigrippale")
    service.max_per_day = 1
    service.save()
    first_day, _last = availability.booking_window(service)
    open_day = next(
        info.day
        for info in availability.calendar_days(service, first_day, first_day + timedelta(days=14))
        if info.bookable
    )
    start = availability.free_slots(service, open_day, open_day)[0].start
    operations.create_booking(
        service=service, start=start, first_name="Paul", last_name="Premier", email="p@example.fr"
    )
    for name, device in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(**device, locale="fr-FR", bypass_csp=True)
        page = context.new_page()
        page.goto(site_url(live_server, pharmacy, "/rendez-vous/"))
        page.get_by_label("Vaccination antigrippale").check()
        page.get_by_role("button", name="Voir les disponibilités").click()
        full = page.locator(f'a.rdv-cell-waitlist[data-day="{open_day.isoformat()}"]')
        full.wait_for()
        assert "complet" in full.inner_text()
        assert run_axe(page) == []  # the calendar with its greyed reasons
        screenshot(page, f"rendez-vous-calendrier-complet-{name}")
        full.click()
        form = page.locator("form.rdv-waitlist")
        form.wait_for()
        assert run_axe(page) == []
        screenshot(page, f"rendez-vous-liste-attente-{name}")
        form.locator("[name=first_name]").fill("Jeanne")
        form.locator("[name=last_name]").fill(f"Attente {name}")
        form.locator("[name=phone]").fill("06 12 34 56 78")
        form.locator("[name=email]").fill("jeanne@example.fr")
        form.locator("input[name=notify_by][value=email]").check()
        form.locator("input[name=consent]").check()
        page.get_by_role("button", name="M'inscrire sur la liste d'attente").click()
        page.wait_for_selector(".rdv-reference")
        assert run_axe(page) == []
        context.close()
    assert WaitlistEntry.objects.filter(service=service, day=open_day).count() == 2
