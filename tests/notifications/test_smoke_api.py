from django.core import mail
from django.db import transaction

from cms.notifications import sms
from cms.notifications.api import notify_patient, notify_pharmacy
from cms.notifications.models import OutboxMessage


def test_notify_patient_sends_email_and_sms_after_commit(
    pharmacy_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            messages = notify_patient(
                pharmacy=pharmacy_a,
                event="outbox_test",
                obj=pharmacy_a,
                email="patient@example.org",
                phone="06 12 34 56 78",
                context={"reference": "ABC123"},
                attachments=[("rdv.ics", b"BEGIN:VCALENDAR", "text/calendar")],
            )
            assert len(messages) == 2
            assert mail.outbox == [] and sms.outbox == []
    assert len(mail.outbox) == 1
    assert sms.outbox[0].to == "+33612345678"
    assert {m.status for m in OutboxMessage.objects.all()} == {"sent"}
    assert notify_pharmacy(pharmacy=pharmacy_a, event="outbox_test", obj=pharmacy_a)
