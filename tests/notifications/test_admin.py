"""The "Envois" listing: each pharmacy sees and resends only its own messages."""

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from notifications.api import notify_patient
from notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


def _message(pharmacy, email, django_capture_on_commit_callbacks, status="failed"):
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        [message] = notify_patient(
            pharmacy=pharmacy,
            event="outbox_test",
            obj=pharmacy.site.root_page,
            email=email,
            channels={"email"},
        )
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=status, attempts=7, last_error="Brevo SMS HTTP 500: boom"
    )
    return message


@pytest.fixture
def rows(pharmacy_a, pharmacy_b, django_capture_on_commit_callbacks):
    return (
        _message(pharmacy_a, "alice@example.org", django_capture_on_commit_callbacks),
        _message(pharmacy_b, "bob@example.org", django_capture_on_commit_callbacks),
    )


def test_staff_see_only_their_pharmacys_messages_with_the_error(admin_client_a, rows):
    response = admin_client_a.get(reverse("outbox:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "alice@example.org" in html and "Brevo SMS HTTP 500: boom" in html
    assert "bob@example.org" not in html
    assert reverse("outbox:resend", args=[rows[0].pk]) in html


def test_listing_filters_and_search(
    admin_client_a, rows, pharmacy_a, django_capture_on_commit_callbacks
):
    _message(pharmacy_a, "carol@example.org", django_capture_on_commit_callbacks, status="sent")
    html = admin_client_a.get(reverse("outbox:index"), {"status": "failed"}).content.decode()
    assert "alice@example.org" in html and "carol@example.org" not in html
    html = admin_client_a.get(reverse("outbox:index"), {"q": "carol"}).content.decode()
    assert "carol@example.org" in html and "alice@example.org" not in html


def test_another_pharmacys_message_is_404(admin_client_b, rows):
    a_row = rows[0]
    assert admin_client_b.get(reverse("outbox:inspect", args=[a_row.pk])).status_code == 404
    assert admin_client_b.get(reverse("outbox:resend", args=[a_row.pk])).status_code == 404
    assert admin_client_b.post(reverse("outbox:resend", args=[a_row.pk])).status_code == 404
    assert OutboxMessage.objects.get(pk=a_row.pk).status == "failed"


def test_resend_puts_a_failed_message_back_and_sends_it(
    admin_client_a, rows, django_capture_on_commit_callbacks
):
    url = reverse("outbox:resend", args=[rows[0].pk])
    assert admin_client_a.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_a.post(url)
    assert response.status_code == 302
    row = OutboxMessage.objects.get(pk=rows[0].pk)
    assert row.status == "sent" and row.attempts == 1
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]


def test_messages_cannot_be_edited_or_deleted_in_the_admin(admin_client_a, superuser, client, rows):
    assert admin_client_a.get(reverse("outbox:edit", args=[rows[0].pk])).status_code in (302, 403)
    client.force_login(superuser)
    assert client.get(reverse("outbox:add")).status_code in (302, 403)
    assert client.post(reverse("outbox:delete", args=[rows[0].pk])).status_code in (302, 403)
    assert OutboxMessage.objects.filter(pk=rows[0].pk).exists()
