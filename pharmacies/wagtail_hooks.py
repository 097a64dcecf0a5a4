"""Admin: each pharmacy edits its own record; choosers and explorer show only its own tree."""

from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import ObjectList
from wagtail.models import Page

from . import admin_gdpr, tenancy, views
from .models import Pharmacy
from .viewsets import PharmacyScopedViewSet


class PharmacyViewSet(PharmacyScopedViewSet):
    model = Pharmacy
    pharmacy_field = "pk"
    icon = "home"
    menu_label = _("Ma pharmacie")
    menu_order = 200
    add_to_admin_menu = True
    list_display = ["name", "city", "site"]
    search_fields = ["name", "city"]
    inspect_view_enabled = True
    copy_view_enabled = False
    edit_handler = ObjectList(Pharmacy.panels)


pharmacy_viewset = PharmacyViewSet("pharmacies")


@hooks.register("register_admin_viewset")
def register_pharmacy_viewset():
    return pharmacy_viewset


def _own_page_filter(pages, request):
    user = request.user
    if user.is_superuser:
        return pages
    roots = [
        p.site.root_page
        for p in tenancy.pharmacies_for_user(user).select_related("site__root_page")
    ]
    if not roots:
        return pages.none()
    allowed = Page.objects.none()
    for root in roots:
        allowed = allowed | Page.objects.descendant_of(root, inclusive=True)
    return pages.filter(pk__in=allowed.values("pk"))


@hooks.register("construct_page_chooser_queryset")
def scope_page_chooser(pages, request):
    return _own_page_filter(pages, request)


@hooks.register("construct_explorer_page_queryset")
def scope_explorer(parent_page, pages, request):
    return _own_page_filter(pages, request)


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path("pharmacies/nouvelle/", views.CreatePharmacyView.as_view(), name="pharmacies_create"),
        *admin_gdpr.admin_urlpatterns(),
    ]


@hooks.register("register_admin_viewset")
def register_audit_viewset():
    return admin_gdpr.audit_viewset


class PermissionMenuItem(MenuItem):
    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


@hooks.register("register_settings_menu_item")
def register_patient_data_menu_item():
    return PermissionMenuItem(
        _("Données d'un patient (RGPD)"),
        reverse_lazy("pharmacies_patient_data"),
        icon_name="user",
        order=910,
        permission=admin_gdpr.GDPR_PERMISSION,
    )


class SuperuserMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_superuser


@hooks.register("register_settings_menu_item")
def register_create_pharmacy_menu_item():
    return SuperuserMenuItem(
        _("Nouvelle pharmacie"), "/admin/pharmacies/nouvelle/", icon_name="plus", order=50
    )
