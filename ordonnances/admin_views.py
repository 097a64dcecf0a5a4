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
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history

from cms import dates
from notifications.models import Channel
from pharmacies import audit, tenancy
from pharmacies.phones import to_e164
from pharmacies.status_actions import StatusActionView
from pharmacies.viewsets import ScopedViewMixin

from . import renewals, services
from .models import (
    CLOSED_STATUSES,
    NOTE_REQUIRED,
    RENEWAL_MAX_DISPENSINGS,
    RENEWAL_MAX_INTERVAL_DAYS,
    Dispensing,
    FileKind,
    PatientRequest,
    Prescription,
    PrescriptionFile,
    RenewalSchedule,
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
        context.update(index_renewal_context(self.request.user))
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
                "viewer_pages": viewer_pages(files),
                "note_limit": services.sms_note_limit(
                    prescription, prescription.allowed_transitions()
                ),
                "sends_sms": Channel.SMS in prescription.channels,
                "status_url": reverse("prescriptions:status", args=[prescription.pk]),
                "tracking_url": services.tracking_url(prescription),
                "closed": prescription.status in CLOSED_STATUSES,
                **renewal_context(prescription, user),
            }
        )
        return context


def viewer_pages(files) -> list[dict]:
    """One entry per page the viewer steps through: an image, or one page of a PDF.

    PDFs are shown by the browser's own reader, opened at the page (`#page=n`); images come
    through `file_view` like every other access, so each display is audited.
    """
    pages = []
    ordered = [f for f in files if f.kind == FileKind.PAGE] + [
        f for f in files if f.kind != FileKind.PAGE
    ]
    for number, row in enumerate(ordered, start=1):
        url = reverse("prescriptions:file", args=[row.pk])
        label = (
            _("Page %(n)d") % {"n": number} if row.kind == FileKind.PAGE else row.get_kind_display()
        )
        if row.is_pdf:
            count = max(row.pages or 1, 1)
            for page in range(1, count + 1):
                pages.append(
                    {
                        "url": url,
                        "pdf": True,
                        "page": page,
                        "label": _("%(label)s, PDF p. %(page)d/%(count)d")
                        % {"label": label, "page": page, "count": count},
                        "file": row,
                    }
                )
        else:
            pages.append({"url": url, "pdf": False, "page": 1, "label": label, "file": row})
    return pages


class StatusForm(forms.Form):
    """A workflow step and the note sent with it, which must fit in the patient's SMS."""

    status = forms.ChoiceField(choices=Status.choices)
    note = forms.CharField(required=False, max_length=services.NOTE_MAX_LENGTH)

    def __init__(self, *args, prescription, sms_context=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.prescription = prescription
        self.sms_context = sms_context

    def clean(self):
        cleaned = super().clean()
        status, note = cleaned.get("status"), cleaned.get("note")
        if status and note:
            if not services.note_fits_sms(self.prescription, status, note, self.sms_context):
                limit = services.sms_note_limit(self.prescription, [status], self.sms_context)
                self.add_error(
                    "note",
                    _(
                        "Ce message ne tient pas dans le SMS du patient : %(limit)d caractères "
                        "au plus (vous en avez écrit %(n)d)."
                    )
                    % {"limit": limit, "n": len(note)},
                )
        return cleaned


class PrescriptionStatusView(StatusActionView):
    """Apply one workflow step chosen on the detail page (scoped; change permission needed)."""

    permission = CHANGE_PERMISSION
    form_class = StatusForm
    transition_error = services.TransitionError
    change_status = staticmethod(services.change_status)
    success_text = _("Ordonnance %(ref)s : %(status)s.")
    inspect_route = "prescriptions:inspect"

    def get_queryset(self):
        return Prescription.objects.filter(purged_at__isnull=True)

    def get_form(self, prescription):
        return StatusForm(self.request.POST, prescription=prescription)

    def form_invalid(self, form):
        # A note too long for the patient's SMS says by how much; anything else is a forged post.
        if "note" in form.errors:
            for error in form.errors["note"]:
                messages.error(self.request, error)
        else:
            super().form_invalid(form)


status_view = PrescriptionStatusView.as_view()


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


# --- Renewals ---------------------------------------------------------------------------


def scoped_dispensings(user):
    return tenancy.scope_queryset(
        Dispensing.objects.filter(prescription__purged_at__isnull=True),
        user,
        "prescription__pharmacy",
    )


def renewal_context(prescription: Prescription, user) -> dict:
    """What the detail page shows of a renewable prescription, and the forms acting on it."""
    schedule = RenewalSchedule.objects.filter(prescription=prescription).first()
    context = {
        "schedule": schedule,
        "renewal_url": reverse("prescriptions:renewal", args=[prescription.pk]),
    }
    if schedule is None:
        context["renewal_form"] = RenewalForm(initial=RenewalForm.defaults(prescription, None))
        return context
    dispensings = list(schedule.dispensings.order_by("number"))
    context.update(
        {
            "renewal_form": RenewalForm(initial=RenewalForm.defaults(prescription, schedule)),
            "dispensings": [
                (
                    d,
                    [
                        (value, Status(value).label, value in NOTE_REQUIRED)
                        for value in d.allowed_transitions()
                    ],
                    services.sms_note_limit(
                        prescription, d.allowed_transitions(), renewals.patient_context(d)
                    ),
                )
                for d in dispensings
            ],
            "pending_requests": [d for d in dispensings if d.patient_request],
            "remaining": schedule.remaining,
            "end_date": schedule.end_date,
        }
    )
    return context


class RenewalForm(forms.Form):
    """The schedule the pharmacist reads on the prescription: how many, how often, from when."""

    dispensings_total = forms.IntegerField(
        label=_("Nombre de délivrances (la première comprise)"),
        min_value=2,
        max_value=RENEWAL_MAX_DISPENSINGS,
        error_messages={
            "required": _("Indiquez le nombre de délivrances."),
            "invalid": _("Indiquez un nombre entier."),
            "min_value": _("Au moins 2 délivrances (la première comprise)."),
            "max_value": _("Au plus %(limit_value)s délivrances."),
        },
    )
    interval = forms.ChoiceField(
        label=_("Intervalle"),
        choices=[("28", _("28 jours")), ("30", _("30 jours")), ("custom", _("Autre"))],
        error_messages={"invalid_choice": _("Choisissez un intervalle.")},
    )
    custom_days = forms.IntegerField(
        label=_("Autre intervalle (jours)"),
        required=False,
        min_value=7,
        max_value=RENEWAL_MAX_INTERVAL_DAYS,
        error_messages={
            "invalid": _("Indiquez un nombre de jours."),
            "min_value": _("Au moins %(limit_value)s jours."),
            "max_value": _("Au plus %(limit_value)s jours."),
        },
    )
    first_date = forms.DateField(
        label=_("Première délivrance le"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Indiquez la date de la première délivrance."),
            "invalid": _("Indiquez une date valide."),
        },
    )

    @staticmethod
    def defaults(prescription, schedule) -> dict:
        if schedule is not None and schedule.is_set:
            interval = str(schedule.interval_days)
            return {
                "dispensings_total": schedule.dispensings_total,
                "interval": interval if interval in ("28", "30") else "custom",
                "custom_days": schedule.interval_days,
                "first_date": schedule.first_date,
            }
        months = schedule.requested_months if schedule is not None else None
        return {
            "dispensings_total": months or 3,
            "interval": "28",
            "first_date": timezone.localtime(prescription.created_at).date(),
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("interval") == "custom":
            if not cleaned.get("custom_days"):
                self.add_error("custom_days", _("Indiquez l'intervalle en jours."))
            else:
                cleaned["interval_days"] = cleaned["custom_days"]
        elif cleaned.get("interval"):
            cleaned["interval_days"] = int(cleaned["interval"])
        return cleaned


def _change_required(request):
    if not request.user.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied


@require_POST
def renewal_view(request, pk):
    """Set (or confirm) the schedule of a prescription, or stop its follow-up."""
    prescription = tenancy.get_scoped_object_or_404(
        Prescription.objects.filter(purged_at__isnull=True), request.user, "pharmacy", pk=pk
    )
    _change_required(request)
    inspect_url = reverse("prescriptions:inspect", args=[prescription.pk]) + "#renouvellement"
    try:
        if request.POST.get("action") == "stop":
            schedule = RenewalSchedule.objects.filter(prescription=prescription).first()
            if schedule is None:
                raise renewals.RenewalError(_("Cette ordonnance n'a pas de renouvellement."))
            renewals.stop_schedule(schedule, user=request.user, request=request)
            messages.success(request, _("Renouvellement arrêté."))
            return redirect(inspect_url)
        form = RenewalForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(inspect_url)
        schedule = renewals.set_schedule(
            prescription,
            dispensings_total=form.cleaned_data["dispensings_total"],
            interval_days=form.cleaned_data["interval_days"],
            first_date=form.cleaned_data["first_date"],
            user=request.user,
            request=request,
        )
    except renewals.RenewalError as exc:
        messages.error(request, str(exc))
        return redirect(inspect_url)
    messages.success(
        request,
        _("Renouvellement enregistré : %(n)s délivrances, jusqu'au %(end)s.")
        % {"n": schedule.dispensings_total, "end": date_format(schedule.end_date, "j F Y")},
    )
    return redirect(inspect_url)


class DispensingStatusView(PrescriptionStatusView):
    """One workflow step of a renewal preparation (scoped; change permission needed)."""

    pharmacy_field = "prescription__pharmacy"
    change_status = staticmethod(renewals.change_dispensing_status)

    def get_queryset(self):
        return Dispensing.objects.filter(prescription__purged_at__isnull=True).select_related(
            "prescription", "schedule"
        )

    def get_form(self, dispensing):
        return StatusForm(
            self.request.POST,
            prescription=dispensing.prescription,
            sms_context=renewals.patient_context(dispensing),
        )

    def success_message(self, dispensing):
        return _("Délivrance %(label)s de %(ref)s : %(status)s.") % {
            "label": dispensing.label,
            "ref": dispensing.prescription.reference,
            "status": dispensing.get_status_display(),
        }

    def get_back_url(self, dispensing):
        return (
            reverse("prescriptions:inspect", args=[dispensing.prescription_id]) + "#renouvellement"
        )


dispensing_status_view = DispensingStatusView.as_view()


@require_POST
def dispensing_request_view(request, pk):
    """Apply or dismiss the patient's skip / delay / stop request."""
    dispensing = tenancy.get_scoped_object_or_404(
        Dispensing.objects.filter(prescription__purged_at__isnull=True),
        request.user,
        "prescription__pharmacy",
        pk=pk,
    )
    _change_required(request)
    back = reverse("prescriptions:inspect", args=[dispensing.prescription_id]) + "#renouvellement"
    answer = request.POST.get("answer")
    if answer not in ("accept", "dismiss"):
        messages.error(request, _("Réponse inconnue."))
        return redirect(back)
    try:
        kind = renewals.answer_request(
            dispensing, accept=answer == "accept", user=request.user, request=request
        )
    except renewals.RenewalError as exc:
        messages.error(request, str(exc))
    else:
        label = PatientRequest(kind).label
        if answer == "accept":
            messages.success(request, _("Demande appliquée : %(label)s.") % {"label": label})
        else:
            messages.success(request, _("Demande refusée : %(label)s.") % {"label": label})
    return redirect(back)


class LeadDaysForm(forms.Form):
    lead_days = forms.IntegerField(
        label=_("Afficher les renouvellements à préparer combien de jours avant ?"),
        min_value=0,
        max_value=30,
        error_messages={
            "required": _("Indiquez un nombre de jours."),
            "invalid": _("Indiquez un nombre de jours."),
            "min_value": _("Indiquez entre 0 et 30 jours."),
            "max_value": _("Indiquez entre 0 et 30 jours."),
        },
    )


@require_POST
def lead_days_view(request, pk):
    """The pharmacy's "how many days ahead" setting, for staff who may change prescriptions."""
    pharmacy = tenancy.get_scoped_object_or_404(
        tenancy.pharmacies_for_user(request.user), request.user, "pk", pk=pk
    )
    _change_required(request)
    back = reverse("prescriptions:index")
    form = LeadDaysForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect(back)
    renewals.set_lead_days(
        pharmacy, form.cleaned_data["lead_days"], user=request.user, request=request
    )
    messages.success(request, _("Réglage enregistré."))
    return redirect(back)


def index_renewal_context(user) -> dict:
    """The "à préparer" renewals and the patients' pending requests, above the prescription list."""
    due = renewals.due_dispensings(scoped_dispensings(user))
    requests = list(
        scoped_dispensings(user)
        .exclude(patient_request="")
        .select_related("schedule", "prescription")
        .order_by("patient_request_at")[:50]
    )
    pharmacies = list(tenancy.pharmacies_for_user(user).order_by("name")[:20])
    return {
        "due_dispensings": due,
        "renewal_requests": requests,
        "lead_days_forms": [
            (p, renewals.lead_days(p), reverse("prescriptions:lead_days", args=[p.pk]))
            for p in pharmacies
        ],
        "can_change": user.has_perm(CHANGE_PERMISSION),
    }
