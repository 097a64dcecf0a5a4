"""What this app puts on the pharmacy's dashboard (`dashboard` extension point).

Today's and tomorrow's appointments, in order; cancelled ones are left out (nobody is coming).
Today's count is the badge of the "Rendez-vous" menu.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.components import Component

from pharmacies import tenancy
from pharmacies.dashboard import DashboardItem

from . import admin_views
from .models import Booking, BookingStatus

VIEW_PERMISSION = "rdv.view_booking"
SHOWN = 50


def bookings_on(request, day):
    tz = timezone.get_default_timezone()
    lower = datetime.combine(day, time.min, tzinfo=tz)
    return tenancy.scope_queryset(
        Booking.objects.filter(
            start__gte=lower,
            start__lt=lower + timedelta(days=1),
            status__in=[BookingStatus.BOOKED, BookingStatus.DONE, BookingStatus.NO_SHOW],
        ).select_related("service"),
        request.user,
    ).order_by("start")


class TodayBookingsPanel(Component):
    """Dashboard: today's and tomorrow's appointments of the user's pharmacies, in order."""

    name = "rdv_today"
    template_name = "rdv/admin/home_panel.html"

    def __init__(self, request, days):
        self.request = request
        self.days = days

    def get_context_data(self, parent_context=None):
        """The rows are read here, when the dashboard is drawn, not for every menu's badge."""
        days = [
            {**day, "bookings": list(bookings_on(self.request, day["day"])[:SHOWN])}
            for day in self.days
        ]
        return {"days": days, "agenda_url": reverse(f"{admin_views.NAMESPACE}:agenda")}


def dashboard_items(request) -> list[DashboardItem]:
    if not request.user.has_perm(VIEW_PERMISSION):
        return []
    today = timezone.localdate()
    tomorrow = today + timedelta(days=1)
    days = [
        {"label": label, "day": day, "count": bookings_on(request, day).count()}
        for label, day in ((_("Aujourd'hui"), today), (_("Demain"), tomorrow))
    ]
    agenda = reverse(f"{admin_views.NAMESPACE}:agenda")
    return [
        DashboardItem(
            name="bookings_today",
            label=_("Rendez-vous aujourd'hui"),
            count=days[0]["count"],
            url=agenda,
            menu_name="rendez-vous",
            panel=TodayBookingsPanel(request, days),
            order=20,
        ),
        DashboardItem(
            name="bookings_tomorrow",
            label=_("Rendez-vous demain"),
            count=days[1]["count"],
            url=agenda + "?jour=" + tomorrow.isoformat(),
            order=25,
        ),
    ]
