"""What this app puts on the pharmacy's dashboard (`dashboard` extension point).

Prescriptions to prepare, oldest first with their age (the patient who waits longest is served
first), and collections overdue: set aside for a patient who has not come by the day they chose
(or for a week, when they chose none). The count of prescriptions to prepare is the menu badge
and the live counter: a new one rings while the dashboard is open.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.components import Component

from pharmacies import tenancy
from pharmacies.dashboard import DashboardItem

from . import renewals
from .models import READY_STATUSES, Dispensing, Prescription, Status

VIEW_PERMISSION = "ordonnances.view_prescription"
TO_PREPARE = [Status.RECEIVED, Status.PREPARING]
#: Without a pickup date, a prescription set aside is overdue after this long.
UNCLAIMED_AFTER = timedelta(days=7)
SHOWN = 15


def _live(request):
    return tenancy.scope_queryset(
        Prescription.objects.filter(purged_at__isnull=True), request.user
    ).select_related("pharmacy")


def to_prepare(request):
    return _live(request).filter(status__in=TO_PREPARE).order_by("created_at", "pk")


def renewals_due(request) -> int:
    """Renewal preparations in the "à préparer" list (due within the pharmacy's lead time)."""
    return len(
        renewals.due_dispensings(
            tenancy.scope_queryset(Dispensing.objects.all(), request.user, "prescription__pharmacy")
        )
    )


def overdue(request):
    now = timezone.now()
    today = timezone.localdate()
    return (
        _live(request)
        .filter(status__in=READY_STATUSES)
        .filter(
            Q(pickup_date__lt=today)
            | Q(pickup_date__isnull=True, updated_at__lt=now - UNCLAIMED_AFTER)
        )
        .order_by("pickup_date", "updated_at")
    )


def age(since) -> str:
    """How long a patient has been waiting, in the words a pharmacist uses."""
    minutes = max(0, int((timezone.now() - since).total_seconds() // 60))
    if minutes < 60:
        return str(_("%(n)d min") % {"n": minutes})
    hours = minutes // 60
    if hours < 24:
        return str(_("%(n)d h") % {"n": hours})
    days = hours // 24
    return str(_("%(n)d j") % {"n": days})


class PrescriptionsPanel(Component):
    """Dashboard: to prepare (by status, oldest first, with age) and overdue collections."""

    name = "prescriptions"
    template_name = "ordonnances/admin/dashboard_panel.html"

    def __init__(self, request, late_count):
        self.request = request
        self.late_count = late_count

    def get_context_data(self, parent_context=None):
        """The rows are read here, when the dashboard is drawn, not for every menu's badge."""
        index = reverse("prescriptions:index")
        groups = []
        shown = []
        for status in TO_PREPARE:
            waiting = to_prepare(self.request).filter(status=status)
            rows = list(waiting[:SHOWN])
            for row in rows:
                row.age = age(row.created_at)
            shown += rows
            groups.append({"label": Status(status).label, "rows": rows, "count": waiting.count()})
        late = list(overdue(self.request)[:SHOWN])
        several = len({p.pharmacy_id for p in shown} | {p.pharmacy_id for p in late})
        return {
            "groups": groups,
            "late": late,
            "late_count": self.late_count,
            "several_pharmacies": several > 1,
            "index_url": index,
            "waiting_url": index + "?status=received&status=preparing",
            "renewals_due": renewals_due(self.request),
            "renewals_url": index + "#renewals-due-title",
        }


def dashboard_items(request) -> list[DashboardItem]:
    if not request.user.has_perm(VIEW_PERMISSION):
        return []
    waiting = to_prepare(request).count()
    late = overdue(request).count()
    panel = PrescriptionsPanel(request, late)
    index = reverse("prescriptions:index")
    return [
        DashboardItem(
            name="prescriptions_to_prepare",
            label=_("Ordonnances à préparer"),
            count=waiting,
            url=index + "?status=received&status=preparing",
            menu_name="prescriptions",
            alert=True,
            panel=panel,
            order=10,
        ),
        DashboardItem(
            name="prescriptions_overdue",
            label=_("Retraits en retard"),
            count=late,
            url=index + "?status=ready&status=partially_ready",
            order=30,
        ),
    ]
