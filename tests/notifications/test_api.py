"""notify_patient / notify_pharmacy: what is queued, when it is sent, and that it is sent once."""

import email

import pytest
from django.core import mail
from django.db import transaction
from django.utils import translation

from notifications import sms
from notifications.api import notify_patient, notify_pharmacy
from notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


def _notify(pharmacy, obj, **kwargs):
    kwargs.setdefault("email", "patient@example.org")
    kwargs.setdefault("phone", "06 12 34 56 78")
    return notify_patient(
        pharmacy=pharmacy, event="outbox_test", obj=obj, context={"reference": "R-42"}, **kwargs
    )


def test_nothing_is_dispatched_before_commit(
    pharmacy_a, subject_obj, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            messages = _notify(pharmacy_a, subject_obj)
            assert len(messages) == 2
            assert OutboxMessage.objects.filter(status="pending").count() == 2
    assert len(callbacks) == 2
    assert mail.outbox == [] and sms.outbox == []
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_nothing_is_dispatched_after_rollback(
    pharmacy_a, subject_obj, django_capture_on_commit_callbacks
):
    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Boom), transaction.atomic():
            _notify(pharmacy_a, subject_obj)
            raise Boom
    assert callbacks == []
    assert mail.outbox == [] and sms.outbox == []
    assert not OutboxMessage.objects.exists()


def test_calling_twice_sends_once(pharmacy_a, subject_obj, committed):
    first = committed(_notify, pharmacy_a, subject_obj)
    second = committed(_notify, pharmacy_a, subject_obj)
    assert [m.pk for m in first] == [m.pk for m in second]
    assert len(committed.callbacks) == 0
    assert len(mail.outbox) == 1
    assert len(sms.outbox) == 1
    assert OutboxMessage.objects.count() == 2


def test_email_is_from_the_platform_in_the_pharmacys_name_with_reply_to_it(
    pharmacy_a, subject_obj, committed
):
    committed(
        _notify,
        pharmacy_a,
        subject_obj,
        phone=None,
        attachments=[("rendez-vous.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")],
    )
    [sent] = mail.outbox
    assert sent.to == ["patient@example.org"]
    assert sent.from_email == "Pharmacie A <no-reply@officine.localhost>"
    assert sent.reply_to == [pharmacy_a.email]
    assert sent.subject == "Message de test de Pharmacie A"
    assert "R-42" in sent.body
    assert pharmacy_a.address_line in sent.body
    html, mimetype = sent.alternatives[0]
    assert mimetype == "text/html" and "R-42" in html and pharmacy_a.phone in html
    parsed = email.message_from_bytes(sent.message().as_bytes())
    attachments = [p for p in parsed.walk() if p.get_filename()]
    assert [a.get_filename() for a in attachments] == ["rendez-vous.ics"]
    assert attachments[0].get_content_type() == "text/calendar"
    assert b"BEGIN:VCALENDAR" in attachments[0].get_payload(decode=True)


def test_sms_goes_to_the_e164_number_with_the_pharmacy_sender(pharmacy_a, subject_obj, committed):
    committed(_notify, pharmacy_a, subject_obj, email=None)
    [message] = sms.outbox
    assert message.to == "+33612345678"
    assert message.sender == pharmacy_a.sms_sender
    assert "Pharmacie A" in message.body and "R-42" in message.body
    assert sms.segment_count(message.body) <= 2
    assert mail.outbox == []


def test_only_channels_the_pharmacy_enabled(pharmacy_a, subject_obj, committed):
    pharmacy_a.sms_enabled = False
    pharmacy_a.save()
    messages = committed(_notify, pharmacy_a, subject_obj)
    assert [m.channel for m in messages] == ["email"]
    assert sms.outbox == [] and len(mail.outbox) == 1


def test_only_channels_the_patient_chose(pharmacy_a, subject_obj, committed):
    messages = committed(_notify, pharmacy_a, subject_obj, channels={"sms"})
    assert [m.channel for m in messages] == ["sms"]
    assert mail.outbox == [] and len(sms.outbox) == 1


@pytest.mark.parametrize("phone", ["01 23 45 67 89", "12", "", "not a number"])
def test_no_sms_without_a_valid_mobile(pharmacy_a, subject_obj, committed, phone):
    messages = committed(_notify, pharmacy_a, subject_obj, email=None, phone=phone)
    assert messages == []
    assert sms.outbox == []


def test_pharmacy_is_notified_at_its_notification_address(pharmacy_a, subject_obj, committed):
    message = committed(notify_pharmacy, pharmacy=pharmacy_a, event="outbox_test", obj=subject_obj)
    assert message.recipient == pharmacy_a.notification_email
    assert [m.to for m in mail.outbox] == [[pharmacy_a.notification_email]]
    again = committed(notify_pharmacy, pharmacy=pharmacy_a, event="outbox_test", obj=subject_obj)
    assert again.pk == message.pk and len(mail.outbox) == 1


def test_unknown_event_queues_nothing_and_does_not_break_the_request(
    pharmacy_a, subject_obj, committed
):
    assert (
        committed(
            notify_patient,
            pharmacy=pharmacy_a,
            event="no_such_event",
            obj=subject_obj,
            email="a@b.fr",
        )
        == []
    )
    assert not OutboxMessage.objects.exists()


def test_plain_text_parts_show_the_pharmacy_name_as_typed(committed):
    from tests.factories import make_pharmacy

    pharmacy = make_pharmacy("Pharmacie de l'Église & Fils", "eglise.test")
    committed(_notify, pharmacy, pharmacy.site.root_page)
    [sent] = mail.outbox
    assert sent.subject == "Message de test de Pharmacie de l'Église & Fils"
    assert "Pharmacie de l'Église & Fils" in sent.body
    html, _mimetype = sent.alternatives[0]
    assert "Pharmacie de l&#x27;Église &amp; Fils" in html  # the HTML part stays escaped
    [text] = sms.outbox
    assert text.body.startswith("Pharmacie de l'Église & Fils : ")


@pytest.mark.parametrize(
    ("active", "stored"), [("en", "en"), ("en-gb", "en"), ("fr", "fr"), ("de", "fr")]
)
def test_patient_message_is_written_in_the_active_language_and_remembers_it(
    pharmacy_a, subject_obj, committed, active, stored
):
    with translation.override(active):
        messages = committed(_notify, pharmacy_a, subject_obj)
    assert {m.language for m in messages} == {stored}
    [sent] = mail.outbox
    [text] = sms.outbox
    if stored == "en":
        assert sent.subject == "Test message from Pharmacie A"
        assert text.body == "Pharmacie A: notification test message. Ref. R-42"
    else:
        assert sent.subject == "Message de test de Pharmacie A"
        assert text.body == "Pharmacie A : message de test des notifications. Ref. R-42"


def test_stored_language_wins_over_the_active_one(pharmacy_a, subject_obj, committed):
    with translation.override("fr"):
        committed(_notify, pharmacy_a, subject_obj, language="en")
    assert mail.outbox[0].subject == "Test message from Pharmacie A"
    assert OutboxMessage.objects.get(channel="sms").language == "en"


def test_pharmacy_is_written_to_in_the_site_language_whatever_is_active(
    pharmacy_a, subject_obj, committed
):
    with translation.override("en"):
        message = committed(
            notify_pharmacy, pharmacy=pharmacy_a, event="outbox_test", obj=subject_obj
        )
    assert message.language == "fr"
    [sent] = mail.outbox
    assert sent.subject == "Message de test de Pharmacie A"
    assert "Horaires" in sent.body and "Opening hours" not in sent.body
