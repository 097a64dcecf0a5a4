"""Deploy checks: delivery webhooks must be authenticated, or anyone could mark messages delivered."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def webhook_secret_set(app_configs, **kwargs):
    if getattr(settings, "ANYMAIL", {}).get("WEBHOOK_SECRET"):
        return []
    return [
        Warning(
            "ANYMAIL_WEBHOOK_SECRET is not set: delivery-status webhooks would accept anyone.",
            hint="Set ANYMAIL_WEBHOOK_SECRET to 'user:password' and configure it at the provider.",
            id="notifications.W001",
        )
    ]
