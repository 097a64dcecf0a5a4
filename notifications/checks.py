"""Deploy checks: delivery webhooks need their secret (without it they refuse every report)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def webhook_secret_set(app_configs, **kwargs):
    if getattr(settings, "ANYMAIL", {}).get("WEBHOOK_SECRET"):
        return []
    return [
        Warning(
            "ANYMAIL_WEBHOOK_SECRET is not set: delivery-status webhooks refuse every report.",
            hint="Set ANYMAIL_WEBHOOK_SECRET to 'user:password' and configure it at the provider.",
            id="notifications.W001",
        )
    ]
