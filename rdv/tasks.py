"""Periodic work of the booking app."""

from celery import shared_task

from pharmacies.tenancy import all_pharmacies

from .booking import send_due_reminders


@shared_task(name="rdv.send_reminders", ignore_result=True)
def send_reminders():
    """Every quarter of an hour: the day-before reminders that are due (each sent once)."""
    with all_pharmacies():
        return send_due_reminders()
