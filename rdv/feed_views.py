"""The site-wide route of the staff's private iCal feed (no login: the token is the secret)."""

from __future__ import annotations

import re

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_GET

from pharmacies import tenancy

from . import feed as feeds
from .ics import agenda_feed_ics
from .models import AgendaFeed

# What `secrets.token_urlsafe` writes; anything else (a NUL byte, a path) is not looked up.
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


@require_GET
def agenda_feed_view(request, token):
    """404 for a revoked, unknown or other pharmacy's token; never cached, never indexed."""
    pharmacy = tenancy.pharmacy_for_request(request)
    if pharmacy is None or not TOKEN.fullmatch(token):
        raise Http404
    found = AgendaFeed.objects.filter(pharmacy=pharmacy, token=token).first()
    if found is None:
        raise Http404
    with translation.override(settings.LANGUAGE_CODE):
        body = agenda_feed_ics(
            pharmacy, feeds.upcoming_bookings(pharmacy), full_names=found.full_names
        )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="agenda.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
