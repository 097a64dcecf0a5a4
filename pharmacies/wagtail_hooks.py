"""Admin: each pharmacy edits its own record and sees only its own pages, files, users and tags.

The scoping rule is `admin_scoping`'s; this module plugs it into Wagtail's own extension points:
permission policies of images and documents, page chooser and explorer hooks, the admin API's
endpoints, the document download hook, bulk actions and the page viewset.
"""

import copy

from django.http import Http404
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import ObjectList
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.permissions import register_permission_policy

from . import (
    admin_gdpr,
    admin_overrides,
    admin_scoping,
    dashboard,
    hours_admin,
    media_scoping,
    views,
)
from .admin_display import Wording
from .forms import PharmacyAdminForm
from .models import Pharmacy
from .viewsets import PharmacyScopedViewSet

# For the exact models: looked up before Wagtail's own (registered for the models and their
# subclasses), whichever of the two registrations runs first (the hooks load during app setup).
register_permission_policy(get_image_model(), media_scoping.image_policy(), exact_class=True)
register_permission_policy(get_document_model(), media_scoping.document_policy(), exact_class=True)


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
    edit_handler = ObjectList(Pharmacy.panels, base_form_class=PharmacyAdminForm)
    wording = Wording(
        add=_("Ajouter une pharmacie"),
        created=_("Pharmacie « %(object)s » créée."),
        updated=_("Pharmacie « %(object)s » enregistrée."),
        deleted=_("Pharmacie « %(object)s » supprimée."),
        not_created=_("La pharmacie n'a pas pu être créée : corrigez les erreurs ci-dessous."),
        not_saved=_("La pharmacie n'a pas pu être enregistrée : corrigez les erreurs ci-dessous."),
    )


pharmacy_viewset = PharmacyViewSet("pharmacies")


@hooks.register("register_admin_viewset")
def register_pharmacy_viewset():
    return pharmacy_viewset


@hooks.register("construct_page_chooser_queryset")
def scope_page_chooser(pages, request):
    return admin_scoping.listable(request.user, pages)


@hooks.register("construct_explorer_page_queryset")
def scope_explorer(parent_page, pages, request):
    return admin_scoping.listable(request.user, pages)


@hooks.register("construct_image_chooser_queryset")
def scope_image_chooser(images, request):
    return admin_scoping.listable(request.user, images)


@hooks.register("construct_document_chooser_queryset")
def scope_document_chooser(documents, request):
    return admin_scoping.listable(request.user, documents)


@hooks.register("construct_admin_api", order=1)
def scope_admin_api(router):
    """After Wagtail's own registration (order 0), which these endpoints replace."""
    router.register_endpoint("images", media_scoping.ScopedImagesAdminAPIViewSet)
    router.register_endpoint("documents", media_scoping.ScopedDocumentsAdminAPIViewSet)


@hooks.register("before_serve_document", order=-1)
def refuse_other_pharmacies_documents(document, request):
    """Before Wagtail's view restrictions: a file nobody may fetch here is simply not found."""
    if not media_scoping.may_download(request, document):
        raise Http404("No such document on this site")


for _action in admin_overrides.scoped_bulk_actions():
    hooks.register("register_bulk_action", _action, order=1)


@hooks.register("register_admin_viewset", order=1)
def register_scoped_page_viewset():
    """Replaces Wagtail's base page viewset (order 0) for every page type."""
    return admin_overrides.ScopedPageViewSet()


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path("pharmacies/nouvelle/", views.CreatePharmacyView.as_view(), name="pharmacies_create"),
        path("tableau-de-bord/compteurs/", dashboard.counts_view, name="officine_dashboard_counts"),
        *admin_gdpr.admin_urlpatterns(),
        *hours_admin.admin_urlpatterns(),
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


@hooks.register("register_admin_menu_item")
def register_hours_menu_item():
    return PermissionMenuItem(
        _("Horaires et fermetures"),
        reverse_lazy("pharmacies_hours"),
        icon_name="time",
        order=201,
        permission=hours_admin.PERMISSION,
    )


class SuperuserMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_superuser


@hooks.register("register_settings_menu_item")
def register_create_pharmacy_menu_item():
    return SuperuserMenuItem(
        _("Nouvelle pharmacie"), "/admin/pharmacies/nouvelle/", icon_name="plus", order=50
    )


@hooks.register("construct_homepage_panels")
def add_dashboard_panels(request, panels):
    """The features' panels (`dashboard` extension point), before Wagtail's, in their order."""
    for item in dashboard.items_for(request):
        if item.panel is not None:
            item.panel.order = item.order  # Wagtail sorts the panels on it; its own are 100+
            panels.append(item.panel)


@hooks.register("construct_main_menu")
def add_menu_badges(request, menu_items):
    """A feature's count on its menu item ("Ordonnances (3)"), on a copy: the registered items
    are shared by every request."""
    counts = {
        item.menu_name: item.count
        for item in dashboard.items_for(request)
        if item.menu_name and item.count
    }
    for index, menu_item in enumerate(menu_items):
        count = counts.get(menu_item.name)
        if count:
            badged = copy.copy(menu_item)
            badged.label = f"{menu_item.label} ({count})"
            menu_items[index] = badged
