"""Public views: the upload POST of a page's block, its confirmation, and the patient's tracking link.

Patients have no account and get no cookie: the upload is protected by the form guard (signed
token, fill time, honeypot, same origin) and the tracking page by its signed, expiring token.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.core import signing
from django.http import Http404, HttpResponseForbidden, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from wagtail.models import Site

from cms.forms_guard import check_request, is_same_origin
from cms.models import feature_route

from . import services
from .forms import PrescriptionUploadForm
from .models import Prescription

logger = logging.getLogger("officine.ordonnances")

BLOCK_TYPE = "prescription_upload"


class HttpResponseSeeOther(HttpResponseRedirect):
    status_code = 303


def page_route_url(page, request, name: str, **kwargs) -> str:
    """Like cms.models.feature_url, but relative on the page's own site (keeps https behind a
    proxy and the visitor's host), absolute only when the page lives on another site."""
    return (
        page.get_url(request=request).rstrip("/")
        + "/"
        + feature_route("ordonnance", name, **kwargs)
    )


def _confirmation_url(page, request, block_id: str, token: str) -> str:
    # The token goes in the query string: Wagtail's page paths only allow [\w-] segments.
    url = page_route_url(page, request, "confirmation", block_id=block_id)
    return f"{url}?{urlencode({'t': token})}"


def render_page_with_form(request, page, block_id, form, status=200):
    """The page as a visitor sees it, with this block's form bound (errors and typed values)."""
    context = {**page.get_context(request), "bound_forms": {block_id: form}}
    response = TemplateResponse(request, page.get_template(request), context, status=status)
    add_never_cache_headers(response)
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def submit(request, page, block_id):
    """Validate, sanitise and store a patient's prescription, then redirect to its confirmation."""
    page.find_block(block_id, BLOCK_TYPE)
    pharmacy = page.pharmacy
    if pharmacy is None:
        raise Http404("This site has no pharmacy")
    if request.method != "POST":
        return redirect(page.get_url(request=request))

    guard = check_request(request, page.id, pharmacy.pk)
    if guard.silent_drop:
        fake = signing.dumps([0, Prescription.new_reference()], salt=services.TRACKING_SALT)
        return HttpResponseSeeOther(_confirmation_url(page, request, block_id, fake))
    if guard.reason == "cross_origin":
        return HttpResponseForbidden("Envoi refusé : formulaire d'un autre site.")

    form = PrescriptionUploadForm(request.POST, request.FILES, pharmacy=pharmacy, page_id=page.id)
    if not guard.ok:
        form.is_valid()
        form.add_error(None, guard.message)
        status = 429 if guard.reason == "rate_limited" else 200
        return render_page_with_form(request, page, block_id, form, status=status)
    if not form.is_valid():
        return render_page_with_form(request, page, block_id, form)

    prescription = services.create_prescription(
        pharmacy=pharmacy, fields=form.prescription_fields(), uploads=form.all_uploads()
    )
    token = services.tracking_token(prescription)
    return HttpResponseSeeOther(_confirmation_url(page, request, block_id, token))


def confirmation(request, page, block_id):
    """Shown once after sending: the reference, the pharmacy's text and the private tracking link."""
    block = page.find_block(block_id, BLOCK_TYPE)
    token = request.GET.get("t", "")
    data = services.decode_tracking_token(token)
    if data["id"]:
        prescription = services.prescription_for_token(token)
        if prescription.pharmacy_id != getattr(page.pharmacy, "pk", None):
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
    site = Site.find_for_request(request)
    if site is None or prescription.pharmacy.site_id != site.pk:
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
        return HttpResponseForbidden("Envoi refusé : formulaire d'un autre site.")
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
    return HttpResponseSeeOther(request.path.rsplit("annuler/", 1)[0] + "?annulee=1")
