"""The pharmacy's dashboard: each feature says what is waiting, the platform lays it out.

The platform cannot name the features (prescriptions, appointments, those to come), so each app
declares on its AppConfig a `dashboard` callable (`pharmacies.extensions`): given the request, it
returns its `DashboardItem`s, already scoped to the user's pharmacies and empty when the user may
not see them. From those items the platform builds the dashboard panels, the counts shown as
badges on the menu items, and the small JSON answer the dashboard polls to show new work
without a reload.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from .extensions import declared_objects


@dataclass
class DashboardItem:
    """One count a pharmacist acts on ("3 ordonnances à préparer"), and optionally its panel.

    `name` is stable (it keys the live counter and the sound); `menu_name` is the name of the menu
    item that gets the count as a badge; `alert` asks for a notice (and the optional sound) when
    the count goes up while the dashboard is open.
    """

    name: str
    label: str
    count: int
    url: str = ""
    menu_name: str = ""
    alert: bool = False
    panel: object | None = None
    order: int = 100
    extra: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "label": str(self.label),
            "count": self.count,
            "url": self.url,
            "alert": self.alert,
        }


def items_for(request) -> list[DashboardItem]:
    """Every app's items for this request, in their declared order."""
    if not getattr(request.user, "is_authenticated", False):
        return []
    cached = getattr(request, "_officine_dashboard_items", None)
    if cached is None:
        cached = []
        for provider in declared_objects("dashboard"):
            cached.extend(provider(request))
        cached.sort(key=lambda item: item.order)
        request._officine_dashboard_items = cached
    return cached


@never_cache
def counts_view(request):
    """What the dashboard polls: the counts only (no patient data), for the user's pharmacies."""
    return JsonResponse({"items": [item.as_json() for item in items_for(request)]})
