"""Delivery reports: anymail's Brevo tracking webhook for email, our own for SMS."""

import base64
import json
import os
import subprocess
import sys

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


def _brevo_email_event(event, message_id="<m1@brevo>", metadata=None):
    payload = {
        "event": event,
        "email": "patient@example.org",
        "message-id": message_id,
        "ts_epoch": 1764000000000,
        "reason": "mailbox does not exist" if "bounce" in event else "",
    }
    if metadata is not None:
        payload["X-Mailin-custom"] = json.dumps(metadata)
    return json.dumps(payload)


def _post_email(client, event, message_id="<m1@brevo>", metadata=None, **auth):
    return client.post(
        reverse("notifications:anymail:brevo_tracking_webhook"),
        data=_brevo_email_event(event, message_id, metadata),
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


def test_without_a_configured_secret_the_webhooks_refuse_everyone(client, sent_messages, settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": ""}
    response = client.post(
        reverse("notifications:anymail:brevo_tracking_webhook"),
        data=_brevo_email_event("hard_bounce"),
        content_type="application/json",
    )
    assert response.status_code == 401
    assert _post_email(client, "hard_bounce", **_auth("anyone:anything")).status_code == 401
    sms = {"messageId": 1511882900176220, "msg_status": "hardBounce"}
    assert _post_sms(client, sms, **_auth("anyone:anything")).status_code == 401
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_a_report_is_matched_by_the_providers_id_never_by_the_outbox_id_it_carries(
    client, sent_messages, pharmacy_b
):
    """A forged report naming another pharmacy's message by our own id changes nothing."""
    from tests.notifications.conftest import notify_other

    other = notify_other(pharmacy_b)
    for message_id, target in (("<forged@attacker>", other), ("", other), ("<m1@brevo>", other)):
        response = _post_email(
            client, "hard_bounce", message_id=message_id, metadata={"outbox_id": str(target.pk)}
        )
        assert response.status_code == 200
    other.refresh_from_db()
    assert other.status == "sent" and other.last_error == ""
    assert OutboxMessage.objects.get(pk=sent_messages["email"].pk).status == "sent"
    # The genuine report, with our metadata echoed back, still lands on its message.
    genuine = {"outbox_id": str(sent_messages["email"].pk)}
    assert _post_email(client, "hard_bounce", metadata=genuine).status_code == 200
    assert OutboxMessage.objects.get(pk=sent_messages["email"].pk).status == "bounced"


def test_production_refuses_to_start_without_the_webhook_secret():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 50,
        "OFFICINE_FILE_KEYS": "a" * 44,
        "ANYMAIL_WEBHOOK_SECRET": "",
    }
    env.pop("DEBUG", None)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "ANYMAIL_WEBHOOK_SECRET" in result.stderr
