"""Signed links a patient receives: manage (cancel or move) a booking without an account."""

from __future__ import annotations

import base64
import binascii
import re

from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from .models import Booking

SALT = "officine.rdv.manage"
SHORT_TOKEN = re.compile(r"(\d{1,12})-([A-Za-z0-9_-]{16,64})")


def manage_token(booking: Booking) -> str:
    """`<id>-<secret>`: the booking's random secret (128 bits or more) is the proof, and the link
    stays short enough for an SMS of two segments. Only [A-Za-z0-9_-], as page routes require."""
    return f"{booking.pk}-{booking.secret}"


def booking_from_token(token: str) -> Booking | None:
    """The booking a token designates, or None when it is tampered, unknown or revoked."""
    match = SHORT_TOKEN.fullmatch(token)
    if match is not None:
        pk, secret = int(match.group(1)), match.group(2)
    else:
        pk, secret = _legacy_token(token)
    if pk is None:
        return None
    booking = Booking.objects.select_related("service", "pharmacy__site").filter(pk=pk).first()
    if booking is None or not constant_time_compare(secret, booking.secret):
        return None
    return booking


def _legacy_token(token: str) -> tuple[int | None, str]:
    """Links sent before the short form: a signed payload, base64-encoded; they keep working."""
    try:
        signed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        data = signing.loads(signed, salt=SALT)
    except (ValueError, binascii.Error, signing.BadSignature):
        return None, ""
    if not isinstance(data, dict) or not isinstance(data.get("b"), int):
        return None, ""
    return data["b"], str(data.get("s", ""))


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
