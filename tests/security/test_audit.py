"""The audit trail: written for every sensitive action, append-only, visible to the titular only."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import NoReverseMatch, reverse

from ordonnances.models import Status
from pharmacies.models import AuditAction, AuditEvent
from rdv.models import BookingStatus

from .conftest import MARKER_B


def test_file_view_and_download_are_audited_with_ip(admin_client_a, world_a, staff_a):
    url = reverse("prescriptions:file", args=[world_a.file.pk])
    assert admin_client_a.get(url, REMOTE_ADDR="203.0.113.7").status_code == 200
    assert admin_client_a.get(url + "?download=1", REMOTE_ADDR="203.0.113.8").status_code == 200
    assert admin_client_a.get(url + "?thumb=1").status_code == 200
    events = list(
        AuditEvent.objects.filter(object_type="ordonnances.prescriptionfile").order_by("pk")
    )
    assert [e.action for e in events] == [
        AuditAction.FILE_VIEW,
        AuditAction.FILE_DOWNLOAD,
        AuditAction.FILE_VIEW,
    ]
    assert all(e.pharmacy_id == world_a.pharmacy.pk and e.actor == staff_a for e in events)
    assert events[0].ip_address == "203.0.113.7" and events[1].ip_address == "203.0.113.8"
    assert events[2].detail["thumbnail"] is True
    assert events[0].object_id == str(world_a.file.pk)


def test_status_changes_of_prescriptions_and_bookings_are_audited(admin_client_a, world_a, staff_a):
    url = reverse("prescriptions:status", args=[world_a.prescription.pk])
    assert admin_client_a.post(url, {"status": Status.READY}).status_code == 302
    cancel = reverse("rdv_agenda:action", args=[world_a.booking.pk, "annuler"])
    assert admin_client_a.post(cancel).status_code == 302
    world_a.booking.refresh_from_db()
    assert world_a.booking.status == BookingStatus.CANCELLED
    by_staff = AuditEvent.objects.filter(action=AuditAction.STATUS_CHANGE, actor=staff_a)
    rows = {(e.object_type, e.detail["from"], e.detail["to"]) for e in by_staff}
    assert rows == {
        ("ordonnances.prescription", Status.PREPARING, Status.READY),
        ("rdv.booking", BookingStatus.BOOKED, BookingStatus.CANCELLED),
    }
    assert all(e.ip_address == "127.0.0.1" for e in by_staff)


def test_csv_export_is_audited_per_pharmacy(admin_client_a, world_a, world_b):
    response = admin_client_a.get(reverse("prescriptions:index") + "?export=csv")
    b"".join(response.streaming_content)
    event = AuditEvent.objects.get(
        action=AuditAction.EXPORT, object_type="ordonnances.prescription"
    )
    assert event.pharmacy_id == world_a.pharmacy.pk
    assert event.detail == {"format": "csv", "rows": 1}
    assert event.object_type == "ordonnances.prescription"


def test_rows_hold_no_patient_identity(admin_client_a, world_b, admin_client_b):
    admin_client_b.get(reverse("prescriptions:file", args=[world_b.file.pk]))
    admin_client_b.post(
        reverse("prescriptions:status", args=[world_b.prescription.pk]), {"status": Status.READY}
    )
    for event in AuditEvent.objects.all():
        text = repr(event.__dict__)
        assert MARKER_B not in text and "zebulon" not in text.lower()


def test_orm_refuses_updates_and_deletes(world_a):
    event = AuditEvent.objects.filter(action=AuditAction.STATUS_CHANGE).first()
    assert event is not None
    event.actor_label = "someone else"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(actor_label="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    event.refresh_from_db()
    assert event.actor_label != "someone else"


@pytest.mark.services
def test_database_refuses_updates_and_deletes_on_postgresql(require_postgres, world_a):
    event = AuditEvent.objects.first()
    for sql in (
        "UPDATE pharmacies_auditevent SET actor_label = 'x' WHERE id = %s",
        "DELETE FROM pharmacies_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, actor_label=event.actor_label).exists()


def test_no_admin_url_can_change_the_trail():
    for name in ("audit:add", "audit:edit", "audit:delete", "audit:copy", "audit:history"):
        with pytest.raises(NoReverseMatch):
            reverse(name, args=[1]) if name != "audit:add" else reverse(name)
    assert reverse("audit:index")


def test_visible_to_titular_of_the_pharmacy_only(
    titular_client_a, admin_client_a, world_a, world_b, superuser, admin_client_b
):
    admin_client_b.get(reverse("prescriptions:file", args=[world_b.file.pk]))
    event_b = AuditEvent.objects.filter(pharmacy=world_b.pharmacy).first()
    event_a = AuditEvent.objects.filter(pharmacy=world_a.pharmacy).first()
    index = reverse("audit:index")

    # Ordinary staff: not even the listing (the permission is not in the staff group's).
    denied = admin_client_a.get(index)
    assert denied.status_code in (302, 403)
    assert admin_client_a.get(reverse("audit:inspect", args=[event_a.pk])).status_code in (302, 403)

    listing = titular_client_a.get(index)
    assert listing.status_code == 200
    html = listing.content.decode()
    assert reverse("audit:inspect", args=[event_a.pk]) in html
    assert reverse("audit:inspect", args=[event_b.pk]) not in html
    assert titular_client_a.get(reverse("audit:inspect", args=[event_a.pk])).status_code == 200
    assert titular_client_a.get(reverse("audit:inspect", args=[event_b.pk])).status_code == 404

    agency = Client()
    agency.force_login(superuser)
    html = agency.get(index).content.decode()
    assert reverse("audit:inspect", args=[event_b.pk]) in html
