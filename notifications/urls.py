"""Site-wide routes of this app: delivery-status webhooks (anymail for email, ours for SMS)."""

from django.urls import include, path

from . import views

app_name = "notifications"
urlpatterns = [
    path("anymail/", include("anymail.urls")),
    path("sms/status/", views.sms_status_webhook, name="sms_status"),
]
