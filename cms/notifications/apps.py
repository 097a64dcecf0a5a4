from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Outbox of patient and pharmacy notifications (email and SMS), sent by Celery."""

    name = "cms.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"
    pharmacy_staff_permissions = [
        "notifications.view_outboxmessage",
        "notifications.resend_outboxmessage",
    ]

    def ready(self):
        from cms.celery import app

        from . import checks, signals  # noqa: F401  (deploy check, anymail tracking receiver)

        app.conf.beat_schedule["notifications-relay-outbox"] = {
            "task": "notifications.relay_outbox",
            "schedule": 60.0,
        }
