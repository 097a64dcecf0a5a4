"""Admin "Rendez-vous" menu: agenda, bookings list, services; today's bookings on the dashboard."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import django_filters
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.components import Component
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup

from cms import dates
from pharmacies import tenancy
from pharmacies.viewsets import PharmacyScopedViewSet

from . import admin_views
from .models import Booking, BookingStatus, Service


class PermissionMenuItem(MenuItem):
    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


class AgendaViewSet(ViewSet):
    name = admin_views.NAMESPACE
    icon = "date"
    menu_label = _("Agenda")
    menu_order = 100

    def get_urlpatterns(self):
        return [
            path("", admin_views.agenda_view, name="agenda"),
            path("nouveau/", admin_views.phone_booking_view, name="phone_booking"),
            path(
                "<int:pk>/<slug:action>/",
                admin_views.booking_action_view,
                name="action",
            ),
        ]

    def get_menu_item(self, order=None):
        return PermissionMenuItem(
            self.menu_label,
            self.menu_url,
            name="rdv-agenda",
            icon_name=self.icon,
            order=self.get_menu_item_order(order),
            permission="rdv.view_booking",
        )


class ClosuresViewSet(ViewSet):
    """Closures live on the pharmacy record (hours, holidays); the agenda menu leads there too."""

    name = "rdv_closures"
    icon = "time"
    menu_label = _("Fermetures et horaires")
    menu_order = 130

    def get_urlpatterns(self):
        return [path("", admin_views.closures_view, name="index")]

    def get_menu_item(self, order=None):
        return PermissionMenuItem(
            self.menu_label,
            self.menu_url,
            name="rdv-closures",
            icon_name=self.icon,
            order=self.get_menu_item_order(order),
            permission="pharmacies.change_pharmacy",
        )


def _scoped_services(request):
    if request is None:
        return Service.objects.none()
    return tenancy.scope_queryset(Service.objects.all(), request.user)


class BookingFilterSet(WagtailFilterSet):
    """Filters whose choices are the user's own services only."""

    service = django_filters.ModelChoiceFilter(label=_("prestation"), queryset=_scoped_services)
    status = django_filters.ChoiceFilter(label=_("statut"), choices=BookingStatus.choices)
    start = dates.DateFromToRangeFilter(label=_("date"))

    class Meta:
        model = Booking
        fields = ["service", "status", "start"]


class BookingViewSet(PharmacyScopedViewSet):
    """The list of bookings; new ones go through the phone form (same seats and locks)."""

    model = Booking
    icon = "list-ul"
    menu_label = _("Tous les rendez-vous")
    menu_order = 110
    list_display = ["reference", "start", "service", "full_name", "phone", "status"]
    list_select_related = ["service"]
    filterset_class = BookingFilterSet
    search_fields = ["reference", "last_name", "first_name", "phone", "email"]
    inspect_view_enabled = True
    # Bookings do not ask the birth date; the secret and the key are plumbing, not information.
    inspect_view_fields_exclude = ["birth_date", "secret", "idempotency_key"]
    copy_view_enabled = False
    ordering = ["-start"]
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("first_name"), FieldPanel("last_name")]),
            FieldRowPanel([FieldPanel("phone"), FieldPanel("email")]),
            FieldPanel("notify_by"),
            FieldPanel("comment"),
        ]
    )

    @cached_property
    def add_view(self):
        return RedirectView.as_view(pattern_name=f"{admin_views.NAMESPACE}:phone_booking")


class ServiceViewSet(PharmacyScopedViewSet):
    model = Service
    icon = "cog"
    menu_label = _("Prestations")
    menu_order = 120
    list_display = ["name", "category", "duration_minutes", "capacity", "active"]
    list_filter = ["category", "active"]
    search_fields = ["name"]
    copy_view_enabled = False
    edit_handler = ObjectList(Service.panels)


class RdvViewSetGroup(ViewSetGroup):
    menu_label = _("Rendez-vous")
    menu_icon = "date"
    menu_order = 150
    items = (
        AgendaViewSet(),
        BookingViewSet("rdv_bookings"),
        ServiceViewSet("rdv_services"),
        ClosuresViewSet(),
    )


@hooks.register("register_admin_viewset")
def register_rdv_viewsets():
    return RdvViewSetGroup()


class TodayBookingsPanel(Component):
    """Dashboard: today's appointments of the user's pharmacies, in order."""

    name = "rdv_today"
    template_name = "rdv/admin/home_panel.html"
    order = 90

    def __init__(self, request):
        self.request = request

    def get_context_data(self, parent_context=None):
        tz = timezone.get_default_timezone()
        today = timezone.localdate()
        lower = datetime.combine(today, time.min, tzinfo=tz)
        bookings = tenancy.scope_queryset(
            Booking.objects.filter(
                start__gte=lower,
                start__lt=lower + timedelta(days=1),
                status__in=[BookingStatus.BOOKED, BookingStatus.DONE, BookingStatus.NO_SHOW],
            ).select_related("service"),
            self.request.user,
        ).order_by("start")
        return {
            "bookings": bookings[:50],
            "agenda_url": reverse(f"{admin_views.NAMESPACE}:agenda"),
        }

    def render_html(self, parent_context=None):
        if not self.request.user.has_perm("rdv.view_booking"):
            return ""
        return super().render_html(parent_context)


@hooks.register("construct_homepage_panels")
def add_today_panel(request, panels):
    panels.append(TodayBookingsPanel(request))
