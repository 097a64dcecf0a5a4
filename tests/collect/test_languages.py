"""A patient who reserves in English reads the pages, e-mails and SMS about it in English.

The pharmacy's own alert stays in French, whatever the patient's language.
"""

import pytest
from django.core import mail
from django.test import Client

from collect import services
from collect.models import Reservation, Status
from notifications import sms
from notifications.models import OutboxMessage

from .conftest import PatientBrowser


def english_patient(pharmacy) -> PatientBrowser:
    client = Client(HTTP_HOST=pharmacy.site.hostname, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    return PatientBrowser(client, pharmacy)


def test_english_patient_reserves_and_is_notified_in_english(
    offers, pharmacy_a, django_capture_on_commit_callbacks
):
    patient = english_patient(pharmacy_a)
    selection = [f"{offers['a_toothpaste'].pk}:2"]
    form = patient.open(selection)
    assert "Pay at the counter, no online payment." in form and "Paiement au comptoir" not in form
    with django_capture_on_commit_callbacks(execute=True):
        response = patient.send(selection)
    assert response.status_code == 303
    reservation = Reservation.objects.get()
    assert reservation.language == "en"
    confirmation = patient.client.get(response["Location"]).content.decode()
    assert "Reservation received" in confirmation and "Track my reservation" in confirmation

    to_patient = next(m for m in mail.outbox if m.to == ["jeanne.martin@example.fr"])
    assert to_patient.subject.startswith(f"Reservation {reservation.reference} received")
    assert "has been received. The pharmacy prepares your products" in to_patient.body
    assert "Total to pay at the counter: €9.80 (no online payment)." in to_patient.body
    to_pharmacy = OutboxMessage.objects.get(event="reservation_new", channel="email")
    assert to_pharmacy.language == "fr" and "Nouvelle réservation" in to_pharmacy.subject
    [received] = [m for m in sms.outbox if reservation.reference in m.body]
    assert received.body.startswith(f"Pharmacie A: reservation {reservation.reference} received.")

    # The pharmacist works in French; the patient still hears in English.
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(reservation, Status.READY)
    ready = OutboxMessage.objects.get(event="reservation_ready", channel="sms")
    assert ready.language == "en"
    assert f"your reservation {reservation.reference} is ready (EUR 9.80" in ready.body_text


@pytest.mark.parametrize("language", [None, "fr-FR,fr;q=0.8"], ids=["no-header", "fr-FR"])
def test_french_patient_is_notified_in_french_as_before(
    offers, pharmacy_a, django_capture_on_commit_callbacks, language
):
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    patient = PatientBrowser(Client(HTTP_HOST=pharmacy_a.site.hostname, **headers), pharmacy_a)
    with django_capture_on_commit_callbacks(execute=True):
        patient.send([f"{offers['a_toothpaste'].pk}:1"])
    reservation = Reservation.objects.get()
    assert reservation.language == "fr"
    to_patient = next(m for m in mail.outbox if m.to == ["jeanne.martin@example.fr"])
    assert to_patient.subject.startswith(f"Réservation {reservation.reference} reçue")
    assert "a bien été reçue" in to_patient.body and "Total à régler au comptoir" in to_patient.body
