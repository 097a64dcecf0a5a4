"""A message the provider accepted is never sent again, even when the database drops right after."""

import pytest
from django.db import transaction

from notifications import sms
from notifications.api import notify_patient
from notifications.models import OutboxMessage
from notifications.tasks import relay

pytestmark = pytest.mark.services


def test_the_providers_answer_is_recorded_through_a_dropped_connection(
    require_postgres, pharmacy_a, settings
):
    settings.SMS_BACKEND = "tests.notifications.slow_backends.ConnectionDroppingSMSBackend"
    with transaction.atomic():  # committed for real: the send runs in-process on commit
        [message] = notify_patient(
            pharmacy=pharmacy_a,
            event="outbox_test",
            obj=pharmacy_a.site.root_page,
            phone="0612345678",
            channels={"sms"},
        )
    row = OutboxMessage.objects.get(pk=message.pk)
    assert row.status == "sent" and row.provider_message_id == "locmem-1"
    assert relay(pending_after=0, stuck_after=0) == 0
    assert len(sms.outbox) == 1
