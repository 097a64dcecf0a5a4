from django.utils.translation import gettext_lazy as _

from pharmacies import extensions


class NotificationsConfig(extensions.PluggableAppConfig):
    """Outbox of patient and pharmacy notifications (email and SMS), sent by Celery."""

    name = "notifications"
    label = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    site_urls = {"notifications/": "notifications.urls"}
    staff_permissions = [
        "notifications.view_outboxmessage",
        "notifications.resend_outboxmessage",
    ]
    patient_data = "notifications.gdpr.MessageData"
    notification_events = "notifications.events.LABELS"

    def ready(self):
        # Django's documented place to register checks and signal receivers (models are loaded).
        from . import checks, signals  # noqa: F401
