"""Admin "Rendez-vous" menu: agenda, bookings list, services (the dashboard: `rdv.dashboard`)."""

from __future__ import annotations

import django_filters
from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup

from cms import dates
from pharmacies import tenancy
from pharmacies.admin_display import PhoneColumn, Wording, YesNoColumn
from pharmacies.viewsets import PharmacyScopedViewSet

from . import admin_views
from .admin_forms import ResourceAdminForm, ServiceAdminForm
from .models import Booking, BookingStatus, Resource, Service, WaitlistEntry


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
            path("ical/", admin_views.feed_view, name="feed"),
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
    list_display = [
        "reference",
        "start",
        "service",
        Column("full_name", label=_("Patient"), sort_key="last_name"),
        PhoneColumn("phone", label=_("Téléphone"), sort_key="phone"),
        "status",
    ]
    list_select_related = ["service"]
    filterset_class = BookingFilterSet
    search_fields = ["reference", "last_name", "first_name", "phone", "email"]
    inspect_view_enabled = True
    # Bookings do not ask the birth date; the secret and the key are plumbing, not information.
    inspect_view_fields_exclude = ["birth_date", "secret", "idempotency_key"]
    copy_view_enabled = False
    ordering = ["-start"]
    wording = Wording(
        add=_("Ajouter un rendez-vous"),
        created=_("Rendez-vous « %(object)s » créé."),
        updated=_("Rendez-vous « %(object)s » enregistré."),
        deleted=_("Rendez-vous « %(object)s » supprimé."),
        not_created=_("Le rendez-vous n'a pas pu être créé : corrigez les erreurs ci-dessous."),
        not_saved=_("Le rendez-vous n'a pas pu être enregistré : corrigez les erreurs ci-dessous."),
    )
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
    list_display = [
        "name",
        "category",
        "resource",
        "duration_minutes",
        "capacity",
        YesNoColumn("active", label=_("Active"), sort_key="active"),
    ]
    list_filter = ["category", "active"]
    list_select_related = ["resource"]
    search_fields = ["name"]
    copy_view_enabled = False
    wording = Wording(
        add=_("Ajouter une prestation"),
        created=_("Prestation « %(object)s » créée."),
        updated=_("Prestation « %(object)s » enregistrée."),
        deleted=_("Prestation « %(object)s » supprimée."),
        not_created=_("La prestation n'a pas pu être créée : corrigez les erreurs ci-dessous."),
        not_saved=_("La prestation n'a pas pu être enregistrée : corrigez les erreurs ci-dessous."),
    )
    edit_handler = ObjectList(Service.panels, base_form_class=ServiceAdminForm)


class ResourceViewSet(PharmacyScopedViewSet):
    """Pharmacists and rooms the services need; their presence hours narrow the services'."""

    model = Resource
    icon = "group"
    menu_label = _("Ressources")
    menu_order = 125
    list_display = [
        "name",
        "kind",
        Column("service_names", label=_("Prestations")),
        YesNoColumn("active", label=_("Active"), sort_key="active"),
    ]
    list_filter = ["kind", "active"]
    search_fields = ["name"]
    copy_view_enabled = False
    wording = Wording(
        add=_("Ajouter une ressource"),
        created=_("Ressource « %(object)s » créée."),
        updated=_("Ressource « %(object)s » enregistrée."),
        deleted=_("Ressource « %(object)s » supprimée."),
        not_created=_("La ressource n'a pas pu être créée : corrigez les erreurs ci-dessous."),
        not_saved=_("La ressource n'a pas pu être enregistrée : corrigez les erreurs ci-dessous."),
    )
    edit_handler = ObjectList(Resource.panels, base_form_class=ResourceAdminForm)


class WaitlistViewSet(PharmacyScopedViewSet):
    """Who waits for which full day: read-only, the patient is told by the site, not by hand."""

    model = WaitlistEntry
    icon = "group"
    menu_label = _("Liste d'attente")
    menu_order = 125
    list_display = [
        "day",
        "service",
        Column("full_name", label=_("Patient"), sort_key="last_name"),
        PhoneColumn("phone", label=_("Téléphone"), sort_key="phone"),
        "status",
        "offered_start",
        "created_at",
    ]
    list_select_related = ["service"]
    list_filter = ["status"]
    search_fields = ["reference", "last_name", "first_name", "phone", "email"]
    ordering = ["day", "created_at"]
    inspect_view_enabled = True
    inspect_view_fields_exclude = ["birth_date", "secret", "page"]
    copy_view_enabled = False
    wording = Wording(
        add=_("Ajouter une inscription"),
        created=_("Inscription « %(object)s » créée."),
        updated=_("Inscription « %(object)s » enregistrée."),
        deleted=_("Inscription « %(object)s » supprimée."),
        not_created=_("L'inscription n'a pas pu être créée : corrigez les erreurs ci-dessous."),
        not_saved=_("L'inscription n'a pas pu être enregistrée : corrigez les erreurs ci-dessous."),
    )
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("first_name"), FieldPanel("last_name")]),
            FieldRowPanel([FieldPanel("phone"), FieldPanel("email")]),
            FieldPanel("notify_by"),
        ]
    )

    @cached_property
    def add_view(self):
        # Patients sign up from the full day of the calendar; the admin only reads and corrects.
        return RedirectView.as_view(pattern_name="rdv_waitlist:index")


class RdvViewSetGroup(ViewSetGroup):
    menu_label = _("Rendez-vous")
    menu_name = "rendez-vous"  # the dashboard's badge goes on it (`rdv.dashboard`)
    menu_icon = "date"
    menu_order = 150
    items = (
        AgendaViewSet(),
        BookingViewSet("rdv_bookings"),
        ServiceViewSet("rdv_services"),
        ResourceViewSet("rdv_resources"),
        WaitlistViewSet("rdv_waitlist"),
        ClosuresViewSet(),
    )


@hooks.register("register_admin_viewset")
def register_rdv_viewsets():
    return RdvViewSetGroup()
