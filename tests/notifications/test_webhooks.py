"""Delivery reports: anymail's Brevo tracking webhook for email, our own for SMS."""

import base64
import json

import pytest
from django.urls import reverse

from notifications.api import notify_patient
from notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db

SECRET = "hook-user:hook-pass"


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SECRET}


def _auth(secret=SECRET):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


@pytest.fixture
def sent_messages(pharmacy_a, subject_obj, committed):
    messages = committed(
        notify_patient,
        pharmacy=pharmacy_a,
        event="outbox_test",
        obj=subject_obj,
        email="patient@example.org",
        phone="0612345678",
    )
    OutboxMessage.objects.filter(channel="email").update(provider_message_id="<m1@brevo>")
    OutboxMessage.objects.filter(channel="sms").update(provider_message_id="1511882900176220")
    return {m.channel: m for m in messages}


def _brevo_email_event(event, message_id="<m1@brevo>"):
    return json.dumps(
        {
            "event": event,
            "email": "patient@example.org",
            "message-id": message_id,
            "ts_epoch": 1764000000000,
            "reason": "mailbox does not exist" if "bounce" in event else "",
        }
    )


def _post_email(client, event, **auth):
    return client.post(
        reverse("notifications:anymail:brevo_tracking_webhook"),
        data=_brevo_email_event(event),
        content_type="application/json",
        **(auth or _auth()),
    )


def test_email_delivered_report_updates_the_row(client, sent_messages):
    assert _post_email(client, "delivered").status_code == 200
    row = OutboxMessage.objects.get(pk=sent_messages["email"].pk)
    assert row.status == "delivered" and row.delivered_at is not None


def test_email_bounce_is_visible_with_its_reason(client, sent_messages):
    assert _post_email(client, "hard_bounce").status_code == 200
    row = OutboxMessage.objects.get(pk=sent_messages["email"].pk)
    assert row.status == "bounced" and "mailbox does not exist" in row.last_error


def test_a_replayed_report_changes_nothing(client, sent_messages):
    _post_email(client, "delivered")
    first = OutboxMessage.objects.get(pk=sent_messages["email"].pk)
    assert _post_email(client, "delivered").status_code == 200
    again = OutboxMessage.objects.get(pk=sent_messages["email"].pk)
    assert (again.status, again.delivered_at, again.updated_at) == (
        first.status,
        first.delivered_at,
        first.updated_at,
    )


def test_a_late_delivered_report_does_not_hide_a_bounce(client, sent_messages):
    _post_email(client, "hard_bounce")
    _post_email(client, "delivered")
    assert OutboxMessage.objects.get(pk=sent_messages["email"].pk).status == "bounced"


def test_email_webhook_with_bad_credentials_is_rejected(client, sent_messages):
    response = _post_email(client, "delivered", **_auth("hook-user:wrong"))
    assert response.status_code == 400
    response = client.post(
        reverse("notifications:anymail:brevo_tracking_webhook"),
        data=_brevo_email_event("delivered"),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert OutboxMessage.objects.get(pk=sent_messages["email"].pk).status == "sent"


def _post_sms(client, payload, **auth):
    return client.post(
        reverse("notifications:sms_status"),
        data=json.dumps(payload),
        content_type="application/json",
        **(auth or _auth()),
    )


def test_sms_delivery_report_updates_the_row_once(client, sent_messages):
    payload = {"messageId": 1511882900176220, "msg_status": "delivered", "to": "33612345678"}
    response = _post_sms(client, payload)
    assert response.status_code == 200 and response.json() == {"updated": 1}
    assert OutboxMessage.objects.get(pk=sent_messages["sms"].pk).status == "delivered"
    assert _post_sms(client, payload).json() == {"updated": 0}


def test_sms_webhook_with_bad_credentials_is_rejected(client, sent_messages):
    payload = {"messageId": 1511882900176220, "msg_status": "hardBounce"}
    assert _post_sms(client, payload, **_auth("nope:nope")).status_code == 401
    assert (
        client.post(
            reverse("notifications:sms_status"),
            data=json.dumps(payload),
            content_type="application/json",
        ).status_code
        == 401
    )
    assert OutboxMessage.objects.get(pk=sent_messages["sms"].pk).status == "sent"
