"""The private iCal feed of a pharmacy's upcoming appointments: its token, its URL, its content.

The URL is a bearer secret (calendar apps cannot log in): a long random token, one per pharmacy,
replaced or removed by the pharmacy; creation and revocation leave an audit row.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from pharmacies import audit

from .models import AgendaFeed, Booking, BookingStatus

FEED_DAYS_BACK = 7
FEED_DAYS_AHEAD = 180
FEED_MAX_EVENTS = 2000


def feed_of(pharmacy) -> AgendaFeed | None:
    return AgendaFeed._base_manager.filter(pharmacy=pharmacy).first()


def feed_url(feed: AgendaFeed) -> str:
    if not feed.token:
        return ""
    path = reverse("rdv:agenda_feed", args=[feed.token])
    return feed.pharmacy.site.root_url.rstrip("/") + path


def _audit(feed: AgendaFeed, what: str, request, **detail) -> None:
    audit.record(
        audit.AuditAction.EXPORT,
        pharmacy=feed.pharmacy,
        request=request,
        obj=feed,
        detail={"agenda_ical": what, **detail},
    )


def create_token(pharmacy, *, request=None) -> AgendaFeed:
    """A new secret address; any previous one stops working at once."""
    with transaction.atomic():
        feed, _ = AgendaFeed._base_manager.select_for_update().get_or_create(pharmacy=pharmacy)
        replaced = bool(feed.token)
        feed.token = secrets.token_urlsafe(32)
        feed.created_at = timezone.now()
        feed.save(update_fields=["token", "created_at"])
        _audit(feed, "created", request, replaced=replaced)
    return feed


def revoke_token(pharmacy, *, request=None) -> bool:
    with transaction.atomic():
        feed = AgendaFeed._base_manager.select_for_update().filter(pharmacy=pharmacy).first()
        if feed is None or not feed.token:
            return False
        feed.token = None
        feed.created_at = None
        feed.save(update_fields=["token", "created_at"])
        _audit(feed, "revoked", request)
    return True


def set_full_names(pharmacy, full_names: bool, *, request=None) -> AgendaFeed:
    with transaction.atomic():
        feed, _ = AgendaFeed._base_manager.select_for_update().get_or_create(pharmacy=pharmacy)
        if feed.full_names != full_names:
            feed.full_names = full_names
            feed.save(update_fields=["full_names"])
            _audit(feed, "full_names", request, full_names=full_names)
    return feed


def upcoming_bookings(pharmacy, now=None):
    """Booked appointments from a week ago to six months ahead (what a calendar app keeps)."""
    now = now or timezone.now()
    return list(
        Booking.objects.filter(
            pharmacy=pharmacy,
            status=BookingStatus.BOOKED,
            start__gte=now - timedelta(days=FEED_DAYS_BACK),
            start__lt=now + timedelta(days=FEED_DAYS_AHEAD),
        )
        .select_related("service__resource")
        .order_by("start")[:FEED_MAX_EVENTS]
    )
