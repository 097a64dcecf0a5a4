"""Every public form offers the notification choices in the one shared order, and every
confirmation names the channel the patient chose instead of a vague "SMS ou e-mail"."""

import re

import pytest

from collect.forms import ReservationForm
from ordonnances.forms import PrescriptionUploadForm
from rdv.forms import BookingForm
from tests.collect.conftest import PatientBrowser as CollectPatient
from tests.collect.conftest import offers, products  # noqa: F401  (fixtures)
from tests.ordonnances.conftest import PatientBrowser as PrescriptionPatient

pytestmark = pytest.mark.django_db

RADIO_RE = re.compile(r'<input type="radio" name="notify_by" value="([a-z]+)"')


def radio_order(form) -> list[str]:
    return RADIO_RE.findall(str(form["notify_by"]))


@pytest.fixture
def both_channels(pharmacy_a):
    pharmacy_a.sms_enabled = True
    pharmacy_a.email_enabled = True
    pharmacy_a.save()
    return pharmacy_a


def test_every_form_orders_the_choices_the_same_way(both_channels):
    orders = {
        "ordonnance": radio_order(PrescriptionUploadForm(pharmacy=both_channels)),
        "rendez-vous": radio_order(BookingForm(pharmacy=both_channels)),
        "click & collect": radio_order(ReservationForm(pharmacy=both_channels)),
    }
    assert orders["ordonnance"] == ["sms", "email", "both"]
    assert all(order == orders["ordonnance"] for order in orders.values()), orders


def test_prescription_form_shows_the_shared_order(both_channels, client_a):
    html, _token, _action = PrescriptionPatient(client_a, both_channels).open()
    assert RADIO_RE.findall(html) == ["sms", "email", "both"]


@pytest.mark.parametrize(
    ("notify_by", "expected", "absent"),
    [
        ("sms", "Nous vous préviendrons par SMS au 06 •• •• •• 78.", "e-mail à"),
        ("email", "Nous vous préviendrons par e-mail à j•••@example.fr.", "SMS au"),
        (
            "both",
            "Nous vous préviendrons par SMS au 06 •• •• •• 78 et par e-mail à j•••@example.fr.",
            "SMS ou e-mail",
        ),
    ],
)
def test_prescription_confirmation_names_the_channel(
    both_channels, client_a, notify_by, expected, absent
):
    response = PrescriptionPatient(client_a, both_channels).send(notify_by=notify_by)
    assert response.status_code == 303
    html = client_a.get(response["Location"]).content.decode()
    assert expected in html
    assert absent not in html and "SMS ou e-mail" not in html


def test_collect_confirmation_names_the_channel(both_channels, client_a, offers):  # noqa: F811
    offer = offers["a_toothpaste"]
    patient = CollectPatient(client_a, both_channels)
    response = patient.send([f"{offer.pk}:1"], notify_by="sms")
    assert response.status_code == 303, response.content.decode()[:2000]
    html = client_a.get(response["Location"]).content.decode()
    assert "Nous vous préviendrons par SMS au 06 •• •• •• 78." in html
