"""Periodic work of the booking app."""

from celery import shared_task

from pharmacies.tenancy import all_pharmacies

from . import waitlist
from .booking import due_reminder_batches, send_reminders_for


@shared_task(name="rdv.send_reminders", ignore_result=True)
def send_reminders():
    """Every quarter of an hour: the due day-before reminders, one task per batch of bookings.

    A backlog (after an outage, or a busy morning at thousands of pharmacies) is then sent by every
    worker process at once instead of one loop; each batch claims its rows, so two overlapping
    ticks still remind each booking once. Returns the number of batches queued.
    """
    with all_pharmacies():
        batches = due_reminder_batches()
    for batch in batches:
        send_reminder_batch.delay(batch)
    return len(batches)


@shared_task(name="rdv.send_reminder_batch", ignore_result=True)
def send_reminder_batch(booking_ids):
    """One batch of day-before reminders, those still due when it runs (each sent once)."""
    with all_pharmacies():
        return send_reminders_for(booking_ids)


@shared_task(name="rdv.purge_waitlist", ignore_result=True)
def purge_waitlist():
    """Daily: waiting-list entries of days gone by (the patient's contact is kept no longer)."""
    with all_pharmacies():
        return waitlist.purge_past()
