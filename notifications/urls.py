"""Site-wide routes of this app: delivery-status webhooks (anymail for email, ours for SMS)."""

from anymail import urls as anymail_urls
from django.urls import URLPattern, include, path

from . import views

app_name = "notifications"


def _guarded(patterns):
    """anymail's webhooks, each refusing every call while no webhook secret is configured."""
    return [
        URLPattern(p.pattern, views.require_webhook_secret(p.callback), p.default_args, p.name)
        for p in patterns
    ]


urlpatterns = [
    path("anymail/", include((_guarded(anymail_urls.urlpatterns), anymail_urls.app_name))),
    path("sms/status/", views.sms_status_webhook, name="sms_status"),
]
