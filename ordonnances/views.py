"""Public views: the upload POST of a page's block, its confirmation, and the patient's tracking link.

Patients have no account and get no cookie: the upload is protected by the form guard (signed
token, fill time, honeypot, same origin) and the tracking page by its signed, expiring token.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.core import signing
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from cms import public_forms
from cms.forms_guard import is_same_origin

from . import services
from .forms import PrescriptionUploadForm
from .models import Prescription

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
        return services.create_prescription(
            pharmacy=self.pharmacy,
            fields=form.prescription_fields(),
            uploads=form.all_uploads(),
            renewal=form.renewal_request(),
        )

    def get_landing_url(self, prescription):
        token = services.tracking_token(prescription)
        return confirmation_url(self.page, self.request, self.block_id, token)

    def get_decoy_landing_url(self):
        # Id 0 names no prescription: the confirmation shows this made-up reference, nothing more.
        decoy = signing.dumps([0, Prescription.new_reference()], salt=services.TRACKING_SALT)
        return confirmation_url(self.page, self.request, self.block_id, decoy)


submit = PrescriptionUploadView.as_view()


def confirmation(request, page, block_id):
    """Shown once after sending: the reference, the pharmacy's text and the private tracking link."""
    block = page.find_block(block_id, BLOCK_TYPE)
    token = request.GET.get("t", "")
    data = services.decode_tracking_token(token)
    if data["id"] and not public_forms.belongs_to_site(
        request, services.prescription_for_token(token)
    ):
        raise Http404("Prescription of another pharmacy")
    context = {
        **page.get_context(request),
        "upload_block": block.value,
        "reference": data["r"],
        "tracking_url": services.tracking_url_for_page(page, token),
    }
    return TemplateResponse(request, "ordonnances/confirmation.html", context)


def _invalid_link(request):
    return TemplateResponse(request, "ordonnances/link_invalid.html", {}, status=404)


def _prescription_for_request(request, token):
    prescription = services.prescription_for_token(token)
    if not public_forms.belongs_to_site(request, prescription):
        raise Http404("Tracking link used on another pharmacy's site")
    return prescription


def track(request, token):
    """The patient's view of their prescription: status, the pharmacy's note, cancel if possible."""
    try:
        prescription = _prescription_for_request(request, token)
    except Http404:
        return _invalid_link(request)
    response = TemplateResponse(
        request,
        "ordonnances/track.html",
        {
            "prescription": prescription,
            "token": token,
            "cancelled": request.GET.get("annulee") == "1",
            "error": "",
        },
    )
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


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
        response = TemplateResponse(
            request,
            "ordonnances/track.html",
            {"prescription": prescription, "token": token, "cancelled": False, "error": str(exc)},
            status=409,
        )
        add_never_cache_headers(response)
        return response
    return public_forms.HttpResponseSeeOther(request.path.rsplit("annuler/", 1)[0] + "?annulee=1")
