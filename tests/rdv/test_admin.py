"""The pharmacist's side: agenda, phone booking, actions; another pharmacy's objects are 404."""

from datetime import datetime

import pytest
from django.core import mail
from django.urls import reverse

from rdv import booking as operations
from rdv.models import Booking, BookingStatus

from .conftest import PARIS

pytestmark = pytest.mark.django_db

TUESDAY_9H = datetime(2026, 3, 10, 9, 0, tzinfo=PARIS)


@pytest.fixture
def booking_a(service_a, frozen_now):
    made, _ = operations.create_booking(
        service=service_a,
        start=TUESDAY_9H,
        first_name="Jeanne",
        last_name="Dupont",
        phone="+33612345678",
        email="jeanne@example.fr",
    )
    return made


def agenda(client, **params):
    return client.get(reverse("rdv_agenda:agenda"), params)


def test_agenda_day_and_week_show_own_bookings(admin_client_a, admin_client_b, booking_a):
    day = agenda(admin_client_a, jour="2026-03-10")
    assert day.status_code == 200
    assert "Jeanne Dupont" in day.content.decode() and booking_a.reference in day.content.decode()
    week = agenda(admin_client_a, jour="2026-03-12", vue="semaine")
    assert "Jeanne Dupont" in week.content.decode() and "lundi 9 mars" in week.content.decode()
    other = agenda(admin_client_b, jour="2026-03-10", vue="semaine")
    assert other.status_code == 200 and "Jeanne Dupont" not in other.content.decode()


@pytest.mark.parametrize("vue", ["jour", "semaine"])
@pytest.mark.parametrize("jour", ["9999-12-31", "0001-01-01", "1900-01-01", "2999-06-30"])
def test_agenda_at_the_ends_of_the_calendar_is_a_page_not_a_500(
    admin_client_a, booking_a, vue, jour
):
    """Regression: `?jour=9999-12-31` overflowed the day-after arithmetic (issue 13)."""
    response = agenda(admin_client_a, jour=jour, vue=vue)
    assert response.status_code == 200
    assert "Jeanne Dupont" not in response.content.decode()  # clamped far from Tuesday 10 March


@pytest.mark.parametrize("jour", ["", "demain", "2026-02-30", "10/03/2026", "\x00"])
def test_agenda_without_a_usable_day_shows_this_week(admin_client_a, booking_a, jour):
    response = agenda(admin_client_a, jour=jour, vue="semaine")
    assert response.status_code == 200
    assert "Jeanne Dupont" in response.content.decode()  # Tuesday, in the frozen Monday's week


@pytest.mark.parametrize(
    "params",
    [{"start_after": "0001-01-01"}, {"start_before": "9999-12-31"}, {"start_after": "garbage"}],
)
def test_bookings_listing_date_filter_at_the_ends_of_the_calendar(
    admin_client_a, booking_a, params
):
    response = admin_client_a.get(reverse("rdv_bookings:index"), params)
    assert response.status_code == 200
    assert booking_a.reference in response.content.decode()


def test_staff_of_b_get_404_on_a_objects(admin_client_b, booking_a, service_a):
    assert agenda(admin_client_b, jour="2026-03-10", service=service_a.pk).status_code == 404
    for name in ("rdv_bookings:inspect", "rdv_bookings:edit"):
        assert admin_client_b.get(reverse(name, args=[booking_a.pk])).status_code == 404
    for name in ("rdv_services:edit", "rdv_services:delete"):
        assert admin_client_b.get(reverse(name, args=[service_a.pk])).status_code == 404
    cancel = reverse("rdv_agenda:action", args=[booking_a.pk, "annuler"])
    assert admin_client_b.post(cancel).status_code == 404
    listing = admin_client_b.get(reverse("rdv_bookings:index"))
    assert listing.status_code == 200 and booking_a.reference not in listing.content.decode()
    services = admin_client_b.get(reverse("rdv_services:index"))
    assert services.status_code == 200
    booking_a.refresh_from_db()
    assert booking_a.status == BookingStatus.BOOKED


def test_staff_of_a_list_inspect_and_services(admin_client_a, booking_a, service_a):
    listing = admin_client_a.get(reverse("rdv_bookings:index"))
    assert booking_a.reference in listing.content.decode()
    filtered = admin_client_a.get(reverse("rdv_bookings:index"), {"status": "cancelled"})
    assert booking_a.reference not in filtered.content.decode()
    assert (
        admin_client_a.get(reverse("rdv_bookings:inspect", args=[booking_a.pk])).status_code == 200
    )
    assert admin_client_a.get(reverse("rdv_services:edit", args=[service_a.pk])).status_code == 200
    add = admin_client_a.get(reverse("rdv_bookings:add"))
    assert add.status_code == 302 and add["Location"] == reverse("rdv_agenda:phone_booking")


def test_cancel_done_and_no_show_from_the_agenda(
    admin_client_a, booking_a, service_a, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_a.post(reverse("rdv_agenda:action", args=[booking_a.pk, "annuler"]))
    assert response.status_code == 302
    booking_a.refresh_from_db()
    assert booking_a.status == BookingStatus.CANCELLED
    assert [m.to for m in mail.outbox] == [["jeanne@example.fr"]]  # not the pharmacy itself
    assert "annuler votre rendez-vous" in mail.outbox[0].body

    other, _ = operations.create_booking(
        service=service_a,
        start=TUESDAY_9H,
        first_name="Paul",
        last_name="Martin",
        phone="+33612345679",
    )
    admin_client_a.post(reverse("rdv_agenda:action", args=[other.pk, "absent"]))
    other.refresh_from_db()
    assert other.status == BookingStatus.NO_SHOW
    assert list(other.changes.values_list("action", flat=True)) == ["created", "no_show"]


def test_phone_booking_uses_the_same_seats(admin_client_a, booking_a, service_a):
    url = reverse("rdv_agenda:phone_booking")
    form = {
        "service": service_a.pk,
        "start": "2026-03-10T09:00",
        "first_name": "Paul",
        "last_name": "Martin",
        "phone": "06 12 34 56 79",
        "email": "",
        "notify_by": "sms",
    }
    taken = admin_client_a.post(url, form)
    assert taken.status_code == 200
    assert "vient d" in taken.content.decode()
    assert Booking.objects.count() == 1
    done = admin_client_a.post(url, {**form, "start": "2026-03-10T09:10"})
    assert done.status_code == 302
    made = Booking.objects.get(first_name="Paul")
    assert made.booked_by_staff and made.start == datetime(2026, 3, 10, 9, 10, tzinfo=PARIS)


@pytest.mark.parametrize("start", ["0001-01-01T00:00", "9999-12-31T23:50", "31/12/9999 23:50"])
def test_phone_booking_at_the_ends_of_the_calendar_is_refused_on_the_form(
    admin_client_a, service_a, frozen_now, start
):
    response = admin_client_a.post(
        reverse("rdv_agenda:phone_booking"),
        {
            "service": service_a.pk,
            "start": start,
            "first_name": "Paul",
            "last_name": "Martin",
            "phone": "06 12 34 56 79",
            "notify_by": "sms",
        },
    )
    assert response.status_code == 200
    assert "Cette date n&#x27;est pas valide" in response.content.decode()
    assert Booking.objects.count() == 0


def test_phone_booking_cannot_use_another_pharmacy_service(admin_client_b, service_a, frozen_now):
    response = admin_client_b.post(
        reverse("rdv_agenda:phone_booking"),
        {
            "service": service_a.pk,
            "start": "2026-03-10T09:00",
            "first_name": "X",
            "last_name": "Y",
            "phone": "06 12 34 56 79",
            "notify_by": "sms",
        },
    )
    assert response.status_code == 200
    assert Booking.objects.count() == 0


def test_dashboard_panel_lists_today(admin_client_a, admin_client_b, service_a, frozen_now):
    operations.create_booking(
        service=service_a,
        start=datetime(2026, 3, 9, 15, 0, tzinfo=PARIS),
        first_name="Léa",
        last_name="Petit",
        phone="+33612345678",
    )
    assert "Léa Petit" in admin_client_a.get(reverse("wagtailadmin_home")).content.decode()
    assert "Léa Petit" not in admin_client_b.get(reverse("wagtailadmin_home")).content.decode()


def test_demo_seed_and_default_page_are_idempotent(pharmacy_a):
    from rdv.provisioning import default_pages, seed_demo

    seed_demo(pharmacy_a)
    seed_demo(pharmacy_a)
    names = list(pharmacy_a.services.values_list("name", flat=True))
    assert len(names) == len(set(names)) >= 8
    assert "Vaccination antigrippale" in names
    workshop = pharmacy_a.services.get(slug="atelier-soin-de-la-peau")
    assert workshop.capacity == 6 and workshop.hours.count() == 2
    home = pharmacy_a.site.root_page.specific
    assert default_pages(home) == []


def test_closures_menu_opens_own_pharmacy(admin_client_a, pharmacy_a, pharmacy_b):
    from django.urls import reverse

    response = admin_client_a.get(reverse("rdv_closures:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("pharmacies_hours")
    assert pharmacy_a.name in admin_client_a.get(response["Location"]).content.decode()
    menu = admin_client_a.get(reverse("wagtailadmin_home")).content.decode()
    assert "Fermetures et horaires" in menu
