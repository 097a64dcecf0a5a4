"""What the booking block shows: service → day → time → details, from the query or a bound form.

Without JavaScript each step is a plain GET link or form to the page's `rdv/` route, which renders
the page again with the block at the next step; with JavaScript, `static/js/rdv.js` fetches the free
slots as JSON and fills the same details form in place.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, timedelta
from urllib.parse import urlencode

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from cms.dates import parse_date_param, parse_instant_param
from cms.fragments import FOR_CACHE
from cms.public_forms import page_route_url

from . import availability
from .forms import BookingForm, WaitlistForm
from .models import Service

MAX_DAYS_SHOWN = 31


def services_for_block(pharmacy, categories) -> list[Service]:
    if pharmacy is None:
        return []
    qs = Service.objects.filter(pharmacy=pharmacy, active=True)
    if categories:
        qs = qs.filter(category__in=list(categories))
    return list(qs.select_related("pharmacy").prefetch_related("hours"))


def days_shown(service: Service) -> tuple[date, date]:
    """The first and last day a patient can pick: the booking window, a month or so of it."""
    first, last = availability.booking_window(service)
    shown = first + timedelta(days=MAX_DAYS_SHOWN)
    # To the end of that month: the calendar shows whole months, each open day a link.
    shown = shown.replace(day=calendar.monthrange(shown.year, shown.month)[1])
    return first, min(last, shown)


def calendar_range(service: Service) -> tuple[date, date]:
    """Whole months, from this one to the one holding the last day shown, so every day of the
    grid is either pickable or greyed with its reason."""
    today = timezone.localdate()
    _first, last = days_shown(service)
    end = last.replace(day=calendar.monthrange(last.year, last.month)[1])
    return today.replace(day=1), end


def calendar_months(
    days: list[availability.CalendarDay],
    url_for: Callable[[date], str],
    chosen: date | None = None,
    waitlist_url_for: Callable[[date], str] | None = None,
) -> list[dict]:
    """Month grids (weeks of seven cells, Monday first) for `rdv/_calendar.html`."""
    months: list[dict] = []
    for info in days:
        key = (info.day.year, info.day.month)
        if not months or months[-1]["key"] != key:
            months.append(
                {
                    "key": key,
                    "label": date_format(info.day, "F Y"),
                    "id": info.day.strftime("%Y-%m"),
                    "weeks": [[None] * 7],
                }
            )
        weeks = months[-1]["weeks"]
        if info.day.weekday() == 0 and any(weeks[-1]):
            weeks.append([None] * 7)
        weeks[-1][info.day.weekday()] = {
            "info": info,
            "url": url_for(info.day) if info.bookable else "",
            "waitlist_url": waitlist_url_for(info.day)
            if waitlist_url_for is not None and info.state == availability.DayState.FULL
            else "",
            "chosen": info.day == chosen,
            "name": date_format(info.day, "l j F"),
        }
    return months


def services_queryset(pharmacy, categories=None):
    qs = Service.objects.filter(pharmacy=pharmacy, active=True).select_related("pharmacy")
    if categories:
        qs = qs.filter(category__in=list(categories))
    return qs


def parse_step(query, services) -> dict:
    """The step a GET asks for; unknown or foreign values fall back to the previous step."""
    by_id = {str(s.pk): s for s in services}
    state: dict = {"block_id": query.get("block", ""), "errors": []}
    raw_service = query.get("service", "")
    if not raw_service:
        return state
    service = by_id.get(raw_service)
    if service is None:
        state["errors"].append(_("Cette prestation n'existe pas ou n'est plus proposée."))
        return state
    state["service"] = service
    raw_waitlist = query.get("attente", "")
    if raw_waitlist:
        first, last = days_shown(service)
        day = parse_date_param(raw_waitlist, default=None, earliest=first, latest=last)
        if day is None:
            state["errors"].append(_("Cette date n'est pas valide."))
        else:
            state["waitlist_day"] = day
        return state
    raw_day = query.get("jour", "")
    if raw_day:
        first, last = days_shown(service)
        day = parse_date_param(raw_day, default=None, earliest=first, latest=last)
        if day is None:
            state["errors"].append(_("Cette date n'est pas valide."))
            return state
        state["day"] = day
    raw_start = query.get("start", "")
    if raw_start:
        start = parse_instant_param(raw_start)
        if start is None or not availability.is_on_grid(service, start):
            state["errors"].append(
                _("Ce créneau n'est plus disponible. Choisissez un autre horaire.")
                if start is not None
                else _("Ce créneau n'est pas valide.")
            )
            if start is not None:
                state["day"] = timezone.localdate(start)
        else:
            state["start"] = start
            state["day"] = timezone.localdate(start)
    return state


def step_link(steps_url: str, block_id: str, **params) -> str:
    return steps_url + "?" + urlencode({"block": block_id, **params})


def block_context(value, parent_context) -> dict:
    page = parent_context.get("page")
    block_id = parent_context.get("block_id") or ""
    if page is None or not hasattr(page, "pharmacy"):
        return {"rdv_available": False}
    pharmacy = page.pharmacy
    services = services_for_block(pharmacy, value.get("categories"))
    request = parent_context.get("request")
    steps_url = page_route_url(page, request, "rdv", "steps")
    ctx = {
        "rdv_available": bool(services),
        "services": services,
        "steps_url": steps_url,
        "book_url": page_route_url(page, request, "rdv", "book"),
        "slots_url": page_route_url(page, request, "rdv", "slots"),
        "step": "service",
        "errors": [],
    }
    state = parent_context.get("rdv_step") or {}
    if state.get("block_id") != block_id:
        state = {}
    bound = (parent_context.get("bound_forms") or {}).get(block_id)
    qs = services_queryset(pharmacy, value.get("categories"))
    if isinstance(bound, WaitlistForm):
        ctx.update(
            step="waitlist",
            form=bound,
            service=bound.cleaned_data.get("service") if hasattr(bound, "cleaned_data") else None,
            waitlist_day=bound.cleaned_data.get("day") if hasattr(bound, "cleaned_data") else None,
            waitlist_url=page_route_url(page, request, "rdv", "waitlist"),
        )
        return ctx
    if bound is not None:
        service = bound.cleaned_data.get("service") if hasattr(bound, "cleaned_data") else None
        start = parse_instant_param(bound.data.get("start", ""))
        ctx.update(step="details", form=bound, service=service, start=start)
        return ctx
    ctx["errors"] = state.get("errors", [])
    service = state.get("service")
    ctx["service"] = service
    if service is None:
        ctx["form"] = BookingForm(
            pharmacy=pharmacy,
            page_id=page.pk,
            services=qs,
            block_id=block_id,
            for_cache=bool(parent_context.get(FOR_CACHE)),
        )
        return ctx
    start = state.get("start")
    day = state.get("day")
    anchor = f"#rdv-{block_id}"
    if start is not None:
        ctx.update(
            step="details",
            start=timezone.localtime(start),
            form=BookingForm(
                pharmacy=pharmacy,
                page_id=page.pk,
                services=qs,
                block_id=block_id,
                initial={"service": service.pk, "start": start.isoformat()},
            ),
            back_url=step_link(steps_url, block_id, service=service.pk, jour=day.isoformat())
            + anchor,
        )
        return ctx

    def day_url(d: date) -> str:
        return step_link(steps_url, block_id, service=service.pk, jour=d.isoformat()) + anchor

    def waitlist_day_url(d: date) -> str:
        return step_link(steps_url, block_id, service=service.pk, attente=d.isoformat()) + anchor

    waitlist_day = state.get("waitlist_day")
    if waitlist_day is not None:
        ctx.update(
            step="waitlist",
            waitlist_day=waitlist_day,
            waitlist_url=page_route_url(page, request, "rdv", "waitlist"),
            back_url=step_link(steps_url, block_id, service=service.pk) + anchor,
            form=WaitlistForm(
                pharmacy=pharmacy,
                page_id=page.pk,
                services=qs,
                block_id=block_id,
                initial={"service": service.pk, "day": waitlist_day.isoformat()},
            ),
        )
        return ctx
    cal_first, cal_last = calendar_range(service)
    ctx["calendar_months"] = calendar_months(
        availability.calendar_days(service, cal_first, cal_last),
        day_url,
        chosen=day,
        waitlist_url_for=waitlist_day_url,
    )
    if day is not None:
        day_slots = availability.free_slots(service, day, day)
        ctx.update(
            step="time",
            day=day,
            slots=[
                (
                    slot,
                    step_link(steps_url, block_id, service=service.pk, start=slot.start.isoformat())
                    + anchor,
                )
                for slot in day_slots
            ],
            back_url=step_link(steps_url, block_id, service=service.pk) + anchor,
        )
        if not day_slots:
            ctx["errors"].append(
                _("Plus aucun créneau libre ce jour-là. Choisissez un autre jour.")
            )
        return ctx
    ctx.update(
        step="day",
        has_free_days=any(
            cell and cell["info"].bookable
            for month in ctx["calendar_months"]
            for week in month["weeks"]
            for cell in week
        ),
        back_url=page.url,
    )
    return ctx
