"""Public views: the upload POST of a page's block, its confirmation, and the patient's tracking link.

Patients have no account and get no cookie: the upload is protected by the form guard (signed
token, fill time, honeypot, same origin) and the tracking page by its signed, expiring token.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from cms import public_forms
from cms.forms_guard import is_same_origin

from . import renewals, services
from .forms import PrescriptionUploadForm
from .models import PatientRequest, Prescription, RenewalSchedule

logger = logging.getLogger("officine.ordonnances")

BLOCK_TYPE = "prescription_upload"
ROUTE_PREFIX = "ordonnance"


def confirmation_url(page, request, block_id: str, token: str) -> str:
    # The token goes in the query string: Wagtail's page paths only allow [\w-] segments.
    url = public_forms.page_route_url(
        page, request, ROUTE_PREFIX, "confirmation", block_id=block_id
    )
    return f"{url}?{urlencode({'t': token})}"


class PrescriptionUploadView(public_forms.PublicFormView):
    """Validate, sanitise and store a patient's prescription, then redirect to its confirmation."""

    block_type = BLOCK_TYPE
    form_class = PrescriptionUploadForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "pharmacy": self.pharmacy}

    def process_form_submission(self, form):
        prescription = services.create_prescription(
            pharmacy=self.pharmacy,
            fields=form.prescription_fields(),
            uploads=form.all_uploads(),
            renewal=form.renewal_request(),
        )
        form.discard_kept()
        return prescription

    def render_form(self, form, *, status: int = 200):
        # The files that passed are kept (encrypted, an hour) so the patient fixes only the typo.
        form.keep_accepted_files()
        return super().render_form(form, status=status)

    def get_landing_url(self, prescription):
        token = services.tracking_token(prescription)
        return confirmation_url(self.page, self.request, self.block_id, token)

    def get_decoy_landing_url(self):
        decoy = services.TRACKING.decoy_token()
        return confirmation_url(self.page, self.request, self.block_id, decoy)


submit = PrescriptionUploadView.as_view()


def confirmation(request, page, block_id):
    """Shown once after sending: the reference, the pharmacy's text and the private tracking link."""
    block = page.find_block(block_id, BLOCK_TYPE)
    token = request.GET.get("t", "")
    data = services.decode_tracking_token(token)
    promise = ""
    if data["id"]:
        prescription = services.TRACKING.record_for_request(request, token)
        promise = prescription.notification_promise
    context = {
        **page.get_context(request),
        "upload_block": block.value,
        "reference": data["r"],
        "tracking_url": services.tracking_url_for_page(page, token),
        "promise": promise,
    }
    return TemplateResponse(request, "ordonnances/confirmation.html", context)


def _invalid_link(request):
    return TemplateResponse(request, "ordonnances/link_invalid.html", {}, status=404)


def _prescription_for_request(request, token):
    return services.TRACKING.record_for_request(request, token)


# The patient's renewal requests, by their French URL segment.
RENEWAL_ACTIONS = {
    "sauter": PatientRequest.SKIP,
    "decaler": PatientRequest.DELAY,
    "arreter": PatientRequest.STOP,
}


def _renewal_context(prescription: Prescription) -> dict:
    """Remaining dispensings, end date, the next one and what the patient may still ask."""
    schedule = RenewalSchedule.objects.filter(prescription=prescription).first()
    if schedule is None:
        return {"schedule": None}
    upcoming = renewals.upcoming(schedule)
    return {
        "schedule": schedule,
        "upcoming": upcoming,
        "dispensings": list(schedule.dispensings.order_by("number")),
        "remaining": schedule.remaining,
        "end_date": schedule.end_date,
        "pending_request": upcoming.get_patient_request_display() if upcoming else "",
        "renewal_actions": [
            (slug, PatientRequest(kind).label)
            for slug, kind in RENEWAL_ACTIONS.items()
            if renewals.patient_can_ask(schedule, kind)
        ],
    }


def _private(response):
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _track_response(request, prescription, token, *, error="", status=200):
    context = {
        "prescription": prescription,
        "token": token,
        "cancelled": request.GET.get("annulee") == "1",
        "renewal_sent": request.GET.get("demande") == "1",
        "error": error,
        **_renewal_context(prescription),
    }
    return _private(TemplateResponse(request, "ordonnances/track.html", context, status=status))


def track(request, token):
    """The patient's view of their prescription: status, the pharmacy's note, cancel if possible."""
    try:
        prescription = _prescription_for_request(request, token)
    except Http404:
        return _invalid_link(request)
    return _track_response(request, prescription, token)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def renewal_request(request, token, action):
    """Skip the next dispensing, delay it a week or stop: a confirmation page, then the POST.

    Like cancelling, the signed link is the secret and the POST must come from the same site;
    the request then waits for the pharmacist, who applies or refuses it.
    """
    try:
        prescription = _prescription_for_request(request, token)
    except Http404:
        return _invalid_link(request)
    kind = RENEWAL_ACTIONS.get(action)
    if kind is None:
        return _invalid_link(request)
    if request.method == "POST" and not is_same_origin(request):
        return public_forms.refuse_cross_origin()
    schedule = RenewalSchedule.objects.filter(prescription=prescription).first()
    if schedule is None or not renewals.patient_can_ask(schedule, kind):
        return _track_response(
            request,
            prescription,
            token,
            error=_("Cette demande n'est plus possible : appelez la pharmacie si besoin."),
            status=409,
        )
    if request.method == "GET":
        upcoming = renewals.upcoming(schedule)
        number = upcoming.number if upcoming else renewals.next_number(schedule)
        context = {
            "prescription": prescription,
            "token": token,
            "action": action,
            "kind": kind,
            "label": PatientRequest(kind).label,
            "dispensing_label": f"{number}/{schedule.dispensings_total}" if number else "",
            "due_date": upcoming.due_date if upcoming else schedule.due_date(number or 1),
        }
        return _private(TemplateResponse(request, "ordonnances/renewal_confirm.html", context))
    try:
        renewals.ask(prescription, kind, request=request)
    except renewals.RenewalError as exc:
        return _track_response(request, prescription, token, error=str(exc), status=409)
    track_url = reverse("ordonnances:track", args=[token])
    return public_forms.HttpResponseSeeOther(f"{track_url}?demande=1")


@csrf_exempt
@require_http_methods(["POST"])
def cancel(request, token):
    """The patient cancels before the pharmacy has prepared anything (the link is the secret)."""
    try:
        prescription = _prescription_for_request(request, token)
    except Http404:
        return _invalid_link(request)
    if not is_same_origin(request):
        return public_forms.refuse_cross_origin()
    try:
        services.cancel_by_patient(prescription)
    except services.TransitionError as exc:
        return _track_response(request, prescription, token, error=str(exc), status=409)
    return public_forms.HttpResponseSeeOther(request.path.rsplit("annuler/", 1)[0] + "?annulee=1")
