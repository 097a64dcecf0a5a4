"""Periodic work of Click & Collect; both jobs span every pharmacy, so they say so explicitly."""

from celery import shared_task

from pharmacies.tenancy import all_pharmacies

from . import services


@shared_task(name="collect.expire_and_remind", ignore_result=True)
def expire_and_remind() -> dict[str, int]:
    """Hourly: the day-before reminders, then the expiry of reservations nobody came for."""
    with all_pharmacies():
        return services.expire_and_remind()


@shared_task(name="collect.purge_expired", ignore_result=True)
def purge_expired() -> int:
    """Daily: personal data of closed reservations past the retention period."""
    with all_pharmacies():
        return services.purge_expired()
