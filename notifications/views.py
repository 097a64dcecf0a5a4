"""Webhook of the SMS provider (Brevo transactional SMS) for delivery reports."""

from __future__ import annotations

import base64
import json
import logging
from functools import wraps

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import Status
from .signals import apply_delivery_report

logger = logging.getLogger("officine.notifications")

SMS_EVENT_STATUS = {
    "delivered": Status.DELIVERED,
    "hardbounce": Status.BOUNCED,
    "hard_bounce": Status.BOUNCED,
    "hardbounces": Status.BOUNCED,
    "softbounce": Status.BOUNCED,
    "soft_bounce": Status.BOUNCED,
    "softbounces": Status.BOUNCED,
    "rejected": Status.BOUNCED,
    "blocked": Status.BOUNCED,
    "blacklisted": Status.BOUNCED,
}


def webhook_secret() -> str:
    """The basic-auth `user:password` every delivery webhook requires (ANYMAIL["WEBHOOK_SECRET"])."""
    return (getattr(settings, "ANYMAIL", {}) or {}).get("WEBHOOK_SECRET") or ""


def _unauthorized(realm: str) -> HttpResponse:
    response = HttpResponse("Unauthorized", status=401)
    response["WWW-Authenticate"] = f'Basic realm="{realm}"'
    return response


def require_webhook_secret(view):
    """Refuse every call while no secret is configured.

    anymail's own webhooks accept anyone when the secret is unset (with a warning): then anybody
    could mark a patient's message bounced or delivered.
    """

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not webhook_secret():
            logger.error(
                "Delivery webhook %s refused: ANYMAIL_WEBHOOK_SECRET is not set", request.path
            )
            return _unauthorized("delivery-webhooks")
        return view(request, *args, **kwargs)

    return guarded


def _authorized(request) -> bool:
    """Same basic-auth secret as anymail's email webhooks."""
    secret = webhook_secret()
    if not secret:
        return False
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        given = base64.b64decode(value.strip()).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return False
    return constant_time_compare(given, secret)


@csrf_exempt
@require_POST
def sms_status_webhook(request):
    if not _authorized(request):
        return _unauthorized("sms-webhook")
    try:
        payload = json.loads(request.body or b"{}")
    except ValueError:
        return HttpResponse("Bad JSON", status=400)
    events = payload if isinstance(payload, list) else [payload]
    changed = 0
    for item in events:
        if not isinstance(item, dict):
            continue
        raw = str(item.get("msg_status") or item.get("event") or item.get("status") or "")
        status = SMS_EVENT_STATUS.get(raw.replace(" ", "").lower())
        message_id = str(item.get("messageId") or item.get("message_id") or "")
        if status and message_id:
            changed += apply_delivery_report(
                provider_message_id=message_id,
                status=status,
                detail=str(item.get("description") or raw),
            )
    return JsonResponse({"updated": changed})
