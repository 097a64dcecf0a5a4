"""The pharmacist's agenda: a day or a week of bookings, phone bookings, cancel, done, no-show.

Every lookup goes through `pharmacies.tenancy`: another pharmacy's booking or service is a 404.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms.dates import parse_date_param
from pharmacies import tenancy

from . import agenda
from . import booking as operations
from . import feed as feeds
from .forms import PhoneBookingForm
from .models import Booking, BookingStatus, Resource, Service

NAMESPACE = "rdv_agenda"


def _require(request, codename):
    if not request.user.has_perm(f"rdv.{codename}"):
        raise PermissionDenied


def _services_for(user):
    return tenancy.scope_queryset(Service.objects.select_related("pharmacy"), user)


def _day_bounds(first: date, last: date):
    tz = timezone.get_default_timezone()
    return (
        datetime.combine(first, time.min, tzinfo=tz),
        datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz),
    )


def _selected_pharmacy(request):
    """The pharmacy whose agenda is shown: the user's only one, or the one chosen in the list."""
    pharmacies = list(tenancy.pharmacies_for_user(request.user).order_by("name")[:200])
    chosen = request.GET.get("pharmacie", "")
    for pharmacy in pharmacies:
        if str(pharmacy.pk) == chosen:
            return pharmacy, pharmacies
    return (pharmacies[0] if pharmacies else None), pharmacies


def _open_days(pharmacy, first: date, last: date, with_bookings: set[date]) -> list[date]:
    """The week's days the pharmacy opens, plus any day holding a booking."""
    days, current = [], first
    while current <= last:
        if current in with_bookings or (
            pharmacy is not None and not pharmacy.schedule.is_closed_day(current)
        ):
            days.append(current)
        current += timedelta(days=1)
    return days


def agenda_view(request):
    """`?jour=YYYY-MM-DD&vue=jour|semaine&service=<id>&annules=1&pharmacie=<id>`.

    A time grid (one column per resource, closed hours shaded) above the list of the same
    bookings with their actions; cancelled bookings only on request.
    """
    _require(request, "view_booking")
    day = parse_date_param(request.GET.get("jour"), default=timezone.localdate())
    week = request.GET.get("vue") == "semaine"
    show_cancelled = request.GET.get("annules") == "1"
    pharmacy, pharmacies = _selected_pharmacy(request)
    services = _services_for(request.user).filter(active=True)
    if pharmacy is not None:
        services = services.filter(pharmacy=pharmacy)
    service = None
    if request.GET.get("service"):
        service = tenancy.get_scoped_object_or_404(
            Service.objects.all(), request.user, pk=request.GET["service"]
        )
    first = day - timedelta(days=day.weekday()) if week else day
    last = first + timedelta(days=6) if week else day
    lower, upper = _day_bounds(first, last)
    bookings = tenancy.scope_queryset(
        Booking.objects.filter(start__gte=lower, start__lt=upper).select_related(
            "service", "pharmacy"
        ),
        request.user,
    ).order_by("start")
    if pharmacy is not None:
        bookings = bookings.filter(pharmacy=pharmacy)
    if service is not None:
        bookings = bookings.filter(service=service)
    if not show_cancelled:
        bookings = bookings.exclude(status=BookingStatus.CANCELLED)
    bookings = list(bookings)
    by_day: dict[date, list] = {}
    for item in bookings:
        by_day.setdefault(timezone.localdate(item.start), []).append(item)
    shown = _open_days(pharmacy, first, last, set(by_day)) if week else [first]
    days = [(current, by_day.get(current, [])) for current in shown]
    step = timedelta(days=7 if week else 1)
    query = {"vue": "semaine" if week else "jour"}
    if service is not None:
        query["service"] = service.pk
    if pharmacy is not None and len(pharmacies) > 1:
        query["pharmacie"] = pharmacy.pk
    context = {
        "day": day,
        "week": week,
        "days": days,
        "grid": _grid(pharmacy, shown, bookings, service),
        "show_cancelled": show_cancelled,
        "pharmacy": pharmacy,
        "pharmacies": pharmacies if len(pharmacies) > 1 else [],
        "services": services,
        "service": service,
        "previous": (first - step).isoformat(),
        "next": (first + step).isoformat(),
        "today": timezone.localdate().isoformat(),
        "query": urlencode(query),
        "cancelled_toggle": urlencode(
            {**query, "jour": day.isoformat(), **({} if show_cancelled else {"annules": "1"})}
        ),
        "can_change": request.user.has_perm("rdv.change_booking"),
        "can_add": request.user.has_perm("rdv.add_booking"),
        "namespace": NAMESPACE,
        "page_title": _("Agenda des rendez-vous"),
        "header_icon": "date",
    }
    return render(request, "rdv/admin/agenda.html", context)


NO_RESOURCE = "none"


def _grid(pharmacy, days, bookings, service):
    """Columns: the pharmacy's active resources (those of the chosen service only, if any)."""
    if pharmacy is None or not days:
        return None
    resources = list(
        Resource.objects.filter(pharmacy=pharmacy, active=True).prefetch_related("hours")
    )
    if service is not None:
        resources = [r for r in resources if r.pk == service.resource_id]
    columns = [(r.pk, r.name, r.own_weekly) for r in resources]
    known = {r.pk for r in resources}
    if any(b.service.resource_id not in known for b in bookings):
        columns.append((NO_RESOURCE, _("Autres prestations"), None))
    schedule = pharmacy.schedule
    opening = {current: schedule.local_ranges(current) for current in days}
    sessions: dict[tuple, list] = {}
    for item in bookings:
        key = item.service.resource_id if item.service.resource_id in known else NO_RESOURCE
        group = (key, item.start, item.end, item.service_id, item.status == "cancelled")
        sessions.setdefault(group, []).append(item)
    placed = [(group[0], group[1], group[2], items) for group, items in sessions.items()]
    return agenda.build_grid(days, columns, opening, placed, timezone.get_default_timezone())


def phone_booking_view(request):
    """A booking taken over the phone, with the same seats and grid as the public form."""
    _require(request, "add_booking")
    services = _services_for(request.user).filter(active=True)
    form = PhoneBookingForm(request.POST or None, services=services, initial=request.GET.dict())
    next_slots = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        start = (
            timezone.make_aware(data["start"])
            if timezone.is_naive(data["start"])
            else data["start"]
        )
        try:
            made, _created = operations.create_booking(
                service=data["service"],
                start=start,
                **form.contact_fields(),
                comment=data["comment"],
                user=request.user,
            )
        except operations.SlotTaken as exc:
            form.add_error("start", exc.message)
            next_slots = exc.next_slots
        except operations.BookingError as exc:
            form.add_error("start", exc.message)
        else:
            messages.success(
                request,
                _("Rendez-vous %(ref)s enregistré pour %(name)s.")
                % {"ref": made.reference, "name": made.full_name},
            )
            url = (
                reverse(f"{NAMESPACE}:agenda")
                + "?jour="
                + timezone.localdate(made.start).isoformat()
            )
            return HttpResponseRedirect(url)
    return render(
        request,
        "rdv/admin/phone_booking.html",
        {
            "form": form,
            "next_slots": next_slots,
            "page_title": _("Nouveau rendez-vous par téléphone"),
            "header_icon": "date",
            "namespace": NAMESPACE,
        },
    )


ACTIONS = {
    "annuler": "cancel",
    "honore": BookingStatus.DONE,
    "absent": BookingStatus.NO_SHOW,
}


@require_POST
def booking_action_view(request, pk, action):
    """Cancel (frees the seat, tells the patient), mark done or no-show."""
    booking = tenancy.get_scoped_object_or_404(
        Booking.objects.select_related("service", "pharmacy"), request.user, pk=pk
    )
    _require(request, "change_booking")
    what = ACTIONS.get(action)
    try:
        if what == "cancel":
            operations.cancel_booking(booking, by_patient=False, user=request.user, request=request)
            messages.success(request, _("Rendez-vous %(ref)s annulé.") % {"ref": booking.reference})
        elif what is not None:
            operations.set_outcome(booking, what, user=request.user, request=request)
            messages.success(
                request, _("Rendez-vous %(ref)s mis à jour.") % {"ref": booking.reference}
            )
    except operations.BookingError as exc:
        messages.error(request, exc.message)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = (
            reverse(f"{NAMESPACE}:agenda")
            + "?jour="
            + timezone.localdate(booking.start).isoformat()
        )
    return HttpResponseRedirect(target)


def closures_view(request):
    """The pharmacy's own "Horaires et fermetures" page (not the whole pharmacy form)."""
    return redirect(reverse("pharmacies_hours"))


FEED_ACTIONS = ("creer", "revoquer", "noms")


def feed_view(request):
    """The private iCal address: shown to staff, created, replaced or revoked by who may change
    bookings; the patients' full names only if the pharmacy opts in."""
    _require(request, "view_booking")
    pharmacy, pharmacies = _selected_pharmacy(request)
    if request.method == "POST":
        _require(request, "change_booking")
        chosen = request.POST.get("pharmacie") or request.GET.get("pharmacie", "")
        pharmacy = next((p for p in pharmacies if str(p.pk) == chosen), None)
        action = request.POST.get("action", "")
        if pharmacy is None or action not in FEED_ACTIONS:
            raise Http404
        if action == "creer":
            feeds.create_token(pharmacy, request=request)
            messages.success(
                request,
                _("Nouvelle adresse créée : l'ancienne, s'il y en avait une, ne fonctionne plus."),
            )
        elif action == "revoquer":
            if feeds.revoke_token(pharmacy, request=request):
                messages.success(request, _("Adresse révoquée : elle ne fonctionne plus."))
        else:
            full = request.POST.get("noms_complets") == "1"
            feeds.set_full_names(pharmacy, full, request=request)
            messages.success(
                request,
                _("L'agenda affiche désormais le nom complet des patients.")
                if full
                else _("L'agenda n'affiche désormais que les initiales des patients."),
            )
        url = reverse(f"{NAMESPACE}:feed")
        if len(pharmacies) > 1:
            url += "?" + urlencode({"pharmacie": pharmacy.pk})
        return HttpResponseRedirect(url)
    feed = feeds.feed_of(pharmacy) if pharmacy is not None else None
    return render(
        request,
        "rdv/admin/agenda_feed.html",
        {
            "pharmacy": pharmacy,
            "pharmacies": pharmacies if len(pharmacies) > 1 else [],
            "feed": feed,
            "feed_url": feeds.feed_url(feed) if feed else "",
            "can_change": request.user.has_perm("rdv.change_booking"),
            "namespace": NAMESPACE,
            "page_title": _("Agenda iCal privé"),
            "header_icon": "calendar-alt",
        },
    )
