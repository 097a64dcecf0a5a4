"""Public booking views: the step pages, the JSON of free slots, the POST, the signed manage link."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.http import HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from cms import public_forms
from cms.dates import parse_date_param, parse_instant_param
from cms.forms_guard import is_same_origin
from cms.security import secret_link_page

from . import availability, booking, links, steps, waitlist
from .forms import BookingForm, WaitlistForm
from .ics import booking_ics
from .models import Service, WaitlistStatus

logger = logging.getLogger("officine.rdv")

BLOCK_TYPE = "appointment_booking"
ROUTE_PREFIX = "rdv"


def _page_route(page, request, name, *args):
    return public_forms.page_route_url(page, request, ROUTE_PREFIX, name, *args)


@require_GET
def step_view(request, page):
    """The no-JavaScript flow: the page again, with the block at the step the query asks for."""
    block = page.find_block(request.GET.get("block", ""), BLOCK_TYPE)
    services = steps.services_for_block(page.pharmacy, block.value.get("categories"))
    state = steps.parse_step(request.GET, services)
    return public_forms.render_page(request, page, {"rdv_step": state})


def _json_error(message, status=400):
    return JsonResponse({"error": str(message)}, status=status)


def _slot_json(slot):
    return {
        "start": slot.start.isoformat(),
        "end": slot.end.isoformat(),
        "remaining": slot.remaining,
    }


def _calendar_json(service):
    """The calendar the no-JavaScript page shows, as data: every day with its state and reason."""
    first, last = steps.calendar_range(service)
    days = availability.calendar_days(service, first, last)
    free_first, free_last = availability.booking_window(service)
    free = availability.free_slots(service, free_first, min(free_last, last))
    return JsonResponse(
        {
            "days": [
                {
                    "date": info.day.isoformat(),
                    "state": info.state,
                    "label": str(info.label),
                    "reason": str(info.reason),
                    "count": info.count,
                }
                for info in days
            ],
            "slots": [_slot_json(slot) for slot in free],
        }
    )


@require_GET
def slots_view(request, page):
    """`?service=<id>&from=YYYY-MM-DD&to=YYYY-MM-DD` → free slots with ISO-8601 offsets.

    `?service=<id>&calendrier=1` → the whole calendar (`days` with a reason for each greyed day,
    and the free `slots`), over the same months as the no-JavaScript page.
    """
    try:
        service_id = int(request.GET.get("service", ""))
    except ValueError:
        return _json_error(_("Paramètre « service » manquant ou invalide."))
    if request.GET.get("calendrier") == "1":
        service = (
            Service.objects.filter(pk=service_id, pharmacy=page.pharmacy, active=True)
            .select_related("pharmacy")
            .first()
        )
        if service is None or page.pharmacy is None:
            return _json_error(_("Cette prestation n'existe pas sur ce site."), status=404)
        return _calendar_json(service)
    date_from = parse_date_param(request.GET.get("from"), default=None)
    date_to = parse_date_param(request.GET.get("to"), default=None)
    if date_from is None or date_to is None:
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
    return JsonResponse([_slot_json(slot) for slot in free], safe=False)


class _BookingBlockFormView(public_forms.PublicFormView):
    """A form posted from a booking block: the block it names, the services that block offers."""

    block_type = BLOCK_TYPE

    def get_block_id(self, **kwargs):
        # One route for every booking block of the page: the form names its block.
        return self.request.POST.get("block", "")

    def get_form_kwargs(self):
        services = steps.services_queryset(self.pharmacy, self.block.value.get("categories"))
        return {
            **super().get_form_kwargs(),
            "pharmacy": self.pharmacy,
            "services": services,
            "block_id": self.block_id,
        }

    def get_decoy_landing_url(self):
        return _page_route(self.page, self.request, "thanks")


class BookingFormView(_BookingBlockFormView):
    """Validate, take the seat under a lock, redirect (303) to the confirmation."""

    form_class = BookingForm

    def process_form_submission(self, form):
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
            raise public_forms.InvalidSubmission from exc
        except booking.BookingError as exc:
            form.add_error("start", exc.message)
            raise public_forms.InvalidSubmission from exc
        return made

    def get_landing_url(self, made):
        return _page_route(self.page, self.request, "confirmation", links.manage_token(made))


book_view = BookingFormView.as_view()


@require_GET
def confirmation_view(request, page, token):
    made = links.booking_from_token(token)
    if not public_forms.belongs_to_site(request, made):
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
    return made if public_forms.belongs_to_site(request, made) else None


MOVE_ANCHOR = "#rdv-deplacer"


def _manage_calendar(made, day):
    first, last = steps.calendar_range(made.service)
    days = availability.calendar_days(made.service, first, last, exclude_booking=made)
    return steps.calendar_months(
        days, lambda d: "?" + urlencode({"jour": d.isoformat()}) + MOVE_ANCHOR, chosen=day
    )


def _confirm_url(slot_start) -> str:
    return (
        "?" + urlencode({"etape": "deplacer", "start": slot_start.isoformat()}) + "#rdv-confirmer"
    )


def _confirmation(request, made, action, new_start=None, errors=()):
    """The step between the choice and the change: nothing is cancelled or moved on one tap."""
    context = _booking_context(made)
    back_day = timezone.localdate(new_start) if new_start is not None else None
    context.update(
        action=action,
        new_start=timezone.localtime(new_start) if new_start is not None else None,
        errors=list(errors),
        back_url="?" + urlencode({"jour": back_day.isoformat()}) + MOVE_ANCHOR if back_day else "?",
    )
    return TemplateResponse(request, "rdv/manage_confirm.html", context)


def _start_to_confirm(made, raw):
    """A start from the URL or the form, if it is one of the slots the calendar would offer."""
    start = parse_instant_param(raw or "")
    if start is None or not availability.is_on_grid(made.service, start):
        return None
    return start


@csrf_exempt
@secret_link_page
@require_http_methods(["GET", "POST"])
def manage_view(request, token):
    """Cancel or move a booking from the link in the confirmation (no account, no cookie).

    Every change goes through a confirmation step (a page of its own, so it works without
    JavaScript); the POST only acts when it carries `confirme=oui`.
    """
    made = _booking_for_site(request, token)
    if made is None:
        return _invalid_link(request)
    errors, next_slots = [], []
    can_change = booking.patient_can_change(made)
    if request.method == "POST":
        if not is_same_origin(request):
            return public_forms.refuse_cross_origin()
        action = request.POST.get("action")
        confirmed = request.POST.get("confirme") == "oui"
        try:
            if action == "cancel":
                if not confirmed and can_change:
                    return _confirmation(request, made, "cancel")
                booking.cancel_booking(made, by_patient=True)
                return public_forms.HttpResponseSeeOther(request.path + "?fait=annule")
            if action == "move":
                start = parse_instant_param(request.POST.get("start", ""))
                if start is None:
                    errors.append(_("Choisissez un nouvel horaire dans la liste."))
                elif not confirmed and can_change:
                    return _confirmation(request, made, "move", start)
                else:
                    booking.move_booking(made, start, by_patient=True)
                    return public_forms.HttpResponseSeeOther(request.path + "?fait=deplace")
            else:
                errors.append(_("Action inconnue."))
        except booking.SlotTaken as exc:
            errors.append(exc.message)
            next_slots = exc.next_slots
        except booking.BookingError as exc:
            errors.append(exc.message)
        made.refresh_from_db()
    elif can_change and request.GET.get("etape") == "annuler":
        return _confirmation(request, made, "cancel")
    elif can_change and request.GET.get("etape") == "deplacer":
        start = _start_to_confirm(made, request.GET.get("start"))
        if start is not None:
            return _confirmation(request, made, "move", start)
        errors.append(_("Ce créneau n'est plus disponible. Choisissez un autre horaire."))
    context = _booking_context(made)
    context.update(
        errors=errors,
        next_slots=[(slot, _confirm_url(slot.start)) for slot in next_slots or ()],
        done=request.GET.get("fait", ""),
    )
    if context["can_change"]:
        first, last = steps.days_shown(made.service)
        day = parse_date_param(request.GET.get("jour"), default=None, earliest=first, latest=last)
        context["calendar_months"] = _manage_calendar(made, day)
        if day is not None:
            context["day"] = day
            context["day_slots"] = [
                (slot, _confirm_url(slot.start))
                for slot in availability.free_slots(made.service, day, day, exclude_booking=made)
            ]
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


class WaitlistFormView(_BookingBlockFormView):
    """A full day's waiting list: same guard, consent and notification choices as the booking."""

    form_class = WaitlistForm

    def process_form_submission(self, form):
        data = form.cleaned_data
        entry, _created = waitlist.join(
            service=data["service"],
            day=data["day"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            phone=data["phone"],
            email=data["email"],
            notify_by=data["notify_by"],
            page=self.page,
        )
        return entry

    def get_landing_url(self, entry):
        return _page_route(self.page, self.request, "waitlist_joined", waitlist.token(entry))


waitlist_view = WaitlistFormView.as_view()


@require_GET
def waitlist_joined_view(request, page, token):
    entry = waitlist.entry_from_token(token)
    if not public_forms.belongs_to_site(request, entry):
        return _invalid_link(request)
    context = page.get_context(request)
    context.update(entry=entry)
    return TemplateResponse(request, "rdv/waitlist_joined.html", context)


def _booking_page_url(entry) -> str:
    """The calendar of the entry's service on the page it was joined from (or the site's home)."""
    page = entry.page.specific if entry.page_id else None
    if page is None or getattr(page, "pharmacy", None) != entry.pharmacy:
        return entry.pharmacy.site.root_url + "/"
    block_id = next((b.id for b in page.body if b.block_type == BLOCK_TYPE), "")
    return (
        public_forms.feature_url(page, ROUTE_PREFIX, "steps")
        + "?"
        + urlencode({"block": block_id, "service": entry.service_id})
        + f"#rdv-{block_id}"
    )


@csrf_exempt
@secret_link_page
@require_http_methods(["GET", "POST"])
def waitlist_take_view(request, token):
    """The link of the "a seat is free" message: confirm, then book it if nobody was quicker."""
    entry = waitlist.entry_from_token(token)
    if entry is None or not public_forms.belongs_to_site(request, entry):
        return _invalid_link(request)
    context = {
        "entry": entry,
        "start": timezone.localtime(entry.offered_start) if entry.offered_start else None,
        "calendar_url": _booking_page_url(entry),
        "errors": [],
    }
    if entry.status == WaitlistStatus.BOOKED and entry.booking_id:
        return public_forms.HttpResponseSeeOther(links.manage_path(entry.booking))
    if request.method == "POST":
        if not is_same_origin(request):
            return public_forms.refuse_cross_origin()
        try:
            made = booking.take_offered_seat(entry)
        except booking.BookingError:
            context["errors"].append(
                _(
                    "Désolé, cette place a déjà été prise par un autre patient. "
                    "Choisissez un autre créneau dans le calendrier."
                )
            )
            context["gone"] = True
        else:
            return public_forms.HttpResponseSeeOther(links.manage_path(made) + "?fait=pris")
    elif entry.status != WaitlistStatus.OFFERED:
        context["errors"].append(
            _(
                "Aucune place ne s'est encore libérée : vous serez prévenu(e) dès que ce sera le cas."
            )
        )
        context["gone"] = True
    elif not availability.is_on_grid(entry.service, entry.offered_start) or not any(
        slot.start == entry.offered_start
        for slot in availability.free_slots(
            entry.service,
            timezone.localdate(entry.offered_start),
            timezone.localdate(entry.offered_start),
        )
    ):
        context["errors"].append(
            _(
                "Désolé, cette place a déjà été prise par un autre patient. "
                "Choisissez un autre créneau dans le calendrier."
            )
        )
        context["gone"] = True
    return TemplateResponse(request, "rdv/waitlist_take.html", context)
