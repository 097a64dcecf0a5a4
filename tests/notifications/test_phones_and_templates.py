"""Numbers as patients type them, and every event's templates in the shared layout."""

from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from notifications.api import template_context
from notifications.sms import segment_count, to_gsm7
from pharmacies.phones import display, is_mobile, to_e164

EMAILS = Path(settings.BASE_DIR) / "templates" / "emails"
SMS = Path(settings.BASE_DIR) / "templates" / "sms"
EMAIL_EVENTS = sorted(p.name.removesuffix(".subject.txt") for p in EMAILS.glob("*.subject.txt"))
SMS_EVENTS = sorted(p.stem for p in SMS.glob("*.txt"))


@pytest.mark.parametrize(
    "typed",
    ["06 12 34 56 78", "0612345678", "06.12.34.56.78", "+33 6 12 34 56 78", "0033612345678"],
)
def test_french_mobiles_are_normalised_to_e164(typed):
    assert to_e164(typed) == "+33612345678"
    assert is_mobile("+33612345678")
    assert display("+33612345678") == "06 12 34 56 78"


def test_landlines_are_valid_numbers_but_not_for_sms():
    assert to_e164("01 23 45 67 89") == "+33123456789"
    assert not is_mobile("+33123456789")


@pytest.mark.parametrize("typed", ["", "   ", "06 12", "abc", "06 12 34 56 78 90 12"])
def test_garbage_is_refused(typed):
    assert to_e164(typed) is None


def test_there_are_events_to_check():
    assert "outbox_test" in EMAIL_EVENTS and "outbox_test" in SMS_EVENTS


@pytest.mark.django_db
@pytest.mark.parametrize("event", EMAIL_EVENTS)
def test_every_email_event_renders_in_the_pharmacy_layout(event, pharmacy_a):
    ctx = template_context(pharmacy_a, pharmacy_a, {})
    subject = render_to_string(f"emails/{event}.subject.txt", ctx)
    text = render_to_string(f"emails/{event}.txt", ctx)
    html = render_to_string(f"emails/{event}.html", ctx)
    assert subject.strip() and "\n" not in subject.strip()
    for body in (text, html):
        assert pharmacy_a.name in body
        assert pharmacy_a.phone in body
        assert "Lundi" in body  # opening hours from the shared layout
    assert pharmacy_a.address_line in text
    assert "<html" in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
@pytest.mark.parametrize("event", SMS_EVENTS)
def test_every_sms_event_fits_in_two_segments(event, language, pharmacy_a):
    ctx = template_context(pharmacy_a, pharmacy_a, {"reference": "ABCD-1234"})
    with translation.override(language):
        body = " ".join(render_to_string(f"sms/{event}.txt", ctx).split())
    assert body
    assert segment_count(body) <= 2, body


def test_segment_counting():
    assert segment_count("a" * 160) == 1
    assert segment_count("a" * 161) == 2
    assert segment_count("é" * 160) == 1  # é is in the GSM alphabet
    assert segment_count("ê" * 70) == 1  # ê is not: UCS-2
    assert segment_count("ê" * 71) == 2


def test_sms_text_is_kept_in_the_gsm_alphabet():
    text = "Pharmacie de l’Hôtel-Dieu « Saint-François » : prête… à 9 h"
    gsm = to_gsm7(text)
    assert gsm == 'Pharmacie de l\'Hotel-Dieu " Saint-Francois " : prete... à 9 h'
    assert segment_count(text + "x" * 80) == 3 and segment_count(gsm + "x" * 80) == 1
    assert to_gsm7("éèàù Ç") == "éèàù Ç"  # already GSM: untouched
    assert to_gsm7("日本") == "??"
