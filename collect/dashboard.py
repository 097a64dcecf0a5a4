"""What this app puts on the pharmacy's dashboard (`dashboard` extension point).

Reservations to prepare (received or in preparation): the count in the dashboard's header, the
badge of the "Click & Collect" menu and a live count that rings when a new reservation arrives,
like prescriptions; the panel gives the per-pharmacy figures (received today, to prepare, ready).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pharmacies.dashboard import DashboardItem

from . import admin_views

MENU_NAME = "click-collect"


def dashboard_items(request) -> list[DashboardItem]:
    if not request.user.has_perm(admin_views.VIEW_PERMISSION):
        return []
    waiting = (
        admin_views.scoped_reservations(request.user)
        .filter(status__in=admin_views.WAITING_STATUSES)
        .count()
    )
    index = reverse("reservations:index")
    return [
        DashboardItem(
            name="reservations_to_prepare",
            label=_("Réservations à préparer"),
            count=waiting,
            url=index + "?status=received&status=preparing",
            menu_name=MENU_NAME,
            alert=True,
            panel=admin_views.ReservationsPanel(request),
            order=30,
        )
    ]
