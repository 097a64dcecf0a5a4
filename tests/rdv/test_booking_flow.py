"""A patient books, gets the confirmation with a calendar file, is reminded, cancels: on two sites."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import icalendar
import pytest
import time_machine
from django.core import mail

from cms.public_forms import feature_url
from notifications import sms
from rdv import booking as operations
from rdv import links
from rdv.models import Booking, BookingStatus

from .conftest import PARIS, book_url, booking_form_data, make_service

pytestmark = pytest.mark.django_db

MONDAY_14H = datetime(2026, 3, 9, 14, 0, tzinfo=PARIS)


def slots_json(client, page, service, first="2026-03-09", last="2026-03-09"):
    url = feature_url(page, "rdv", "slots")
    return client.get(url, {"service": service.pk, "from": first, "to": last})


def post_booking(client, page, service, start, callbacks, **overrides):
    data = booking_form_data(client, page, service, start, **overrides)
    with callbacks(execute=True):
        return client.post(book_url(page), data)


def test_booking_confirmation_email_with_valid_ics(
    client_a, page_a, service_a, frozen_now, django_capture_on_commit_callbacks
):
    response = post_booking(
        client_a, page_a, service_a, MONDAY_14H, django_capture_on_commit_callbacks
    )

    assert response.status_code == 303
    booking = Booking.objects.get()
    assert booking.pharmacy == service_a.pharmacy
    assert booking.reference.startswith("RDV-") and len(booking.reference) == 10
    assert booking.phone == "+33612345678"
    page = client_a.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert booking.reference in html
    assert "lundi 9 mars 2026 à 14h" in html
    assert links.ics_path(booking) in html and links.manage_path(booking) in html

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["jeanne.dupont@example.fr"]
    assert "Rendez-vous confirmé" in message.subject
    assert booking.reference in message.body and links.manage_url(booking) in message.body
    name, content, mimetype = message.attachments[0]
    assert (name, mimetype) == ("rendez-vous.ics", "text/calendar")
    calendar = icalendar.Calendar.from_ical(content)
    event = calendar.walk("VEVENT")[0]
    assert str(event["UID"]).startswith(booking.reference)
    assert event.decoded("DTSTART") == MONDAY_14H.astimezone(UTC)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=10)
    assert service_a.pharmacy.street in str(event["LOCATION"])
    assert str(event["ORGANIZER"]) == f"mailto:{service_a.pharmacy.email}"
    assert "DTSTAMP" in event

    download = client_a.get(links.ics_path(booking))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/calendar")
    assert icalendar.Calendar.from_ical(download.content).walk("VEVENT")[0]["UID"] == event["UID"]


def test_sms_confirmation_has_no_health_detail(
    client_a, page_a, service_a, frozen_now, django_capture_on_commit_callbacks
):
    sms.outbox.clear()
    response = post_booking(
        client_a,
        page_a,
        service_a,
        MONDAY_14H,
        django_capture_on_commit_callbacks,
        notify_by="sms",
        email="",
    )
    assert response.status_code == 303
    assert len(sms.outbox) == 1 and sms.outbox[0].to == "+33612345678"
    assert "14:00" in sms.outbox[0].body and "Vaccination" not in sms.outbox[0].body
    assert mail.outbox == []


def test_double_post_creates_one_booking(
    client_a, page_a, service_a, frozen_now, django_capture_on_commit_callbacks
):
    data = booking_form_data(client_a, page_a, service_a, MONDAY_14H)
    with django_capture_on_commit_callbacks(execute=True):
        first = client_a.post(book_url(page_a), data)
        second = client_a.post(book_url(page_a), data)
    assert first.status_code == second.status_code == 303
    assert first["Location"] == second["Location"]
    assert Booking.objects.count() == 1
    assert len(mail.outbox) == 1


def test_slot_taken_shows_message_and_next_slots(
    client_a, page_a, service_a, frozen_now, django_capture_on_commit_callbacks
):
    post_booking(client_a, page_a, service_a, MONDAY_14H, django_capture_on_commit_callbacks)
    response = post_booking(
        client_a,
        page_a,
        service_a,
        MONDAY_14H,
        django_capture_on_commit_callbacks,
        first_name="Paul",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ce créneau vient d&#x27;être pris" in html or "Ce créneau vient d'être pris" in html
    assert 'value="2026-03-09T14:10:00+01:00"' in html  # the next free slot, offered as a choice
    assert 'value="Paul"' in html  # what was typed is kept
    assert Booking.objects.count() == 1


def test_reminder_sent_once_and_never_for_cancelled(
    pharmacy_a, service_a, django_capture_on_commit_callbacks
):
    tuesday = datetime(2026, 3, 10, 9, 0, tzinfo=PARIS)
    with time_machine.travel(datetime(2026, 3, 6, 10, 0, tzinfo=PARIS), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            kept, _ = operations.create_booking(
                service=service_a,
                start=tuesday,
                first_name="Jeanne",
                last_name="Dupont",
                phone="+33612345678",
                email="jeanne@example.fr",
            )
            dropped, _ = operations.create_booking(
                service=service_a,
                start=tuesday + timedelta(minutes=10),
                first_name="Paul",
                last_name="Martin",
                phone="+33612345679",
                email="paul@example.fr",
            )
            operations.cancel_booking(dropped, by_patient=False)
    mail.outbox.clear()
    with time_machine.travel(datetime(2026, 3, 9, 9, 30, tzinfo=PARIS), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert operations.send_due_reminders() == 1
            assert operations.send_due_reminders() == 0
        from rdv.tasks import send_reminders

        with django_capture_on_commit_callbacks(execute=True):
            send_reminders.delay()
    assert [m.to for m in mail.outbox] == [["jeanne@example.fr"]]
    assert "Rappel" in mail.outbox[0].subject
    kept.refresh_from_db()
    assert kept.reminder_sent_at is not None


def test_cancel_through_link_frees_the_slot_and_tells_the_pharmacy(
    client_a, page_a, service_a, frozen_now, django_capture_on_commit_callbacks
):
    post_booking(client_a, page_a, service_a, MONDAY_14H, django_capture_on_commit_callbacks)
    booking = Booking.objects.get()
    starts = [s["start"] for s in slots_json(client_a, page_a, service_a).json()]
    assert "2026-03-09T14:00:00+01:00" not in starts
    mail.outbox.clear()

    manage = links.manage_path(booking)
    assert "Annuler mon rendez-vous" in client_a.get(manage).content.decode()
    asked = client_a.get(manage, {"etape": "annuler"}).content.decode()
    assert "Confirmer l'annulation" in asked and "lundi 9 mars 2026 à 14h" in asked
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(manage, {"action": "cancel", "confirme": "oui"})
    assert response.status_code == 303
    assert "est annulé" in client_a.get(response["Location"]).content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    starts = [s["start"] for s in slots_json(client_a, page_a, service_a).json()]
    assert "2026-03-09T14:00:00+01:00" in starts
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted(["jeanne.dupont@example.fr", service_a.pharmacy.notification_email])
    to_pharmacy = next(m for m in mail.outbox if m.to[0] == service_a.pharmacy.notification_email)
    assert booking.reference in to_pharmacy.body and "Vaccination" not in to_pharmacy.body


def test_reschedule_through_link(
    client_a, page_a, service_a, frozen_now, django_capture_on_commit_callbacks
):
    post_booking(client_a, page_a, service_a, MONDAY_14H, django_capture_on_commit_callbacks)
    booking = Booking.objects.get()
    manage = links.manage_path(booking)
    day_page = client_a.get(manage, {"jour": "2026-03-10"}).content.decode()
    assert ">mardi 10 mars : choisissez un horaire</h3>" in day_page
    time_link = re.search(r'class="rdv-time" href="([^"]+)">9h<', day_page).group(1)
    asked = client_a.get(manage + unescape(time_link).split("#")[0])
    assert "Confirmer le déplacement" in asked.content.decode()
    assert "mardi 10 mars 2026 à 9h" in asked.content.decode()
    booking.refresh_from_db()
    assert booking.start == MONDAY_14H  # nothing moves before the patient confirms
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(
            manage,
            {"action": "move", "start": "2026-03-10T09:00:00+01:00", "confirme": "oui"},
        )
    assert response.status_code == 303
    booking.refresh_from_db()
    assert booking.start == datetime(2026, 3, 10, 9, 0, tzinfo=PARIS)
    assert mail.outbox[-1].subject.startswith("Rendez-vous déplacé")
    starts = [s["start"] for s in slots_json(client_a, page_a, service_a).json()]
    assert "2026-03-09T14:00:00+01:00" in starts


@pytest.mark.parametrize(
    ("jour", "shown"),
    [("9999-12-31", "mercredi 8 avril"), ("0001-01-01", "lundi 9 mars"), ("nimporte", None)],
)
def test_manage_link_with_a_day_out_of_reach(
    client_a, page_a, service_a, frozen_now, django_capture_on_commit_callbacks, jour, shown
):
    """The move form's day comes from the URL: out of reach shows the nearest bookable day."""
    post_booking(client_a, page_a, service_a, MONDAY_14H, django_capture_on_commit_callbacks)
    response = client_a.get(links.manage_path(Booking.objects.get()), {"jour": jour})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="?jour=2026-03-10#rdv-deplacer"' in html  # the calendar, keeping its place
    if shown is None:
        assert "choisissez un horaire" not in html
    else:
        assert f">{shown} : choisissez un horaire</h3>" in html


def test_cancel_refused_after_cutoff(
    client_a, page_a, service_a, django_capture_on_commit_callbacks
):
    with time_machine.travel(datetime(2026, 3, 9, 8, 0, tzinfo=PARIS), tick=False):
        post_booking(client_a, page_a, service_a, MONDAY_14H, django_capture_on_commit_callbacks)
    booking = Booking.objects.get()
    with time_machine.travel(datetime(2026, 3, 9, 12, 30, tzinfo=PARIS), tick=False):
        page = client_a.get(links.manage_path(booking)).content.decode()
        assert "Annuler mon rendez-vous" not in page
        response = client_a.post(
            links.manage_path(booking), {"action": "cancel", "confirme": "oui"}
        )
    assert response.status_code == 200
    assert "trop tard" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED


def test_tampered_or_foreign_token_refused(
    client_a, client_b, page_a, service_a, frozen_now, django_capture_on_commit_callbacks
):
    post_booking(client_a, page_a, service_a, MONDAY_14H, django_capture_on_commit_callbacks)
    booking = Booking.objects.get()
    token = links.manage_token(booking)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for path in (f"/rdv/gerer/{tampered}/", f"/rdv/gerer/{token}x/", "/rdv/gerer/n-importe-quoi/"):
        response = client_a.get(path)
        assert response.status_code == 404
        assert "Ce lien ne fonctionne pas" in response.content.decode()
        assert client_a.post(path, {"action": "cancel"}).status_code == 404
    # A valid link of pharmacy A opened on pharmacy B's site is not found either.
    assert client_b.get(links.manage_path(booking)).status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED


def test_second_pharmacy_books_independently(
    client_a,
    client_b,
    page_a,
    page_b,
    service_a,
    service_b,
    frozen_now,
    django_capture_on_commit_callbacks,
):
    post_booking(client_a, page_a, service_a, MONDAY_14H, django_capture_on_commit_callbacks)
    response = post_booking(
        client_b, page_b, service_b, MONDAY_14H, django_capture_on_commit_callbacks
    )
    assert response.status_code == 303
    assert Booking.objects.filter(pharmacy=service_b.pharmacy).count() == 1
    # Posting A's service on B's page is an unknown service there.
    response = post_booking(
        client_b, page_b, service_a, MONDAY_14H, django_capture_on_commit_callbacks
    )
    assert response.status_code == 200
    assert "Cette prestation n&#x27;existe pas" in response.content.decode()
    assert Booking.objects.count() == 2


def test_workshop_with_several_seats(
    client_a, page_a, pharmacy_a, frozen_now, django_capture_on_commit_callbacks
):
    workshop = make_service(
        pharmacy_a,
        name="Atelier soin de la peau",
        slug="atelier",
        category="atelier",
        duration_minutes=60,
        capacity=3,
    )
    for n in range(3):
        response = post_booking(
            client_a,
            page_a,
            workshop,
            MONDAY_14H,
            django_capture_on_commit_callbacks,
            first_name=f"Patient{n}",
        )
        assert response.status_code == 303
        remaining = {
            s["start"]: s["remaining"] for s in slots_json(client_a, page_a, workshop).json()
        }
        assert remaining.get("2026-03-09T14:00:00+01:00") == (2 - n if n < 2 else None)
    response = post_booking(
        client_a, page_a, workshop, MONDAY_14H, django_capture_on_commit_callbacks
    )
    assert "vient d" in response.content.decode()
    assert Booking.objects.filter(service=workshop).count() == 3


def test_booking_moved_after_its_reminder_gets_a_reminder_for_the_new_time(
    pharmacy_a, service_a, django_capture_on_commit_callbacks
):
    tuesday = datetime(2026, 3, 10, 9, 0, tzinfo=PARIS)
    with time_machine.travel(datetime(2026, 3, 6, 10, 0, tzinfo=PARIS), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            made, _ = operations.create_booking(
                service=service_a,
                start=tuesday,
                first_name="Jeanne",
                last_name="Dupont",
                phone="+33612345678",
                email="jeanne@example.fr",
            )
    with time_machine.travel(datetime(2026, 3, 9, 9, 30, tzinfo=PARIS), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert operations.send_due_reminders() == 1
            operations.move_booking(made, tuesday + timedelta(days=1), by_patient=True)
    mail.outbox.clear()
    with time_machine.travel(datetime(2026, 3, 10, 9, 30, tzinfo=PARIS), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert operations.send_due_reminders() == 1
    reminders = [m for m in mail.outbox if "Rappel" in m.subject]
    assert len(reminders) == 1 and reminders[0].to == ["jeanne@example.fr"]


def test_links_sent_before_the_short_form_still_work_and_secrets_do_not_cross(
    client_a, page_a, service_a, frozen_now, django_capture_on_commit_callbacks
):
    import base64

    from django.core import signing

    post_booking(client_a, page_a, service_a, MONDAY_14H, django_capture_on_commit_callbacks)
    post_booking(
        client_a,
        page_a,
        service_a,
        MONDAY_14H + timedelta(hours=1),
        django_capture_on_commit_callbacks,
    )
    first, second = Booking.objects.order_by("pk")
    signed = signing.dumps({"b": first.pk, "s": first.secret}, salt=links.SALT, compress=True)
    legacy = base64.urlsafe_b64encode(signed.encode()).decode().rstrip("=")
    page = client_a.get(f"/rdv/gerer/{legacy}/")
    assert page.status_code == 200 and first.reference in page.content.decode()
    assert len(links.manage_url(first)) < 70
    crossed = f"{second.pk}-{first.secret}"
    assert client_a.get(f"/rdv/gerer/{crossed}/").status_code == 404
    assert client_a.post(f"/rdv/gerer/{crossed}/", {"action": "cancel"}).status_code == 404
    second.refresh_from_db()
    assert second.status == BookingStatus.BOOKED


def test_manage_page_is_kept_by_no_cache_and_indexed_by_no_search_engine(
    client_a, page_a, service_a, frozen_now, django_capture_on_commit_callbacks
):
    post_booking(client_a, page_a, service_a, MONDAY_14H, django_capture_on_commit_callbacks)
    manage = links.manage_path(Booking.objects.get())
    shown = client_a.get(manage)
    refused = client_a.post(manage, {"action": "n-importe-quoi"})
    unknown = client_a.get("/rdv/gerer/n-importe-quoi/")
    assert [shown.status_code, refused.status_code, unknown.status_code] == [200, 200, 404]
    for response in (shown, refused, unknown):
        assert "no-store" in response["Cache-Control"]
        assert "noindex" in response["X-Robots-Tag"]
        assert response["Referrer-Policy"] == "no-referrer"
