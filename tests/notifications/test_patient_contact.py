"""One patient contact for prescriptions and bookings: the channels rule, the forms, the references."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from cms.models import ContentPage
from notifications import sms
from notifications.models import NotifyBy, OutboxMessage
from ordonnances import services as prescriptions
from ordonnances.models import Prescription, Status
from rdv import booking as bookings
from rdv.models import Booking, Service

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
# Monday 9 March 2026, 8:00 in Paris: the pharmacies open at 9h.
NOW = datetime(2026, 3, 9, 8, 0, tzinfo=PARIS)
TUESDAY_9H = datetime(2026, 3, 10, 9, 0, tzinfo=PARIS)
MOBILE, LANDLINE, EMAIL = "+33612345678", "+33123456789", "jeanne@example.fr"
REFERENCE_CHARACTERS = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def vaccination(pharmacy):
    return Service.objects.get_or_create(
        pharmacy=pharmacy,
        slug="vaccination",
        defaults={
            "name": "Vaccination",
            "category": "vaccination",
            "duration_minutes": 10,
            "min_notice_hours": 0,
        },
    )[0]


def new_prescription(pharmacy, **contact):
    return Prescription.objects.create(
        pharmacy=pharmacy, first_name="Jeanne", last_name="Martin", **contact
    )


def new_booking(pharmacy, **contact):
    return Booking.objects.create(
        pharmacy=pharmacy,
        service=vaccination(pharmacy),
        start=TUESDAY_9H,
        end=TUESDAY_9H,
        first_name="Jeanne",
        last_name="Martin",
        **contact,
    )


MAKERS = pytest.mark.parametrize("make", [new_prescription, new_booking], ids=["ord", "rdv"])


def switch(pharmacy, *, sms_on=True, email_on=True):
    pharmacy.sms_enabled, pharmacy.email_enabled = sms_on, email_on
    pharmacy.save()


# --- the channels rule, the same for both records ------------------------------------------------


@MAKERS
@pytest.mark.parametrize(
    "sms_on, email_on, notify_by, contact, expected",
    [
        (True, True, "both", {"phone": MOBILE, "email": EMAIL}, {"sms", "email"}),
        (False, True, "both", {"phone": MOBILE, "email": EMAIL}, {"email"}),
        (True, False, "both", {"phone": MOBILE, "email": EMAIL}, {"sms"}),
        (False, False, "both", {"phone": MOBILE, "email": EMAIL}, set()),
        (False, True, "sms", {"phone": MOBILE, "email": EMAIL}, set()),
        (True, True, "sms", {"phone": LANDLINE, "email": EMAIL}, set()),
        (True, True, "sms", {"phone": "06 12 34 56 78"}, {"sms"}),
        (True, True, "email", {"phone": MOBILE, "email": ""}, set()),
        (True, True, "", {"phone": MOBILE, "email": EMAIL}, set()),
    ],
)
def test_a_channel_needs_the_choice_the_contact_and_the_pharmacy_switch(
    pharmacy_a, make, sms_on, email_on, notify_by, contact, expected
):
    switch(pharmacy_a, sms_on=sms_on, email_on=email_on)
    assert make(pharmacy_a, notify_by=notify_by, **contact).channels == expected


def test_booking_with_sms_switched_off_is_confirmed_by_email_only(
    pharmacy_a, frozen_now, django_capture_on_commit_callbacks
):
    switch(pharmacy_a, sms_on=False)
    with django_capture_on_commit_callbacks(execute=True):
        made, _ = bookings.create_booking(
            service=vaccination(pharmacy_a),
            start=TUESDAY_9H,
            first_name="Jeanne",
            last_name="Martin",
            phone=MOBILE,
            email=EMAIL,
            notify_by=NotifyBy.BOTH,
        )
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    assert sms.outbox == []
    assert set(OutboxMessage.objects.values_list("channel", flat=True)) == {"email"}


def test_booking_that_chose_email_without_an_address_gets_no_sms(
    pharmacy_a, frozen_now, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        bookings.create_booking(
            service=vaccination(pharmacy_a),
            start=TUESDAY_9H,
            first_name="Jeanne",
            last_name="Martin",
            phone=MOBILE,
            notify_by=NotifyBy.EMAIL,
        )
    assert mail.outbox == [] and sms.outbox == []


def test_prescription_ready_with_email_switched_off_is_told_by_sms_only(
    pharmacy_a, django_capture_on_commit_callbacks
):
    prescription = new_prescription(pharmacy_a, phone=MOBILE, email=EMAIL, notify_by="both")
    switch(pharmacy_a, email_on=False)
    with django_capture_on_commit_callbacks(execute=True):
        prescriptions.change_status(prescription, Status.READY)
    assert [m.to for m in sms.outbox] == [MOBILE]
    assert mail.outbox == []


# --- references -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, prefix", [(new_prescription, "ORD-"), (new_booking, "RDV-")], ids=["ord", "rdv"]
)
def test_references_keep_each_features_format(pharmacy_a, make, prefix):
    references = {make(pharmacy_a).reference for _ in range(5)}
    assert len(references) == 5
    for reference in references:
        assert re.fullmatch(rf"{prefix}[{REFERENCE_CHARACTERS}]{{6}}", reference), reference


def test_an_existing_reference_is_kept_when_saved_again(pharmacy_a):
    booking = new_booking(pharmacy_a, reference="RDV-ABC234")
    booking.comment = "Rappeler la veille"
    booking.save()
    assert Booking.objects.get(pk=booking.pk).reference == "RDV-ABC234"


# --- the forms ------------------------------------------------------------------------------------


def radio_values(html: str) -> list[str]:
    return re.findall(r'<input type="radio" name="notify_by" value="([^"]*)"', html)


def page_html(client, pharmacy, slug):
    page = ContentPage.objects.child_of(pharmacy.site.root_page).get(slug=slug)
    return client.get(page.url).content.decode()


def booking_details_html(client, pharmacy):
    """The booking block at its last step (the details form), as a browser without JS gets it."""
    from cms.public_forms import feature_url

    page = ContentPage.objects.child_of(pharmacy.site.root_page).get(slug="rendez-vous")
    block_id = next(b.id for b in page.body if b.block_type == "appointment_booking")
    url = feature_url(page, "rdv", "steps")
    query = {
        "block": block_id,
        "service": vaccination(pharmacy).pk,
        "start": TUESDAY_9H.isoformat(),
    }
    return client.get(url, query).content.decode()


def test_both_public_forms_and_the_phone_form_offer_the_same_choices_in_the_same_order(
    client_a, admin_client_a, pharmacy_a, frozen_now
):
    prescription_form = radio_values(page_html(client_a, pharmacy_a, "ordonnance"))
    booking_form = radio_values(booking_details_html(client_a, pharmacy_a))
    phone_form = radio_values(
        admin_client_a.get(reverse("rdv_agenda:phone_booking")).content.decode()
    )
    assert prescription_form == booking_form == phone_form == ["sms", "email", "both"]


def test_with_sms_switched_off_both_public_forms_only_offer_email(client_a, pharmacy_a, frozen_now):
    switch(pharmacy_a, sms_on=False)
    for html in (
        page_html(client_a, pharmacy_a, "ordonnance"),
        booking_details_html(client_a, pharmacy_a),
    ):
        assert radio_values(html) == []
        assert re.search(r'<input type="hidden" name="notify_by" value="email"', html)


def test_phone_booking_refuses_a_channel_the_pharmacy_switched_off(
    admin_client_a, pharmacy_a, frozen_now
):
    switch(pharmacy_a, sms_on=False)
    response = admin_client_a.post(
        reverse("rdv_agenda:phone_booking"),
        {
            "service": vaccination(pharmacy_a).pk,
            "start": "2026-03-10T09:00",
            "first_name": "Paul",
            "last_name": "Martin",
            "phone": "06 12 34 56 79",
            "notify_by": "sms",
        },
    )
    assert response.status_code == 200
    assert "La pharmacie n&#x27;envoie pas ce type de message" in response.content.decode()
    assert not Booking.objects.exists()


def test_staff_editing_a_booking_get_the_phone_stored_as_e164(
    admin_client_a, pharmacy_a, frozen_now
):
    booking = new_booking(pharmacy_a, phone=MOBILE, notify_by="sms")
    url = reverse("rdv_bookings:edit", args=[booking.pk])
    form = {
        "first_name": "Jeanne",
        "last_name": "Martin",
        "email": "",
        "notify_by": "sms",
        "comment": "",
    }
    refused = admin_client_a.post(url, {**form, "phone": "12345"})
    assert refused.status_code == 200
    assert "Ce numéro de téléphone n&#x27;est pas valide" in refused.content.decode()
    admin_client_a.post(url, {**form, "phone": "07 98 76 54 32"})
    booking.refresh_from_db()
    assert booking.phone == "+33798765432"


def test_admin_lists_show_the_patients_full_name(admin_client_a, pharmacy_a, frozen_now):
    new_booking(pharmacy_a, phone=MOBILE)
    new_prescription(pharmacy_a, phone=MOBILE)
    for name in ("rdv_bookings:index", "prescriptions:index"):
        assert "Jeanne Martin" in admin_client_a.get(reverse(name)).content.decode(), name


def test_booking_inspect_leaves_out_what_bookings_do_not_ask(
    admin_client_a, pharmacy_a, frozen_now
):
    booking = new_booking(pharmacy_a, phone=MOBILE)
    html = admin_client_a.get(reverse("rdv_bookings:inspect", args=[booking.pk])).content.decode()
    assert "Jeanne" in html and booking.reference in html
    assert "Date de naissance" not in html
    assert booking.secret not in html
