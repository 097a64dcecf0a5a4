"""Admin "Click & Collect" menu: reservations, offers (with bulk edits), settings, and the agency's
catalogue (products, categories, import/export). The dashboard panel is `dashboard.py`'s."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.forms import modelform_factory
from django.http import Http404
from django.urls import path, reverse_lazy
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from wagtail import hooks
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.views.generic import history, usage
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.viewsets.model import ModelViewSet

from pharmacies import tenancy
from pharmacies.admin_display import Wording
from pharmacies.viewsets import PharmacyScopedViewSet

from . import admin_views, dashboard
from .models import Category, CollectSettings, OwnProduct, PharmacyProduct, Product, Reservation
from .own_products import OwnProductForm


class ReservationViewSet(PharmacyScopedViewSet):
    model = Reservation
    icon = "tasks"
    menu_label = _("Réservations")
    menu_order = 10
    inspect_view_enabled = True
    copy_view_enabled = False
    index_view_class = admin_views.ReservationIndexView
    inspect_view_class = admin_views.ReservationInspectView
    edit_view_class = admin_views.ReservationEditView
    form_fields = ["status_note"]
    list_export = [
        "reference",
        "created_at",
        "get_status_display",
        "first_name",
        "last_name",
        "phone",
        "email",
        "pickup_date",
    ]
    export_headings = {
        "reference": _("Référence"),
        "created_at": _("Reçue le"),
        "get_status_display": _("Statut"),
        "first_name": _("Prénom"),
        "last_name": _("Nom"),
        "phone": _("Téléphone"),
        "email": _("E-mail"),
        "pickup_date": _("Retrait prévu"),
    }
    export_filename = "reservations"

    @cached_property
    def add_view(self):
        """Patients reserve from the site; there is nothing for staff to create here."""
        return RedirectView.as_view(url=reverse_lazy("reservations:index"))

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("status/<int:pk>/", admin_views.status_view, name="status"),
            path("line/<int:pk>/", admin_views.line_view, name="line"),
            path("slip/<int:pk>/", admin_views.slip_view, name="slip"),
        ]


class OfferViewSet(PharmacyScopedViewSet):
    model = PharmacyProduct
    icon = "tag"
    menu_label = _("Produits proposés")
    menu_order = 20
    copy_view_enabled = False
    index_view_class = admin_views.OfferIndexView
    list_select_related = ["product"]
    edit_handler = ObjectList(
        [
            FieldPanel("pharmacy"),
            FieldPanel("product"),
            FieldPanel("price"),
            FieldPanel("availability"),
            FieldPanel("active"),
        ]
    )

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("bulk/", admin_views.bulk_offers_view, name="bulk"),
        ]


class OwnProductViewSet(PharmacyScopedViewSet):
    """The pharmacy's own extra products (scoped through `own_pharmacy`), see own_products.py."""

    model = OwnProduct
    pharmacy_field = "own_pharmacy"
    icon = "doc-full"
    menu_label = _("Produits propres")
    menu_order = 25
    copy_view_enabled = False
    list_display = ["name", "brand", "code", "category"]
    search_fields = ["name", "brand", "code"]
    search_backend_name = None
    list_select_related = ["category__parent"]
    form_fields = [
        "own_pharmacy",
        "code",
        "name",
        "brand",
        "category",
        "pack_size",
        "description",
        "photo",
        "is_medicine",
    ]
    wording = Wording(
        add=_("Ajouter un produit propre"),
        created=_(
            "Produit « %(object)s » créé : proposez-le avec son prix dans « Produits proposés »."
        ),
        updated=_("Produit « %(object)s » enregistré."),
        deleted=_("Produit « %(object)s » supprimé."),
        not_created=_("Le produit n'a pas pu être créé : corrigez les erreurs ci-dessous."),
        not_saved=_("Le produit n'a pas pu être enregistré : corrigez les erreurs ci-dessous."),
    )

    def get_form_class(self, for_update=False):
        return modelform_factory(
            OwnProduct,
            form=OwnProductForm,
            fields=self.form_fields,
            formfield_callback=self.formfield_for_dbfield,
        )


class SettingsViewSet(PharmacyScopedViewSet):
    model = CollectSettings
    icon = "cog"
    menu_label = _("Réglages")
    menu_order = 30
    copy_view_enabled = False
    list_display = ["pharmacy", "hold_days"]
    form_fields = ["pharmacy", "hold_days"]


class CatalogueFilterForm(BaseFilterForm):
    q = forms.CharField(label=_("Rechercher"), required=False, max_length=100)

    def filter(self, objects):
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            objects = objects.filter(
                Q(name__icontains=query) | Q(brand__icontains=query) | Q(code__startswith=query)
            )
        return objects


def choosable_products(user):
    """The agency catalogue and the user's pharmacies' own products; never another's own ones."""
    if user.is_superuser:
        return Product.objects.all()
    own = tenancy.pharmacy_ids_for_user(user)
    return Product.objects.filter(Q(own_pharmacy__isnull=True) | Q(own_pharmacy__in=own))


class ProductChooseMixin:
    filter_form_class = CatalogueFilterForm

    def get_object_list(self):
        return choosable_products(self.request.user)


class ProductChosenView(chooser_views.ChosenView):
    def get_object(self, pk):
        try:
            return choosable_products(self.request.user).get(pk=pk)
        except (Product.DoesNotExist, ValueError) as exc:
            raise Http404("Not a product this user may choose") from exc


class ProductChooseView(ProductChooseMixin, chooser_views.ChooseView):
    pass


class ProductChooseResultsView(ProductChooseMixin, chooser_views.ChooseResultsView):
    pass


class ProductChooserViewSet(ChooserViewSet):
    model = Product
    icon = "tag"
    choose_one_text = _("Choisir un produit")
    choose_another_text = _("Choisir un autre produit")
    choose_view_class = ProductChooseView
    choose_results_view_class = ProductChooseResultsView
    chosen_view_class = ProductChosenView


class AgencyProductsOnly:
    """The shared catalogue's screens hold the agency's products only: a pharmacy's own products
    are that pharmacy's data and have their own scoped screen (agency editors manage this one)."""

    def dispatch(self, request, *args, **kwargs):
        pk = kwargs.get("pk")
        if pk is not None:
            try:
                agency = Product.objects.filter(pk=int(str(pk)), own_pharmacy__isnull=True)
            except ValueError:
                raise Http404("Not a product of the shared catalogue") from None
            if not agency.exists():
                raise Http404("Not a product of the shared catalogue")
        return super().dispatch(request, *args, **kwargs)


class AgencyProductsListed(AgencyProductsOnly):
    def get_base_queryset(self):
        return super().get_base_queryset().filter(own_pharmacy__isnull=True)


def _agency_only(view_class, mixin=AgencyProductsListed):
    return type(view_class.__name__, (mixin, view_class), {})


class ProductViewSet(ModelViewSet):
    """The agency's shared catalogue (agency only: staff groups get no product permission)."""

    model = Product
    index_view_class = _agency_only(generic.IndexView)
    edit_view_class = _agency_only(generic.EditView)
    delete_view_class = _agency_only(generic.DeleteView)
    inspect_view_class = _agency_only(generic.InspectView)
    history_view_class = _agency_only(history.HistoryView, AgencyProductsOnly)
    usage_view_class = _agency_only(usage.UsageView, AgencyProductsOnly)
    icon = "list-ul"
    menu_label = _("Catalogue commun")
    menu_order = 40
    copy_view_enabled = False
    list_display = ["name", "brand", "code", "category"]
    search_fields = ["name", "brand", "code"]
    search_backend_name = None
    form_fields = [
        "code",
        "name",
        "brand",
        "category",
        "pack_size",
        "description",
        "photo",
        "is_medicine",
    ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("import/", admin_views.import_view, name="import"),
            path("export/<str:fmt>/", admin_views.export_view, name="export"),
        ]


class CategoryViewSet(ModelViewSet):
    model = Category
    icon = "folder-open-inverse"
    menu_label = _("Catégories")
    menu_order = 50
    copy_view_enabled = False
    list_display = ["name", "parent", "sort_order"]
    form_fields = ["name", "slug", "parent", "sort_order"]


class CollectViewSetGroup(ViewSetGroup):
    menu_label = _("Click & Collect")
    menu_name = dashboard.MENU_NAME  # where the dashboard puts its count ("Click & Collect (2)")
    menu_icon = "tag"
    menu_order = 160
    items = (
        ReservationViewSet("reservations"),
        OfferViewSet("collect_offers"),
        OwnProductViewSet("collect_own_products"),
        SettingsViewSet("collect_settings"),
        ProductViewSet("collect_catalogue"),
        CategoryViewSet("collect_categories"),
    )


product_chooser_viewset = ProductChooserViewSet("collect_product_chooser")


@hooks.register("register_admin_viewset")
def register_collect_viewsets():
    return [CollectViewSetGroup(), product_chooser_viewset]
