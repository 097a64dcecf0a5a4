"""Periodic work of the prescriptions app."""

from celery import shared_task

from . import services


@shared_task(name="ordonnances.purge_expired")
def purge_expired() -> int:
    """Daily: files and personal data of closed prescriptions past the retention period."""
    return services.purge_expired()
