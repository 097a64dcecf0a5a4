"""The pharmacist's side: listing, detail, status actions and file views, all scoped by tenancy.

Every lookup goes through `pharmacies.tenancy`, so another pharmacy's prescription or file is a
404 whatever the URL. Decrypted files leave only through `file_view`, which writes an audit row.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history

from cms import dates
from pharmacies import audit, tenancy
from pharmacies.phones import to_e164
from pharmacies.viewsets import ScopedViewMixin

from . import services
from .models import (
    CLOSED_STATUSES,
    NOTE_REQUIRED,
    FileKind,
    Prescription,
    PrescriptionFile,
    Status,
)

FILES_PERMISSION = "ordonnances.view_prescription_files"
CHANGE_PERMISSION = "ordonnances.change_prescription"
VIEW_PERMISSION = "ordonnances.view_prescription"
WAITING_STATUSES = [Status.RECEIVED, Status.PREPARING]


def scoped_prescriptions(user):
    """The prescriptions this user may see: their pharmacies', not yet purged."""
    return tenancy.scope_queryset(
        Prescription.objects.filter(purged_at__isnull=True), user, "pharmacy"
    )


class PrescriptionFilterSet(WagtailFilterSet):
    status = django_filters.MultipleChoiceFilter(
        label=_("Statut"), choices=Status.choices, widget=forms.CheckboxSelectMultiple
    )
    created_at = dates.DateFromToRangeFilter(label=_("Reçue le"), widget=DateRangePickerWidget)
    pickup_date = dates.DateFromToRangeFilter(
        label=_("Retrait souhaité le"), widget=DateRangePickerWidget
    )

    class Meta:
        model = Prescription
        fields = ["status", "created_at", "pickup_date"]


class StatusColumn(Column):
    cell_template_name = "ordonnances/admin/status_cell.html"


class PrescriptionIndexView(generic.IndexView):
    """Newest first; search by reference, name or phone (typed the French way)."""

    filterset_class = PrescriptionFilterSet
    search_fields = ["reference", "first_name", "last_name", "phone", "email"]
    search_backend_name = None
    template_name = "ordonnances/admin/index.html"
    paginate_by = 50

    @property
    def columns(self):
        return [
            self._get_title_column("reference"),
            Column("full_name", label=_("Patient"), accessor="full_name"),
            StatusColumn("status", label=_("Statut"), accessor="get_status_display"),
            DateColumn("created_at", label=_("Reçue le"), sort_key="created_at"),
            Column("pickup_date", label=_("Retrait souhaité"), accessor="pickup_date"),
        ]

    def get_base_queryset(self):
        return super().get_base_queryset().filter(purged_at__isnull=True).select_related(None)

    def get_edit_url(self, instance):
        return None

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        query = self.search_query.strip()
        condition = Q()
        for field in ("reference", "first_name", "last_name", "email"):
            condition |= Q(**{f"{field}__icontains": query})
        number = to_e164(query)
        if number:
            condition |= Q(phone=number)
        elif any(c.isdigit() for c in query):
            condition |= Q(phone__contains=query.replace(" ", "").lstrip("0"))
        return queryset.filter(condition)

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        rows = (
            scoped_prescriptions(self.request.user)
            .order_by()
            .values("status")
            .annotate(n=Count("pk"))
        )
        counts = {row["status"]: row["n"] for row in rows}
        context["status_counts"] = [
            (value, label, counts.get(value, 0)) for value, label in Status.choices
        ]
        context["index_url"] = reverse("prescriptions:index")
        return context


class PrescriptionInspectView(generic.InspectView):
    """Patient details, pages with rotation, history and the status actions."""

    template_name = "ordonnances/admin/inspect.html"

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if obj.purged_at:
            raise Http404("Purged")
        return obj

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        prescription = self.object
        user = self.request.user
        files = list(prescription.files.all())
        context.update(
            {
                "prescription": prescription,
                "pages": [f for f in files if f.kind == FileKind.PAGE],
                "cards": [f for f in files if f.kind != FileKind.PAGE],
                "history": prescription.history.select_related("user"),
                "can_view_files": user.has_perm(FILES_PERMISSION),
                "can_change": user.has_perm(CHANGE_PERMISSION),
                "transitions": [
                    (value, Status(value).label, value in NOTE_REQUIRED)
                    for value in prescription.allowed_transitions()
                ],
                "status_url": reverse("prescriptions:status", args=[prescription.pk]),
                "tracking_url": services.tracking_url(prescription),
                "closed": prescription.status in CLOSED_STATUSES,
            }
        )
        return context


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)
    note = forms.CharField(required=False, max_length=2000)


@require_POST
def status_view(request, pk):
    """Apply one workflow step chosen on the detail page (scoped; change permission needed)."""
    prescription = tenancy.get_scoped_object_or_404(
        Prescription.objects.filter(purged_at__isnull=True), request.user, "pharmacy", pk=pk
    )
    if not request.user.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied
    form = StatusForm(request.POST)
    inspect_url = reverse("prescriptions:inspect", args=[prescription.pk])
    if not form.is_valid():
        messages.error(request, _("Statut inconnu."))
        return redirect(inspect_url)
    try:
        services.change_status(
            prescription,
            form.cleaned_data["status"],
            user=request.user,
            note=form.cleaned_data["note"],
            request=request,
        )
    except services.TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Ordonnance %(ref)s : %(status)s.")
            % {"ref": prescription.reference, "status": prescription.get_status_display()},
        )
    return redirect(inspect_url)


def file_view(request, pk):
    """Decrypt one file for staff of its pharmacy with the files permission, and log the access."""
    row = tenancy.get_scoped_object_or_404(
        PrescriptionFile.objects.select_related("prescription__pharmacy"),
        request.user,
        "prescription__pharmacy",
        pk=pk,
    )
    if not request.user.has_perm(FILES_PERMISSION):
        raise PermissionDenied
    thumbnail = request.GET.get("thumb") == "1" and bool(row.thumbnail)
    download = request.GET.get("download") == "1"
    content = row.read_decrypted(thumbnail=thumbnail)
    content_type = "image/jpeg" if thumbnail else row.content_type
    audit.record(
        audit.AuditAction.FILE_DOWNLOAD if download else audit.AuditAction.FILE_VIEW,
        pharmacy=row.prescription.pharmacy,
        request=request,
        obj=row,
        detail={
            "prescription": row.prescription_id,
            "file": row.download_name,
            "thumbnail": thumbnail,
            "user_agent": request.headers.get("User-Agent", "")[:255],
        },
    )
    response = HttpResponse(content, content_type=content_type)
    disposition = "attachment" if download else "inline"
    name = row.download_name if not thumbnail else f"miniature-{row.download_name}"
    if thumbnail and not name.endswith(".jpg"):
        name = name.rsplit(".", 1)[0] + ".jpg"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Referrer-Policy"] = "no-referrer"
    return response


class PrescriptionEditView(generic.EditView):
    """No free-form editing of a patient's request: the detail page and its actions replace it."""

    def get(self, request, *args, **kwargs):
        return redirect(reverse("prescriptions:inspect", args=[self.get_object().pk]))

    post = get


class PrescriptionHistoryView(ScopedViewMixin, history.HistoryView):
    """The object is scoped; the listed rows are log entries (no pharmacy field of their own)."""

    def get_base_queryset(self):
        return super(ScopedViewMixin, self).get_base_queryset()

    def get_queryset(self):
        return super(ScopedViewMixin, self).get_queryset()
