"""Every public form gives the same answers (`cms.public_forms`): the prescription upload and the
booking, posted the way a patient's browser (or a bot) posts them."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import override_settings

from cms.public_forms import feature_url
from notifications import sms
from notifications.models import OutboxMessage
from ordonnances import kept
from ordonnances.models import Prescription
from rdv.models import Booking
from tests.ordonnances.conftest import (
    ACTION_RE,
    TOKEN_RE,
    empty_private_storage,  # noqa: F401 (autouse fixture)
    jpeg,
    stored_files,
    upload_page_of,
    valid_data,
)
from tests.rdv.conftest import (
    PARIS,
    booking_form_data,
    booking_page,
    frozen_now,  # noqa: F401 (fixture)
    make_service,
)

pytestmark = pytest.mark.django_db

MONDAY_14H = datetime(2026, 3, 9, 14, 0, tzinfo=PARIS)
MONDAY_14H10 = datetime(2026, 3, 9, 14, 10, tzinfo=PARIS)


class PrescriptionSender:
    """A patient sending a prescription from pharmacy A's upload page."""

    reference_prefix = "ORD-"
    typed_value = 'value="Martin"'
    invalid = {"first_name": ""}
    invalid_message = "Indiquez votre prénom."

    def __init__(self, client, pharmacy):
        self.client = client
        self.page = upload_page_of(pharmacy)

    def post(self, *, second=False, headers=None, **overrides):
        """`second`: another request from the same patient (a booking takes another slot)."""
        html = self.client.get(self.page.url).content.decode()
        data = valid_data(**overrides)
        data.setdefault("form_token", TOKEN_RE.search(html).group(1))
        data["files"] = [jpeg()]
        return self.client.post(ACTION_RE.search(html).group(1), data, **(headers or {}))

    def form_address(self):
        html = self.client.get(self.page.url).content.decode()
        return ACTION_RE.search(html).group(1)

    def stored(self) -> int:
        """Prescriptions and their files; photos kept for the patient's next try do not count
        (they are not a submission and go after an hour: tests/ordonnances/test_kept_files.py)."""
        files = [f for f in stored_files() if kept.FOLDER not in f.parts]
        return Prescription.objects.count() + len(files)


class BookingSender:
    """A patient booking a flu vaccination from pharmacy A's booking page."""

    reference_prefix = "RDV-"
    typed_value = 'value="Dupont"'
    invalid = {"first_name": ""}
    invalid_message = "Indiquez votre prénom."

    def __init__(self, client, pharmacy):
        self.client = client
        self.page = booking_page(pharmacy)
        self.service = make_service(pharmacy)

    def post(self, *, second=False, headers=None, **overrides):
        start = MONDAY_14H10 if second else MONDAY_14H
        data = booking_form_data(self.client, self.page, self.service, start, **overrides)
        return self.client.post(self.form_address(), data, **(headers or {}))

    def form_address(self):
        return feature_url(self.page, "rdv", "book")

    def stored(self) -> int:
        return Booking.objects.count()


@pytest.fixture(params=[PrescriptionSender, BookingSender], ids=["prescription", "booking"])
def sender(request, client_a, pharmacy_a, frozen_now):  # noqa: F811
    return request.param(client_a, pharmacy_a)


def _nothing_sent():
    return not OutboxMessage.objects.exists() and not mail.outbox and not sms.outbox


def test_success_is_a_303_to_the_confirmation_with_its_reference(
    sender, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = sender.post()
    assert response.status_code == 303
    assert sender.stored() >= 1
    confirmation = sender.client.get(response["Location"])
    assert confirmation.status_code == 200
    assert sender.reference_prefix in confirmation.content.decode()


def test_a_post_from_another_site_is_a_403_and_stores_nothing(sender):
    response = sender.post(headers={"HTTP_ORIGIN": "https://evil.example"})
    assert response.status_code == 403
    assert "formulaire d'un autre site" in response.content.decode()
    assert sender.stored() == 0
    assert _nothing_sent()


def test_the_refusal_speaks_the_visitors_language(sender):
    response = sender.post(
        headers={"HTTP_ORIGIN": "https://evil.example", "HTTP_ACCEPT_LANGUAGE": "en"}
    )
    assert response.status_code == 403
    assert "sent from another website" in response.content.decode()


@override_settings(OFFICINE_RATE_LIMIT_PER_IP="1/h")
def test_the_rate_limit_is_a_429_with_the_page_and_the_french_message(sender):
    assert sender.post().status_code == 303
    stored = sender.stored()
    refused = sender.post(second=True)
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "Trop de demandes ont été envoyées depuis votre connexion" in html
    assert sender.typed_value in html  # the form is there, with what the patient typed
    assert 'name="form_token"' in html
    assert sender.stored() == stored


@pytest.mark.parametrize("trap", ["honeypot", "too_fast"])
def test_bots_get_a_landing_that_looks_like_success_and_nothing_is_stored(
    sender, settings, trap, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        if trap == "honeypot":
            response = sender.post(website="http://spam.example")
        else:
            settings.OFFICINE_MIN_FILL_SECONDS = 60
            response = sender.post()
    assert response.status_code == 303
    assert sender.client.get(response["Location"]).status_code == 200
    assert sender.stored() == 0
    assert _nothing_sent()


def test_invalid_input_is_the_page_again_with_the_errors(sender):
    response = sender.post(**sender.invalid)
    assert response.status_code == 200
    html = response.content.decode()
    assert "error-summary" in html
    assert sender.invalid_message in html
    assert sender.typed_value in html
    assert sender.stored() == 0


def test_an_expired_form_is_the_page_again_with_a_message(sender):
    response = sender.post(form_token="forged")
    assert response.status_code == 200
    assert "Le formulaire a expiré" in response.content.decode()
    assert sender.typed_value in response.content.decode()
    assert sender.stored() == 0


def test_opening_the_form_address_leads_back_to_the_page(sender):
    response = sender.client.get(sender.form_address())
    assert response.status_code == 302
    assert response["Location"] == urlsplit(sender.page.url).path


def test_a_block_that_is_not_on_the_page_is_a_404(sender):
    if isinstance(sender, PrescriptionSender):
        address = feature_url(sender.page, "ordonnance", "submit", block_id="not-a-block")
        response = sender.client.post(address, {})
    else:
        response = sender.client.post(sender.form_address(), {"block": "not-a-block"})
    assert response.status_code == 404
    assert sender.stored() == 0


def test_the_silent_landing_names_no_real_record(sender):
    """A dropped prescription's decoy confirmation shows a made-up reference (its link opens
    nothing); a dropped booking's decoy is the neutral thank-you page."""
    response = sender.post(website="http://spam.example")
    html = sender.client.get(response["Location"]).content.decode()
    if isinstance(sender, PrescriptionSender):
        assert re.search(r"ORD-[2-9A-HJ-NP-Z]{6}", html)
    else:
        assert "Demande reçue" in html
