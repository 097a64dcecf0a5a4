"""Public booking views: the step pages, the JSON of free slots, the POST, the signed manage link."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from wagtail.models import Site

from cms.forms_guard import check_request, is_same_origin
from cms.security import secret_link_page

from . import availability, booking, links, steps
from .forms import BookingForm, parse_start
from .ics import booking_ics
from .models import Service

logger = logging.getLogger("officine.rdv")


class SeeOther(HttpResponseRedirect):
    status_code = 303


def _render_page(request, page, extra: dict, status: int = 200):
    context = page.get_context(request)
    context.update(extra)
    return TemplateResponse(request, page.get_template(request), context, status=status)


def _block_or_404(page, block_id):
    return page.find_block(block_id, "appointment_booking")


@require_GET
def step_view(request, page):
    """The no-JavaScript flow: the page again, with the block at the step the query asks for."""
    block_id = request.GET.get("block", "")
    block = _block_or_404(page, block_id)
    services = steps.services_for_block(page.pharmacy, block.value.get("categories"))
    state = steps.parse_step(request.GET, services)
    return _render_page(request, page, {"rdv_step": state})


def _json_error(message, status=400):
    return JsonResponse({"error": str(message)}, status=status)


@require_GET
def slots_view(request, page):
    """`?service=<id>&from=YYYY-MM-DD&to=YYYY-MM-DD` → free slots with ISO-8601 offsets."""
    try:
        service_id = int(request.GET.get("service", ""))
    except ValueError:
        return _json_error(_("Paramètre « service » manquant ou invalide."))
    try:
        date_from = date.fromisoformat(request.GET.get("from", ""))
        date_to = date.fromisoformat(request.GET.get("to", ""))
    except ValueError:
        return _json_error(_("Dates invalides : utilisez le format AAAA-MM-JJ pour from et to."))
    if date_to < date_from:
        return _json_error(_("La date de fin précède la date de début."))
    if (date_to - date_from).days >= availability.MAX_WINDOW_DAYS:
        return _json_error(
            _("Période trop longue : %(days)d jours au plus.")
            % {"days": availability.MAX_WINDOW_DAYS}
        )
    service = (
        Service.objects.filter(pk=service_id, pharmacy=page.pharmacy, active=True)
        .select_related("pharmacy")
        .first()
    )
    if service is None or page.pharmacy is None:
        return _json_error(_("Cette prestation n'existe pas sur ce site."), status=404)
    first, last = availability.booking_window(service)
    date_from, date_to = max(date_from, first), min(date_to, last)
    free = availability.free_slots(service, date_from, date_to) if date_from <= date_to else []
    return JsonResponse(
        [
            {
                "start": slot.start.isoformat(),
                "end": slot.end.isoformat(),
                "remaining": slot.remaining,
            }
            for slot in free
        ],
        safe=False,
    )


@csrf_exempt
@require_POST
def book_view(request, page):
    """Validate, take the seat under a lock, redirect (303) to the confirmation."""
    block_id = request.POST.get("block", "")
    block = _block_or_404(page, block_id)
    pharmacy = page.pharmacy
    if pharmacy is None:
        raise Http404("No pharmacy for this site")
    services = steps.services_queryset(pharmacy, block.value.get("categories"))
    guard = check_request(request, page.pk, pharmacy.pk)
    if guard.silent_drop:
        return SeeOther(_page_route(page, "thanks"))
    form = BookingForm(request.POST, page_id=page.pk, services=services, block_id=block_id)
    if not guard.ok:
        form.is_valid()
        form.add_error(None, guard.message)
        return _render_page(request, page, {"bound_forms": {block_id: form}})
    if not form.is_valid():
        return _render_page(request, page, {"bound_forms": {block_id: form}})
    data = form.cleaned_data
    try:
        made, _created = booking.create_booking(
            service=data["service"],
            start=data["start"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            phone=data["phone"],
            email=data["email"],
            comment=data["comment"],
            notify_by=data["notify_by"],
            idempotency_key=data.get("nonce") or None,
        )
    except booking.SlotTaken as exc:
        form.add_error("start", exc.message)
        form.next_slots = exc.next_slots
        return _render_page(request, page, {"bound_forms": {block_id: form}})
    except booking.BookingError as exc:
        form.add_error("start", exc.message)
        return _render_page(request, page, {"bound_forms": {block_id: form}})
    return SeeOther(_page_route(page, "confirmation", links.manage_token(made)))


def _page_route(page, name, *args):
    from cms.models import feature_url

    return feature_url(page, "rdv", name, *args)


@require_GET
def confirmation_view(request, page, token):
    made = links.booking_from_token(token)
    if made is None or made.pharmacy_id != getattr(page.pharmacy, "pk", None):
        return _invalid_link(request)
    context = page.get_context(request)
    context.update(_booking_context(made))
    return TemplateResponse(request, "rdv/confirmation.html", context)


@require_GET
def thanks_view(request, page):
    context = page.get_context(request)
    return TemplateResponse(request, "rdv/thanks.html", context)


def _booking_context(made):
    return {
        "booking": made,
        "start": timezone.localtime(made.start),
        "end": timezone.localtime(made.end),
        "manage_url": links.manage_path(made),
        "ics_url": links.ics_path(made),
        "can_change": booking.patient_can_change(made),
        "cutoff_hours": int(booking.cancel_cutoff().total_seconds() // 3600),
    }


def _invalid_link(request):
    return TemplateResponse(request, "rdv/link_invalid.html", {}, status=404)


def _booking_for_site(request, token):
    made = links.booking_from_token(token)
    if made is None:
        return None
    site = Site.find_for_request(request)
    if site is None or made.pharmacy.site_id != site.pk:
        return None
    return made


@csrf_exempt
@secret_link_page
@require_http_methods(["GET", "POST"])
def manage_view(request, token):
    """Cancel or move a booking from the link in the confirmation (no account, no cookie)."""
    made = _booking_for_site(request, token)
    if made is None:
        return _invalid_link(request)
    errors, next_slots = [], []
    if request.method == "POST":
        if not is_same_origin(request):
            return HttpResponse(status=403)
        action = request.POST.get("action")
        try:
            if action == "cancel":
                booking.cancel_booking(made, by_patient=True)
                return SeeOther(request.path + "?fait=annule")
            if action == "move":
                start = parse_start(request.POST.get("start", ""))
                if start is None:
                    errors.append(_("Choisissez un nouvel horaire dans la liste."))
                else:
                    booking.move_booking(made, start, by_patient=True)
                    return SeeOther(request.path + "?fait=deplace")
            else:
                errors.append(_("Action inconnue."))
        except booking.SlotTaken as exc:
            errors.append(exc.message)
            next_slots = exc.next_slots
        except booking.BookingError as exc:
            errors.append(exc.message)
        made.refresh_from_db()
    context = _booking_context(made)
    context.update(errors=errors, next_slots=next_slots, done=request.GET.get("fait", ""))
    if context["can_change"]:
        first, last = availability.booking_window(made.service)
        last = min(last, first + timedelta(days=steps.MAX_DAYS_SHOWN))
        raw_day = request.GET.get("jour", "")
        try:
            day = date.fromisoformat(raw_day) if raw_day else None
        except ValueError:
            day = None
        if day is not None:
            context["day"] = day
            context["day_slots"] = availability.free_slots(
                made.service, day, day, exclude_booking=made
            )
        else:
            context["days"] = availability.days_with_free_slots(made.service, first, last)
    return TemplateResponse(request, "rdv/manage.html", context)


@require_GET
def ics_view(request, token):
    made = _booking_for_site(request, token)
    if made is None:
        return _invalid_link(request)
    response = HttpResponse(
        booking_ics(made, links.manage_url(made)), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="rendez-vous.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
