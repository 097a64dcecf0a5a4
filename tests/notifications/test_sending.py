"""The send task: once per row, retried on provider hiccups, failed with the error visible."""

import json

import pytest
import requests
import responses
from django.core import mail

from notifications import sms
from notifications.api import notify_patient
from notifications.models import OutboxMessage
from notifications.sending import MAX_ATTEMPTS, claim
from notifications.tasks import send_outbox_message

pytestmark = pytest.mark.django_db

BREVO_SMS = "https://api.brevo.com/v3/transactionalSMS/sms"
BREVO_SMS_EVENTS = "https://api.brevo.com/v3/transactionalSMS/statistics/events"
BREVO_EMAIL = "https://api.brevo.com/v3/smtp/email"


@pytest.fixture
def brevo_sms(settings):
    settings.SMS_BACKEND = "notifications.sms.BrevoSMSBackend"
    settings.SMS_BREVO_API_KEY = "test-sms-key"


def _no_earlier_sms():
    """Brevo's SMS events, asked before each retry, show nothing sent under the row's tag."""
    responses.get(BREVO_SMS_EVENTS, json={"events": []})


def _posts():
    return [call for call in responses.calls if call.request.method == "POST"]


@pytest.fixture
def brevo_email(settings):
    settings.EMAIL_BACKEND = "anymail.backends.brevo.EmailBackend"
    settings.ANYMAIL = {**settings.ANYMAIL, "BREVO_API_KEY": "test-email-key"}


def _sms(pharmacy, obj, committed):
    [message] = committed(
        notify_patient,
        pharmacy=pharmacy,
        event="outbox_test",
        obj=obj,
        phone="06 12 34 56 78",
        channels={"sms"},
    )
    message.refresh_from_db()
    return message


def test_a_replayed_task_does_not_send_again(pharmacy_a, subject_obj, committed):
    message = _sms(pharmacy_a, subject_obj, committed)
    assert message.status == "sent" and len(sms.outbox) == 1
    assert send_outbox_message.apply(args=(message.pk,)).get() == "skipped"
    assert len(sms.outbox) == 1


def test_a_row_claimed_by_another_worker_is_not_sent_twice(
    pharmacy_a, subject_obj, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        [message] = notify_patient(
            pharmacy=pharmacy_a, event="outbox_test", obj=subject_obj, phone="0612345678"
        )
    assert claim(message.pk) is not None  # another worker is sending it right now
    assert send_outbox_message.apply(args=(message.pk,)).get() == "skipped"
    assert sms.outbox == []


@responses.activate
def test_brevo_sms_is_posted_with_the_api_key(pharmacy_a, subject_obj, committed, brevo_sms):
    responses.post(
        BREVO_SMS, json={"reference": "ref-1", "messageId": 1511882900176220}, status=201
    )
    message = _sms(pharmacy_a, subject_obj, committed)
    assert message.status == "sent"
    assert message.provider_message_id == "1511882900176220"
    request = responses.calls[0].request
    assert request.headers["api-key"] == "test-sms-key"
    body = request.body.decode()
    assert '"recipient": "33612345678"' in body and f'"sender": "{pharmacy_a.sms_sender}"' in body


@responses.activate
def test_provider_500_is_retried_then_failed_with_the_error(
    pharmacy_a, subject_obj, committed, brevo_sms
):
    responses.post(BREVO_SMS, json={"message": "Internal error"}, status=500)
    _no_earlier_sms()
    message = _sms(pharmacy_a, subject_obj, committed)
    assert len(_posts()) == MAX_ATTEMPTS
    assert message.status == "failed"
    assert message.attempts == MAX_ATTEMPTS
    assert "HTTP 500" in message.last_error


@responses.activate
def test_timeout_is_retried_and_then_succeeds(pharmacy_a, subject_obj, committed, brevo_sms):
    responses.post(BREVO_SMS, body=requests.exceptions.ConnectTimeout("timed out"))
    responses.post(BREVO_SMS, json={"messageId": 77}, status=201)
    _no_earlier_sms()
    message = _sms(pharmacy_a, subject_obj, committed)
    assert len(_posts()) == 2
    assert message.status == "sent" and message.attempts == 2
    assert message.provider_message_id == "77"
    assert message.last_error == ""


@responses.activate
def test_timeouts_until_the_last_retry_leave_the_row_failed(
    pharmacy_a, subject_obj, committed, brevo_sms
):
    responses.post(BREVO_SMS, body=requests.exceptions.ReadTimeout("read timed out"))
    _no_earlier_sms()
    message = _sms(pharmacy_a, subject_obj, committed)
    assert len(_posts()) == MAX_ATTEMPTS
    assert message.status == "failed" and "timed out" in message.last_error


@responses.activate
def test_provider_4xx_fails_at_once(pharmacy_a, subject_obj, committed, brevo_sms):
    responses.post(BREVO_SMS, json={"message": "Invalid sender"}, status=400)
    message = _sms(pharmacy_a, subject_obj, committed)
    assert len(responses.calls) == 1
    assert message.status == "failed" and message.attempts == 1
    assert "HTTP 400" in message.last_error and "Invalid sender" in message.last_error


@responses.activate
def test_email_provider_errors_are_retried_through_anymail(
    pharmacy_a, subject_obj, committed, brevo_email
):
    responses.post(BREVO_EMAIL, json={"message": "busy"}, status=503)
    responses.post(BREVO_EMAIL, json={"message": "busy"}, status=502)
    responses.post(BREVO_EMAIL, json={"messageId": "<202611@smtp-relay.mailin.fr>"}, status=201)
    [message] = committed(
        notify_patient,
        pharmacy=pharmacy_a,
        event="outbox_test",
        obj=subject_obj,
        email="patient@example.org",
        channels={"email"},
        attachments=[("rdv.ics", b"BEGIN:VCALENDAR", "text/calendar")],
    )
    message.refresh_from_db()
    assert len(responses.calls) == 3
    assert message.status == "sent" and message.attempts == 3
    assert message.provider_message_id == "<202611@smtp-relay.mailin.fr>"
    payload = json.loads(responses.calls[-1].request.body)
    assert payload["sender"]["name"] == "Pharmacie A"
    assert payload["replyTo"]["email"] == pharmacy_a.email
    assert [a["name"] for a in payload["attachment"]] == ["rdv.ics"]
    assert "Pharmacie A" in payload["htmlContent"] and payload["textContent"]


@responses.activate
def test_email_refused_by_the_provider_fails_at_once(
    pharmacy_a, subject_obj, committed, brevo_email
):
    responses.post(BREVO_EMAIL, json={"code": "invalid_parameter"}, status=400)
    [message] = committed(
        notify_patient,
        pharmacy=pharmacy_a,
        event="outbox_test",
        obj=subject_obj,
        email="patient@example.org",
    )
    message.refresh_from_db()
    assert len(responses.calls) == 1
    assert message.status == "failed" and "400" in message.last_error
    assert mail.outbox == []
    assert OutboxMessage.objects.get(pk=message.pk).attempts == 1


def test_the_send_task_survives_worker_loss_and_backs_off_with_a_cap():
    task = send_outbox_message
    assert task.acks_late and task.reject_on_worker_lost
    assert task.retry_backoff and task.retry_jitter
    assert task.retry_backoff_max <= 300 and task.max_retries == MAX_ATTEMPTS - 1


def _unsent_sms(pharmacy, obj, django_capture_on_commit_callbacks):
    """A committed row whose own dispatch has not run (a worker will take it)."""
    with django_capture_on_commit_callbacks(execute=False):
        [message] = notify_patient(
            pharmacy=pharmacy, event="outbox_test", obj=obj, phone="0612345678", channels={"sms"}
        )
    return message


def test_a_redelivered_task_takes_back_the_claim_its_killed_worker_left(
    pharmacy_a, subject_obj, django_capture_on_commit_callbacks
):
    """The worker process died mid-send; the broker hands the same task (same id) to another."""
    message = _unsent_sms(pharmacy_a, subject_obj, django_capture_on_commit_callbacks)
    assert claim(message.pk, token="task-1", worker="celery@dead") is not None
    assert send_outbox_message.apply(args=(message.pk,), task_id="task-1").get() == "sent"
    assert [m.to for m in sms.outbox] == ["+33612345678"]
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 2
    assert send_outbox_message.apply(args=(message.pk,), task_id="task-1").get() == "skipped"
    assert len(sms.outbox) == 1


def test_an_sms_accepted_before_the_worker_died_is_not_sent_again(
    pharmacy_a, subject_obj, django_capture_on_commit_callbacks
):
    """The provider took the SMS, the worker died before writing down its answer."""
    message = _unsent_sms(pharmacy_a, subject_obj, django_capture_on_commit_callbacks)
    taken = claim(message.pk, token="task-1")
    sms.SMSMessage(
        to=taken.recipient, body=taken.body_text, idempotency_key=taken.idempotency_key
    ).send()
    assert send_outbox_message.apply(args=(message.pk,), task_id="task-1").get() == "sent"
    assert len(sms.outbox) == 1
    message.refresh_from_db()
    assert message.status == "sent" and message.provider_message_id == "locmem-1"


@responses.activate
def test_a_brevo_sms_whose_answer_timed_out_is_looked_up_not_sent_twice(
    pharmacy_a, subject_obj, committed, brevo_sms
):
    responses.post(BREVO_SMS, body=requests.exceptions.ReadTimeout("read timed out"))

    def brevo_events(request):
        """Brevo had accepted the POST whose answer never came back."""
        key = OutboxMessage.objects.get().idempotency_key
        event = {"event": "accepted", "messageId": 1511882900176999, "tag": key}
        return (200, {}, json.dumps({"events": [event]}))

    responses.add_callback(responses.GET, BREVO_SMS_EVENTS, callback=brevo_events)
    message = _sms(pharmacy_a, subject_obj, committed)
    assert len(_posts()) == 1  # the timed-out POST had gone through: no second one
    assert message.status == "sent" and message.provider_message_id == "1511882900176999"
    sent = json.loads(_posts()[0].request.body)
    lookup = [c.request for c in responses.calls if c.request.method == "GET"][0]
    assert sent["tag"] == message.idempotency_key and message.idempotency_key in lookup.url


@responses.activate
def test_every_attempt_at_an_email_carries_the_rows_idempotency_key(
    pharmacy_a, subject_obj, committed, brevo_email
):
    responses.post(BREVO_EMAIL, json={"message": "busy"}, status=503)
    responses.post(BREVO_EMAIL, json={"messageId": "<a@smtp-relay.mailin.fr>"}, status=201)
    responses.post(BREVO_EMAIL, json={"messageId": "<b@smtp-relay.mailin.fr>"}, status=201)
    messages = committed(
        notify_patient,
        pharmacy=pharmacy_a,
        event="outbox_test",
        obj=subject_obj,
        email="patient@example.org",
        channels={"email"},
    ) + committed(notify_pharmacy_copy, pharmacy_a, subject_obj)
    keys = [json.loads(c.request.body)["headers"]["idempotencyKey"] for c in responses.calls]
    assert len(keys) == 3 and keys[0] == keys[1] != keys[2]
    assert keys[:2] == [str(messages[0].idempotency_key)] * 2


def notify_pharmacy_copy(pharmacy, obj):
    return notify_patient(
        pharmacy=pharmacy,
        event="outbox_test",
        obj=obj,
        email="other-patient@example.org",
        channels={"email"},
    )
