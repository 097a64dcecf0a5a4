"""Signed links a patient receives: manage (cancel or move) a booking without an account."""

from __future__ import annotations

import base64
import binascii

from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from .models import Booking

SALT = "officine.rdv.manage"


def manage_token(booking: Booking) -> str:
    """A signed token re-encoded in [A-Za-z0-9_-]: Wagtail's page routes accept nothing else."""
    signed = signing.dumps({"b": booking.pk, "s": booking.secret}, salt=SALT, compress=True)
    return base64.urlsafe_b64encode(signed.encode()).decode().rstrip("=")


def booking_from_token(token: str) -> Booking | None:
    """The booking a token designates, or None when it is tampered, unknown or revoked."""
    try:
        signed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        data = signing.loads(signed, salt=SALT)
    except (ValueError, binascii.Error, signing.BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    booking = (
        Booking.objects.select_related("service", "pharmacy__site").filter(pk=data.get("b")).first()
    )
    if booking is None or not constant_time_compare(str(data.get("s", "")), booking.secret):
        return None
    return booking


def absolute(booking: Booking, path: str) -> str:
    return booking.pharmacy.site.root_url.rstrip("/") + path


def manage_path(booking: Booking) -> str:
    return reverse("rdv:manage", args=[manage_token(booking)])


def ics_path(booking: Booking) -> str:
    return reverse("rdv:ics", args=[manage_token(booking)])


def manage_url(booking: Booking) -> str:
    return absolute(booking, manage_path(booking))


def ics_url(booking: Booking) -> str:
    return absolute(booking, ics_path(booking))
