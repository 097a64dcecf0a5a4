"""A patient who browses in English is answered in English; the pharmacy keeps reading French."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from notifications import sms
from notifications.models import OutboxMessage
from ordonnances.models import Prescription

from .conftest import PatientBrowser


def send(pharmacy, capture, **headers) -> Prescription:
    patient = PatientBrowser(Client(HTTP_HOST=pharmacy.site.hostname, **headers), pharmacy)
    with capture(execute=True):
        response = patient.send()
    assert response.status_code == 303
    return Prescription.objects.get(pharmacy=pharmacy)


def to_patient():
    return next(m for m in mail.outbox if m.to == ["jeanne.martin@example.fr"])


def to_pharmacy(pharmacy):
    return next(m for m in mail.outbox if m.to == [pharmacy.notification_email])


def test_english_browser_gets_english_acknowledgement_while_pharmacy_reads_french(
    pharmacy_a, django_capture_on_commit_callbacks
):
    prescription = send(
        pharmacy_a, django_capture_on_commit_callbacks, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9"
    )
    ref = prescription.reference

    email = to_patient()
    assert email.subject == f"Prescription {ref} received"
    assert email.body.startswith(
        f"Hello,\n\nThe pharmacy has received your prescription (reference {ref}). "
        "We will let you know as soon as your order is ready.\n\nTrack your order: http"
    )
    assert "Phone: 01 23 45 67 89" in email.body and "Monday: " in email.body
    html, _mimetype = email.alternatives[0]
    assert '<html lang="en">' in html and "Track my order</a>" in html
    for french in ("Bonjour", "Suivre", "Lundi", "ordonnance originale"):
        assert french not in email.body and french not in html

    [text] = sms.outbox
    assert text.body.startswith(
        f"Pharmacie A: we have received your prescription, ref. {ref}. Tracking: http"
    )

    pharmacy_mail = to_pharmacy(pharmacy_a)
    assert pharmacy_mail.subject == f"Nouvelle ordonnance {ref}"
    assert pharmacy_mail.body.startswith(
        f"Bonjour,\n\nUne nouvelle ordonnance a été envoyée depuis le site (référence {ref}, "
        "1 page)."
    )
    assert "Lundi : " in pharmacy_mail.body and "Monday" not in pharmacy_mail.body
    assert '<html lang="fr">' in pharmacy_mail.alternatives[0][0]

    languages = dict(OutboxMessage.objects.values_list("recipient", "language"))
    assert languages == {
        "jeanne.martin@example.fr": "en",
        "+33612345678": "en",
        pharmacy_a.notification_email: "fr",
    }


@pytest.mark.parametrize(
    "headers",
    [{}, {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9,en;q=0.8"}, {"HTTP_ACCEPT_LANGUAGE": "de"}],
    ids=["no-header", "fr-FR", "unsupported-de"],
)
def test_french_or_unknown_browser_gets_french_as_before(
    pharmacy_a, django_capture_on_commit_callbacks, headers
):
    prescription = send(pharmacy_a, django_capture_on_commit_callbacks, **headers)
    ref = prescription.reference
    assert prescription.language == "fr"

    email = to_patient()
    assert email.subject == f"Ordonnance {ref} bien reçue"
    assert email.body.startswith(
        f"Bonjour,\n\nLa pharmacie a bien reçu votre ordonnance (référence {ref}). "
        "Nous vous prévenons dès que votre commande est prête.\n\nSuivre votre commande : http"
    )
    assert email.body.rstrip().endswith(
        "Ce message est envoyé automatiquement. Pour nous répondre, répondez à cet e-mail ou "
        "appelez la pharmacie."
    )
    assert "Téléphone : 01 23 45 67 89" in email.body and "Lundi : " in email.body
    assert '<html lang="fr">' in email.alternatives[0][0]
    [text] = sms.outbox
    assert text.body.startswith(
        f"Pharmacie A : nous avons bien votre ordonnance, réf. {ref}. Suivi : http"
    )
    assert to_pharmacy(pharmacy_a).subject == f"Nouvelle ordonnance {ref}"


def test_status_set_later_by_the_pharmacist_reaches_the_patient_in_their_language(
    pharmacy_a, admin_client_a, django_capture_on_commit_callbacks
):
    prescription = send(pharmacy_a, django_capture_on_commit_callbacks, HTTP_ACCEPT_LANGUAGE="en")
    mail.outbox.clear()
    sms.outbox.clear()

    url = reverse("prescriptions:status", args=[prescription.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_a.post(
            url, {"status": "ready", "note": "Deux boîtes"}, HTTP_ACCEPT_LANGUAGE="fr"
        )
    assert response.status_code == 302

    [email] = mail.outbox
    assert email.subject == f"Your order {prescription.reference} is ready"
    assert "Message from the pharmacy: Deux boîtes" in email.body
    [text] = sms.outbox
    assert text.body.startswith(f"Pharmacie A: order {prescription.reference} is ready. ")
    assert "Deux boites" in text.body  # the note, in the GSM alphabet
    assert "Today " in text.body or "From " in text.body  # today's pickup hours, in English
