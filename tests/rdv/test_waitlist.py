"""The waiting list of a full day: join it from the calendar, be told first when a seat frees up,
take it by the link (first come, first served), and be forgotten once the day is over."""

import re
from datetime import date, datetime
from html import unescape

import pytest
from django.core import mail
from django.utils import timezone

from cms.public_forms import feature_url
from notifications import sms
from pharmacies import gdpr
from rdv import booking as operations
from rdv import waitlist
from rdv.models import Booking, BookingStatus, WaitlistEntry, WaitlistStatus

from .conftest import PARIS, block_id_of, hidden_value, make_service

pytestmark = pytest.mark.django_db

TUESDAY_10H = datetime(2026, 3, 10, 10, 0, tzinfo=PARIS)
TUESDAY = date(2026, 3, 10)


@pytest.fixture
def one_a_day(pharmacy_a):
    """One seat a day: the booking below makes Tuesday full."""
    pharmacy_a.sms_enabled = True
    pharmacy_a.save()
    return make_service(pharmacy_a, name="Entretien", slug="entretien", max_per_day=1)


def book(service, start=TUESDAY_10H, **fields):
    values = {"first_name": "Paul", "last_name": "Premier", "email": "paul@example.fr"}
    values.update(fields)
    made, _created = operations.create_booking(service=service, start=start, **values)
    return made


def join(service, name, **fields):
    values = {"first_name": name, "last_name": name, "email": f"{name.lower()}@example.fr"}
    values.update(fields)
    return waitlist.join(service=service, day=TUESDAY, **values)[0]


def test_a_full_day_leads_to_the_waiting_list_form_and_the_patient_joins(
    client_a, page_a, one_a_day, frozen_now
):
    book(one_a_day)
    steps = feature_url(page_a, "rdv", "steps")
    block = block_id_of(page_a)
    calendar = client_a.get(steps, {"block": block, "service": one_a_day.pk}).content.decode()
    link = re.search(
        r'<a class="[^"]*rdv-cell-waitlist" href="([^"]+)" data-day="2026-03-10"', calendar
    )
    assert link, "the full Tuesday offers the waiting list"
    form_page = client_a.get(unescape(link.group(1)).split("#")[0]).content.decode()
    assert "Liste d&#x27;attente" in form_page or "Liste d'attente" in form_page
    assert "mardi 10 mars" in form_page

    response = client_a.post(
        feature_url(page_a, "rdv", "waitlist"),
        {
            "block": block,
            "form_token": hidden_value(form_page, "form_token"),
            "service": str(one_a_day.pk),
            "day": "2026-03-10",
            "first_name": "Jeanne",
            "last_name": "Dupont",
            "phone": "06 12 34 56 78",
            "email": "",
            "notify_by": "sms",
            "consent": "on",
        },
    )
    assert response.status_code == 303
    entry = WaitlistEntry.objects.get()
    assert (entry.service, entry.day, entry.phone) == (one_a_day, TUESDAY, "+33612345678")
    landing = client_a.get(response["Location"]).content.decode()
    assert entry.reference in landing and "vous recevrez un SMS avec un lien" in landing


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"day": "2026-03-11"}, "Il reste des créneaux libres ce jour-là"),
        ({"day": "2026-03-15"}, "La liste d'attente n'est ouverte que pour un jour complet."),
        ({"consent": ""}, "Votre accord est nécessaire pour vous inscrire."),
        ({"phone": "01 23"}, "Ce numéro de téléphone n'est pas valide"),
    ],
)
def test_waitlist_form_errors_are_french_and_keep_what_was_typed(
    client_a, page_a, one_a_day, frozen_now, fields, message
):
    book(one_a_day)
    block = block_id_of(page_a)
    form_page = client_a.get(
        feature_url(page_a, "rdv", "steps"),
        {"block": block, "service": one_a_day.pk, "attente": "2026-03-10"},
    ).content.decode()
    data = {
        "block": block,
        "form_token": hidden_value(form_page, "form_token"),
        "service": str(one_a_day.pk),
        "day": "2026-03-10",
        "first_name": "Jeanne",
        "last_name": "Dupont",
        "phone": "06 12 34 56 78",
        "notify_by": "email",
        "email": "jeanne@example.fr",
        "consent": "on",
    }
    data.update(fields)
    response = client_a.post(feature_url(page_a, "rdv", "waitlist"), data)
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert message in html and 'value="Dupont"' in html
    assert not WaitlistEntry.objects.exists()


def test_waitlist_form_refuses_another_pharmacys_service(
    client_a, page_a, one_a_day, pharmacy_b, frozen_now
):
    foreign = make_service(pharmacy_b, max_per_day=1)
    book(foreign)
    block = block_id_of(page_a)
    form_page = client_a.get(page_a.url).content.decode()
    response = client_a.post(
        feature_url(page_a, "rdv", "waitlist"),
        {
            "block": block,
            "form_token": hidden_value(form_page, "form_token"),
            "service": str(foreign.pk),
            "day": "2026-03-10",
            "first_name": "Intrus",
            "last_name": "Intrus",
            "phone": "06 12 34 56 78",
            "notify_by": "email",
            "email": "intrus@example.fr",
            "consent": "on",
        },
    )
    assert response.status_code == 200
    assert "Cette prestation n&#x27;existe pas" in response.content.decode()
    assert not WaitlistEntry.objects.exists()


def test_a_cancellation_tells_the_first_waiting_patient_only(
    client_a, one_a_day, frozen_now, django_capture_on_commit_callbacks
):
    taken = book(one_a_day)
    first = join(one_a_day, "Alice", phone="+33611111111", notify_by="sms")
    second = join(one_a_day, "Bruno")
    assert join(one_a_day, "Alice", phone="+33611111111", notify_by="sms") == first  # no double
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        operations.cancel_booking(taken, by_patient=True)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == WaitlistStatus.OFFERED and first.offered_start == TUESDAY_10H
    assert second.status == WaitlistStatus.WAITING
    assert [m.to for m in sms.outbox] == ["+33611111111"] or [m.to for m in sms.outbox] == [
        ["+33611111111"]
    ]
    body = sms.outbox[0].body
    assert "une place s'est libérée le 10/03 à 10:00" in body
    assert waitlist.take_url(first) in body
    assert not [m for m in mail.outbox if "bruno@example.fr" in m.to]


def test_the_link_books_the_freed_seat_once(
    client_a, one_a_day, frozen_now, django_capture_on_commit_callbacks
):
    taken = book(one_a_day)
    entry = join(one_a_day, "Alice")
    with django_capture_on_commit_callbacks(execute=True):
        operations.cancel_booking(taken, by_patient=False)
    entry.refresh_from_db()
    link = waitlist.take_path(entry)
    page = client_a.get(link).content.decode()
    assert "Prendre ce rendez-vous" in page and "mardi 10 mars 2026 à 10h" in page
    assert not Booking.objects.filter(status=BookingStatus.BOOKED).exists()  # not on a GET
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(link)
    assert response.status_code == 303
    made = Booking.objects.get(status=BookingStatus.BOOKED)
    assert (made.last_name, made.start, made.email) == ("Alice", TUESDAY_10H, "alice@example.fr")
    assert "La place libérée est à vous" in client_a.get(response["Location"]).content.decode()
    again = client_a.post(link)
    assert again.status_code == 303 and Booking.objects.filter(status="booked").count() == 1
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.BOOKED and entry.booking == made


def test_someone_quicker_took_it_and_the_patient_is_told_in_french(
    client_a, one_a_day, frozen_now, django_capture_on_commit_callbacks
):
    taken = book(one_a_day)
    entry = join(one_a_day, "Alice")
    with django_capture_on_commit_callbacks(execute=True):
        operations.cancel_booking(taken, by_patient=False)
    book(one_a_day, first_name="Rapide", last_name="Rapide", email="r@example.fr")
    entry.refresh_from_db()
    for response in (
        client_a.get(waitlist.take_path(entry)),
        client_a.post(waitlist.take_path(entry)),
    ):
        html = unescape(response.content.decode())
        assert response.status_code == 200
        assert "cette place a déjà été prise par un autre patient" in html
        assert "Voir les créneaux libres" in html and "attente" not in response.get("Location", "")
    assert not Booking.objects.filter(last_name="Alice").exists()


def test_unknown_or_foreign_links_are_not_found(client_a, client_b, one_a_day, frozen_now):
    entry = join(one_a_day, "Alice")
    token = waitlist.token(entry)
    for path in (
        f"/rdv/attente/{token}x/",
        "/rdv/attente/1-AAAAAAAAAAAAAAAAAAAA/",
        "/rdv/attente/n/",
    ):
        assert client_a.get(path).status_code == 404
    assert client_b.get(waitlist.take_path(entry)).status_code == 404
    waiting = client_a.get(waitlist.take_path(entry)).content.decode()
    assert "Aucune place ne s" in unescape(waiting)


def test_entries_are_deleted_once_their_day_is_over(one_a_day, frozen_now):
    from config.celery import app

    join(one_a_day, "Alice")
    assert waitlist.purge_past(today=TUESDAY) == 0
    assert waitlist.purge_past(today=date(2026, 3, 11)) == 1
    assert not WaitlistEntry.objects.exists()
    assert app.conf.beat_schedule["rdv-purge-waitlist"]["task"] == "rdv.purge_waitlist"


def test_gdpr_export_and_erasure_include_the_waiting_list(one_a_day, pharmacy_a, frozen_now):
    entry = join(one_a_day, "Alice", phone="+33611111111")
    other = join(one_a_day, "Bruno")
    found = gdpr.find_patient_records(pharmacy_a, "alice@example.fr", None)
    assert entry.reference in " ".join(ref for part in found.parts for ref in part.references())
    counts = gdpr.erase_patient_data(pharmacy_a, "alice@example.fr", None)
    assert counts["waitlist"] == 1
    assert list(WaitlistEntry.objects.all()) == [other]
    assert gdpr.find_patient_records(pharmacy_a, "alice@example.fr", None).is_empty
    export = gdpr.collect_patient_data(pharmacy_a, "bruno@example.fr", None)
    assert [row["reference"] for row in export["bookings"]] == [other.reference]
    assert timezone.localdate() == date(2026, 3, 9)


def test_the_pharmacist_reads_the_waiting_list_in_french(
    admin_client_a, one_a_day, pharmacy_b, frozen_now
):
    from django.urls import reverse

    join(one_a_day, "Alice", phone="+33612345678")
    foreign = make_service(pharmacy_b, max_per_day=1)
    waitlist.join(
        service=foreign, day=TUESDAY, first_name="Zoé", last_name="Ailleurs", email="z@b.fr"
    )
    html = admin_client_a.get(reverse("rdv_waitlist:index")).content.decode()
    assert "Alice Alice" in html and "06 12 34 56 78" in html and "En attente" in html
    assert "+33612345678" not in html and "Ailleurs" not in html
    added = admin_client_a.get(reverse("rdv_waitlist:add"))
    assert added.status_code == 302 and added["Location"] == reverse("rdv_waitlist:index")
