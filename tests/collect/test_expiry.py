"""Ready reservations nobody collects: a reminder the day before, then expiry; purge; GDPR."""

from datetime import timedelta

import pytest
from django.utils import timezone

from collect import services, tasks
from collect.models import CollectSettings, Reservation, Status
from config.celery import app
from notifications.models import OutboxMessage
from pharmacies import gdpr
from pharmacies.tenancy import all_pharmacies

from .test_workflow import reservation_a, reservation_b  # noqa: F401 - fixtures


def sent(event) -> int:
    return OutboxMessage.objects.filter(event=event, channel="email").count()


@pytest.mark.scoped
def test_reminder_the_day_before_then_expiry_each_once(reservation_a, time_machine):  # noqa: F811
    """Run with no scope: the task must open its own (beat starts with none)."""
    time_machine.move_to(timezone.now(), tick=False)
    with all_pharmacies():
        services.change_status(reservation_a, Status.READY)
    time_machine.shift(timedelta(days=5))
    assert tasks.expire_and_remind() == {"reminded": 0, "expired": 0}
    time_machine.shift(timedelta(days=1, hours=1))
    assert tasks.expire_and_remind() == {"reminded": 1, "expired": 0}
    assert tasks.expire_and_remind() == {"reminded": 0, "expired": 0}
    time_machine.shift(timedelta(days=1))
    assert tasks.expire_and_remind() == {"reminded": 0, "expired": 1}
    assert tasks.expire_and_remind() == {"reminded": 0, "expired": 0}
    with all_pharmacies():
        reservation_a.refresh_from_db()
        assert reservation_a.status == Status.EXPIRED
        assert (sent("reservation_reminder"), sent("reservation_expired")) == (1, 1)


def test_each_pharmacy_sets_its_own_delay(reservation_a, reservation_b, time_machine):  # noqa: F811
    time_machine.move_to(timezone.now(), tick=False)
    CollectSettings.objects.create(pharmacy=reservation_b.pharmacy, hold_days=2)
    services.change_status(reservation_a, Status.READY)
    services.change_status(reservation_b, Status.READY)
    time_machine.shift(timedelta(days=2, minutes=1))
    assert tasks.expire_and_remind() == {"reminded": 0, "expired": 1}
    assert Reservation.objects.get(pk=reservation_b.pk).status == Status.EXPIRED
    assert Reservation.objects.get(pk=reservation_a.pk).status == Status.READY


def test_closed_reservations_are_purged_after_the_retention_period(
    reservation_a,  # noqa: F811
    time_machine,
):
    time_machine.move_to(timezone.now(), tick=False)
    services.change_status(reservation_a, Status.READY)
    services.change_status(reservation_a, Status.COLLECTED)
    time_machine.shift(timedelta(days=services.RETENTION_DAYS - 1))
    assert tasks.purge_expired() == 0
    time_machine.shift(timedelta(days=2))
    assert tasks.purge_expired() == 1
    assert tasks.purge_expired() == 0
    purged = Reservation.objects.get(pk=reservation_a.pk)
    assert (purged.first_name, purged.email, purged.phone) == ("", "", "")
    assert not OutboxMessage.objects.filter(object_id=str(purged.pk)).exists()


def test_gdpr_export_and_erasure_include_reservations(reservation_a, reservation_b):  # noqa: F811
    payload = gdpr.collect_patient_data(reservation_a.pharmacy, email="JEANNE@example.fr")
    [exported] = payload["reservations"]
    assert exported["reference"] == reservation_a.reference
    assert {line["product_name"] for line in exported["lines"]} == {
        "Dentifrice fraîcheur (Elgydium)",
        "Crème solaire SPF 50 (Avène)",
    }
    other = gdpr.collect_patient_data(reservation_b.pharmacy, email="jeanne@example.fr")
    assert other["reservations"] == []
    gdpr.erase_patient_data(reservation_a.pharmacy, email="jeanne@example.fr")
    assert not Reservation.objects.filter(pk=reservation_a.pk).exists()
    assert Reservation.objects.filter(pk=reservation_b.pk).exists()


def test_expiry_reminders_and_purge_are_scheduled():
    """Beat runs them: hourly, so a reminder goes out within the hour it is due; purge daily."""
    schedule = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert schedule["collect.expire_and_remind"] == 3600
    assert schedule["collect.purge_expired"] == 24 * 3600
    assert {"collect.expire_and_remind", "collect.purge_expired"} <= set(app.tasks)
