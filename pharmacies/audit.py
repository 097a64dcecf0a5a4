"""Writing the audit trail: one call per sensitive action, from views, services and commands.

The trail must show who touched which health record, not hold health data itself: rows name an
object by type and id, and a patient (for GDPR actions) by a keyed hash of their normalised
contact, so a later request about the same person can be matched without keeping who they are.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from django.conf import settings

from .client_ip import client_ip
from .models import AuditAction, AuditEvent
from .phones import to_e164

logger = logging.getLogger("officine.audit")

__all__ = ["AuditAction", "AuditEvent", "actor_label", "record", "subject_hash"]

AUDIT_PERMISSION = "pharmacies.view_auditevent"


def _pepper() -> bytes:
    pepper = getattr(settings, "OFFICINE_AUDIT_PEPPER", "") or settings.SECRET_KEY
    return pepper.encode()


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()


def normalise_phone(phone: str | None) -> str:
    if not phone or not phone.strip():
        return ""
    return to_e164(phone) or phone.strip().replace(" ", "")


def subject_hash(email: str | None = None, phone: str | None = None) -> str:
    """A stable pseudonym of a patient's contact (email and/or phone), useless without the pepper."""
    key = f"email:{normalise_email(email)}|phone:{normalise_phone(phone)}"
    return hmac.new(_pepper(), key.encode(), hashlib.sha256).hexdigest()


def actor_label(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return "system"
    return user.get_username()


def object_ref(obj) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return obj._meta.label_lower, str(obj.pk)


def record(
    action: str,
    *,
    pharmacy=None,
    user=None,
    request=None,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    subject: str = "",
    detail: dict | None = None,
    label: str = "",
) -> AuditEvent:
    """Append one event; `request` gives the actor and the client IP when there is one."""
    if request is not None and user is None:
        user = getattr(request, "user", None)
    if obj is not None and not object_type:
        object_type, object_id = object_ref(obj)
    ip = client_ip(request) if request is not None else None
    actor = user if getattr(user, "is_authenticated", False) else None
    event = AuditEvent.objects.create(
        pharmacy=pharmacy,
        actor=actor,
        actor_label=label or actor_label(user),
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        subject_hash=subject,
        detail=detail or {},
        ip_address=ip or None,
    )
    logger.info(
        "audit %s by %s on %s:%s (pharmacy %s)",
        action,
        event.actor_label,
        object_type,
        object_id,
        getattr(pharmacy, "pk", None),
    )
    return event
