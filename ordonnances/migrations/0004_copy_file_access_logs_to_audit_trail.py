"""File views and downloads move to the platform's audit trail (pharmacies.AuditEvent).

Since the audit trail exists the admin wrote both rows for every access; before it, only the file
log. Each old log row without its audit twin (same pharmacy, user, action and thumbnail, a few
seconds apart, same file when the log still names it) is copied, marked `copied_from`; the others
are already there. Not reversed: audit rows are never deleted.
"""

import bisect
from collections import defaultdict
from datetime import timedelta

from django.db import migrations

FILE_TYPE = "ordonnances.prescriptionfile"
ACTIONS = {"view": "file_view", "download": "file_download"}
TWIN_WINDOW = timedelta(seconds=5)


def _twins_by_key(AuditEvent, pharmacy_id):
    """Audit events of file accesses of one pharmacy, per (user, action, thumbnail), by time."""
    found = defaultdict(list)
    events = AuditEvent.objects.filter(
        pharmacy_id=pharmacy_id, object_type=FILE_TYPE, action__in=list(ACTIONS.values())
    ).order_by("at", "pk")
    for event in events.iterator():
        key = (event.actor_label, event.action, bool(event.detail.get("thumbnail")))
        found[key].append(event)
    return {key: ([e.at for e in rows], rows) for key, rows in found.items()}


def copy_file_access_logs(apps, schema_editor):
    FileAccessLog = apps.get_model("ordonnances", "FileAccessLog")
    AuditEvent = apps.get_model("pharmacies", "AuditEvent")
    pharmacy_ids = FileAccessLog.objects.order_by().values_list("pharmacy_id", flat=True)
    for pharmacy_id in sorted(set(pharmacy_ids)):
        twins = _twins_by_key(AuditEvent, pharmacy_id)
        used = set()
        copies = []
        logs = FileAccessLog.objects.filter(pharmacy_id=pharmacy_id).order_by("at", "pk")
        for log in logs.iterator():
            action = ACTIONS[log.action]
            times, events = twins.get((log.username, action, log.thumbnail), ([], []))
            index = bisect.bisect_left(times, log.at - TWIN_WINDOW)
            twin = next(
                (
                    event
                    for event in events[index:]
                    if event.at <= log.at + TWIN_WINDOW
                    and event.pk not in used
                    and (log.file_id is None or event.object_id == str(log.file_id))
                ),
                None,
            )
            if twin is not None:
                used.add(twin.pk)
                continue
            copies.append(
                AuditEvent(
                    pharmacy_id=log.pharmacy_id,
                    actor_id=log.user_id,
                    actor_label=log.username,
                    action=action,
                    object_type=FILE_TYPE,
                    object_id=str(log.file_id or ""),
                    detail={
                        "prescription": log.prescription_id,
                        "file": log.file_label,
                        "thumbnail": log.thumbnail,
                        "user_agent": log.user_agent,
                        "copied_from": "ordonnances.fileaccesslog",
                    },
                    ip_address=log.ip_address,
                    at=log.at,
                )
            )
        AuditEvent.objects.bulk_create(copies, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("ordonnances", "0003_prescription_language"),
        ("pharmacies", "0002_auditevent"),
    ]

    operations = [
        migrations.RunPython(copy_file_access_logs, migrations.RunPython.noop, elidable=True),
    ]
