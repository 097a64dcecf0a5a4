"""The pharmacist's side: reservations (detail, status, lines, preparation slip), offers with bulk
edits, the dashboard panel, and the agency's catalogue import and export.

Every lookup of pharmacy data goes through `pharmacies.tenancy`, so another pharmacy's reservation
or offer is a 404 whatever the URL.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic

from cms import caching, dates
from pharmacies import tenancy
from pharmacies.phones import to_e164
from pharmacies.status_actions import StatusActionView

from . import catalogue, catalogue_io, services
from .models import (
    CLOSED_STATUSES,
    Availability,
    LineStatus,
    PharmacyProduct,
    Reservation,
    ReservationLine,
    Status,
)
from .spreadsheets import SafeSpreadsheetMixin

VIEW_PERMISSION = "collect.view_reservation"
CHANGE_PERMISSION = "collect.change_reservation"
OFFER_CHANGE_PERMISSION = "collect.change_pharmacyproduct"
IMPORT_PERMISSION = "collect.add_product"
WAITING_STATUSES = [Status.RECEIVED, Status.PREPARING]
BULK_PAGE_SIZE = 50


def scoped_reservations(user):
    return tenancy.scope_queryset(
        Reservation.objects.filter(purged_at__isnull=True), user, "pharmacy"
    )


def _reservation_or_404(request, pk) -> Reservation:
    return tenancy.get_scoped_object_or_404(
        Reservation.objects.filter(purged_at__isnull=True).select_related("pharmacy__site"),
        request.user,
        "pharmacy",
        pk=pk,
    )


# --- Reservations -----------------------------------------------------------------------


class ReservationFilterSet(WagtailFilterSet):
    status = django_filters.MultipleChoiceFilter(
        label=_("Statut"), choices=Status.choices, widget=forms.CheckboxSelectMultiple
    )
    pickup_date = dates.DateFromToRangeFilter(
        label=_("Retrait prévu le"), widget=DateRangePickerWidget
    )

    class Meta:
        model = Reservation
        fields = ["status", "pickup_date"]


class ReservationIndexView(SafeSpreadsheetMixin, generic.IndexView):
    """Newest first; search by reference, name or phone (typed the French way)."""

    filterset_class = ReservationFilterSet
    search_fields = ["reference", "first_name", "last_name", "phone", "email"]
    search_backend_name = None
    paginate_by = 50

    @property
    def columns(self):
        return [
            self._get_title_column("reference"),
            Column("full_name", label=_("Patient"), accessor="full_name"),
            Column("status", label=_("Statut"), accessor="get_status_display"),
            DateColumn("created_at", label=_("Reçue le"), sort_key="created_at"),
            Column("pickup_date", label=_("Retrait prévu"), accessor="pickup_date"),
        ]

    def get_edit_url(self, instance):
        return None

    def get_base_queryset(self):
        return super().get_base_queryset().filter(purged_at__isnull=True)

    def search_queryset(self, queryset):
        if not self.search_query:
            return queryset
        query = self.search_query.strip()
        condition = Q()
        for field in ("reference", "first_name", "last_name", "email"):
            condition |= Q(**{f"{field}__icontains": query})
        number = to_e164(query)
        if number:
            condition |= Q(phone=number)
        return queryset.filter(condition)


class ReservationInspectView(generic.InspectView):
    """Patient, products with their availability, status actions, history, slip link."""

    template_name = "collect/admin/inspect.html"

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if obj.purged_at:
            raise Http404("Purged")
        return obj

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reservation = self.object
        context.update(
            {
                "reservation": reservation,
                "lines": list(reservation.lines.all()),
                "line_statuses": LineStatus.choices,
                "history": reservation.history.select_related("user"),
                "can_change": self.request.user.has_perm(CHANGE_PERMISSION),
                "transitions": [
                    (value, Status(value).label) for value in reservation.allowed_transitions()
                ],
                "status_url": reverse("reservations:status", args=[reservation.pk]),
                "slip_url": reverse("reservations:slip", args=[reservation.pk]),
                "tracking_url": services.tracking_url(reservation),
                "closed": reservation.status in CLOSED_STATUSES,
            }
        )
        return context


class ReservationEditView(generic.EditView):
    """No free-form editing of a patient's request: the detail page and its actions replace it."""

    def get(self, request, *args, **kwargs):
        return redirect(reverse("reservations:inspect", args=[self.get_object().pk]))

    post = get


class StatusForm(forms.Form):
    # Expiry is the beat job's, never a pharmacist's button: posting it is an unknown status.
    status = forms.ChoiceField(
        choices=[choice for choice in Status.choices if choice[0] != Status.EXPIRED]
    )
    note = forms.CharField(required=False, max_length=2000)


class ReservationStatusView(StatusActionView):
    """Apply one workflow step chosen on the detail page (scoped; change permission needed)."""

    permission = CHANGE_PERMISSION
    form_class = StatusForm
    transition_error = services.TransitionError
    change_status = staticmethod(services.change_status)
    success_text = _("Réservation %(ref)s : %(status)s.")
    inspect_route = "reservations:inspect"

    def get_queryset(self):
        return Reservation.objects.filter(purged_at__isnull=True).select_related("pharmacy__site")


status_view = ReservationStatusView.as_view()


@require_POST
def line_view(request, pk):
    """Mark one product available, unavailable or replaced (with what), before it is ready."""
    line = tenancy.get_scoped_object_or_404(
        ReservationLine.objects.select_related("reservation__pharmacy"),
        request.user,
        "reservation__pharmacy",
        pk=pk,
    )
    if not request.user.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied
    try:
        services.set_line_status(line, request.POST.get("status", ""), request.POST.get("note", ""))
    except services.TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(product)s : %(status)s.")
            % {"product": line.product_name, "status": line.get_status_display()},
        )
    return redirect(reverse("reservations:inspect", args=[line.reservation_id]))


def slip_view(request, pk):
    """A printable preparation slip: what to take off the shelves, with the reference to staple."""
    reservation = _reservation_or_404(request, pk)
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    response = TemplateResponse(
        request,
        "collect/admin/slip.html",
        {
            "reservation": reservation,
            "lines": list(reservation.lines.all()),
            "printed_at": timezone.now(),
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response


class ReservationsPanel(Component):
    """Dashboard: reservations received today and waiting to be prepared, per pharmacy."""

    name = "collect_reservations"
    order = 60
    template_name = "collect/admin/dashboard_panel.html"

    def __init__(self, request):
        self.request = request

    def get_context_data(self, parent_context):
        today_start = timezone.make_aware(
            timezone.datetime.combine(timezone.localdate(), timezone.datetime.min.time())
        )
        live = Q(reservations__purged_at__isnull=True)
        rows = (
            tenancy.pharmacies_for_user(self.request.user)
            .annotate(
                new_today=Count(
                    "reservations", filter=live & Q(reservations__created_at__gte=today_start)
                ),
                waiting=Count(
                    "reservations", filter=live & Q(reservations__status__in=WAITING_STATUSES)
                ),
                ready=Count("reservations", filter=live & Q(reservations__status=Status.READY)),
            )
            .order_by("-waiting", "name")
            .values("name", "new_today", "waiting", "ready")[:20]
        )
        index = reverse("reservations:index")
        return {
            "rows": list(rows),
            "index_url": index,
            "waiting_url": index + "?status=received&status=preparing",
        }


# --- Offers -----------------------------------------------------------------------------


class OfferIndexView(generic.IndexView):
    search_fields = ["product__name", "product__brand", "product__code"]
    search_backend_name = None
    paginate_by = 50

    @property
    def columns(self):
        return [
            self._get_title_column("product"),
            Column("price", label=_("Prix TTC (€)"), accessor="price"),
            Column("availability", label=_("Disponibilité"), accessor="get_availability_display"),
            Column("active", label=_("En ligne"), accessor="online_label"),
        ]

    def search_queryset(self, queryset):
        if not self.search_query:
            return queryset
        query = self.search_query.strip()
        return queryset.filter(
            Q(product__name__icontains=query)
            | Q(product__brand__icontains=query)
            | Q(product__code__startswith=query.replace(" ", ""))
        )

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["bulk_url"] = reverse("collect_offers:bulk")
        return context


def _parse_price(raw: str) -> Decimal | None:
    text = (raw or "").strip().replace("€", "").replace("\u00a0", "").replace(" ", "")
    text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value < Decimal("0.01") or value > Decimal("99999"):
        return None
    return value.quantize(Decimal("0.01"))


def bulk_offers_view(request):
    """Edit the price, availability and "en ligne" of up to 50 offers at once (one pharmacy's)."""
    if not request.user.has_perm(OFFER_CHANGE_PERMISSION):
        raise PermissionDenied
    offers = tenancy.scope_queryset(
        PharmacyProduct.objects.select_related("product", "pharmacy"), request.user
    ).order_by("product__name", "pk")
    query = request.GET.get("q", "").strip()[:100]
    if query:
        offers = offers.filter(
            Q(product__name__icontains=query) | Q(product__brand__icontains=query)
        )
    errors: dict[int, str] = {}
    if request.method == "POST":
        # isdecimal, not isdigit: "²" is a digit int() refuses; 18 digits fit a bigint.
        ids = [int(v) for v in request.POST.getlist("offer") if v.isdecimal() and len(v) <= 18][
            :BULK_PAGE_SIZE
        ]
        rows = {o.pk: o for o in offers.filter(pk__in=ids)}
        changed = []
        for pk, offer in rows.items():
            price = _parse_price(request.POST.get(f"price-{pk}", ""))
            availability = request.POST.get(f"availability-{pk}", "")
            if price is None:
                errors[pk] = _g("Prix invalide (ex. : 12,90).")
                continue
            if availability not in Availability.values:
                errors[pk] = _g("Disponibilité inconnue.")
                continue
            active = request.POST.get(f"active-{pk}") == "1"
            if (offer.price, offer.availability, offer.active) != (price, availability, active):
                offer.price, offer.availability, offer.active = price, availability, active
                offer.updated_at = timezone.now()
                changed.append(offer)
        if not errors:
            PharmacyProduct.objects.bulk_update(
                changed, ["price", "availability", "active", "updated_at"], batch_size=500
            )
            # bulk_update sends no save signal: purge the sites' cached pages ourselves.
            for pharmacy in {offer.pharmacy for offer in changed}:
                caching.purge_site(pharmacy.site)
                catalogue.bump(pharmacy.pk)
            messages.success(request, _("%(n)d produit(s) mis à jour.") % {"n": len(changed)})
            return redirect(request.get_full_path())
        messages.error(request, _("Certaines lignes ne sont pas valides : rien n'a été modifié."))
    page = list(offers[:BULK_PAGE_SIZE])
    return TemplateResponse(
        request,
        "collect/admin/bulk_offers.html",
        {
            "offers": page,
            "errors": errors,
            "posted": request.POST if request.method == "POST" else None,
            "availabilities": Availability.choices,
            "query": query,
            "index_url": reverse("collect_offers:index"),
            "header_title": _("Modifier les prix et disponibilités"),
        },
        status=200 if not errors else 400,
    )


# --- Catalogue import / export (agency) -------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier CSV ou Excel (.xlsx)"),
        error_messages={"required": _("Choisissez un fichier.")},
        help_text=_(
            "Colonnes : code, nom, marque, categorie (ex. « Hygiène > Dentaire »), "
            "conditionnement, description, medicament (oui/non)."
        ),
    )


def import_view(request):
    """Check a catalogue file (dry run: every row's errors), then import it when it is clean."""
    if not request.user.has_perm(IMPORT_PERMISSION):
        raise PermissionDenied
    report = None
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        dry_run = request.POST.get("action") != "import"
        try:
            if upload.size > catalogue_io.MAX_BYTES:
                raise catalogue_io.ImportFileError(
                    _g("Ce fichier est trop volumineux (20 Mo au plus).")
                )
            report = catalogue_io.import_catalogue(upload.read(), upload.name, dry_run=dry_run)
        except catalogue_io.ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            if report.written:
                messages.success(
                    request,
                    _("Catalogue importé : %(c)d créés, %(u)d modifiés, %(n)d inchangés.")
                    % {"c": report.created, "u": report.updated, "n": report.unchanged},
                )
                return redirect(reverse("collect_catalogue:import"))
    return TemplateResponse(
        request,
        "collect/admin/import.html",
        {
            "form": form,
            "report": report,
            "errors": report.errors[:500] if report else [],
            "header_title": _("Importer le catalogue"),
            "export_csv_url": reverse("collect_catalogue:export", args=["csv"]),
            "export_xlsx_url": reverse("collect_catalogue:export", args=["xlsx"]),
        },
    )


def export_view(request, fmt):
    if not request.user.has_perm(IMPORT_PERMISSION):
        raise PermissionDenied
    if fmt == "csv":
        content, content_type = catalogue_io.export_csv(), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        content = catalogue_io.export_xlsx()
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise Http404("Unknown format")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="catalogue.{fmt}"'
    return response
