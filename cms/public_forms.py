"""The guarded public POST: one pipeline for every form a patient sends from a page.

Patients have no account and get no cookie, so a form block's POST goes to a route of its page
(`page_routes`) and is checked by `cms.forms_guard` instead of a CSRF cookie. Every feature used to
write that sequence itself, and the copies drifted apart (a rate-limited booking got a 200, a
rate-limited prescription a 429). `PublicFormView` is that sequence once, shaped like Wagtail's
`FormMixin.serve` (get the form, process the submission, render the landing page): a feature
subclasses it, names its block type and form class, writes `process_form_submission` (its records
and outbox rows in one transaction) and says where its landing is. The answers are the platform's,
the same for every form:

======================================  ==================================================
what arrives                            answer
======================================  ==================================================
GET on the form's address               302 to the page
a POST from another site                403
the rate limit reached                  429: the page, the form kept, the French message
honeypot filled, sent faster than human 303 to a landing that looks like success; nothing kept
missing or expired token                200: the page, the form kept, a message
invalid input, or refused by the        200: the page, the form kept, with its errors
feature (a slot taken meanwhile)
stored                                  303 See Other to the confirmation (POST/redirect/GET)
======================================  ==================================================

The routes themselves are declared by the apps (`page_routes`, see `pharmacies.extensions`); this
module also builds their URLs, and holds the patient's signed tracking link to what was stored
(`TrackingLink`) with the check that such a link is opened on the site of the pharmacy it belongs to.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.core import signing
from django.http import (
    Http404,
    HttpResponseForbidden,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from wagtail.models import Site

from pharmacies.extensions import declared_mappings

from .forms_guard import CROSS_ORIGIN_MESSAGE, check_request

# Sub-routes of every page, declared by the apps (`page_routes`): "<page url>ordonnance/...", ...
PAGE_ROUTES = declared_mappings("page_routes")
PAGE_ROUTE_PREFIXES = "|".join(re.escape(prefix) for prefix in PAGE_ROUTES) or "(?!)"


def feature_route(prefix: str, name: str, *args, **kwargs) -> str:
    """The part after the page's URL of a feature route, e.g. "rdv/creneaux/"."""
    return prefix + reverse(name, urlconf=PAGE_ROUTES[prefix], args=args, kwargs=kwargs)


def feature_url(page, prefix: str, name: str, *args, **kwargs) -> str:
    """URL of a feature route on a page without a request, e.g. feature_url(page, "rdv", "slots")."""
    return page.url.rstrip("/") + "/" + feature_route(prefix, name, *args, **kwargs)


def page_route_url(page, request, prefix: str, name: str, *args, **kwargs) -> str:
    """Like `feature_url`, but relative on the page's own site (keeps https behind a proxy and the
    visitor's host), absolute only when the page lives on another site than the request's."""
    return (
        page.get_url(request=request).rstrip("/")
        + "/"
        + feature_route(prefix, name, *args, **kwargs)
    )


class HttpResponseSeeOther(HttpResponseRedirect):
    """303: the browser follows with a GET, so reloading the landing never posts the form again."""

    status_code = 303


def render_page(request, page, extra: dict[str, Any] | None = None, *, status: int = 200):
    """The page as a visitor sees it, with `extra` in its context (a bound form, a booking step)."""
    context = page.get_context(request)
    context.update(extra or {})
    response = TemplateResponse(request, page.get_template(request), context, status=status)
    add_never_cache_headers(response)
    return response


def render_page_with_form(request, page, block_id: str, form, *, status: int = 200):
    """The page again, with this block's form bound: the patient's values and the errors."""
    return render_page(request, page, {"bound_forms": {block_id: form}}, status=status)


def refuse_cross_origin():
    """The answer to a form posted from another site (no CSRF cookie: the Origin is the check)."""
    return HttpResponseForbidden(
        str(CROSS_ORIGIN_MESSAGE), content_type="text/plain; charset=utf-8"
    )


def belongs_to_site(request, record) -> bool:
    """Whether a record a signed link names belongs to the pharmacy of the site it is opened on.

    The link is the patient's only key; on another pharmacy's site it must open nothing, as if it
    did not exist (the page that shows the record wears that site's name and legal mentions).
    """
    site = Site.find_for_request(request)
    return record is not None and site is not None and record.pharmacy.site_id == site.pk


class TrackingLink:
    """The private link a patient gets to follow what they sent (a prescription, a reservation).

    Nothing is stored: the token is the record's id and reference, signed with the feature's
    salt and valid for `max_age`; a list rather than a dict, since the link goes in SMS and every
    character counts. Id 0 names no record: the decoy landing a bot gets shows a made-up reference.
    Each feature declares one for its model (which has `reference`, `pharmacy` and `purged_at`)
    and its tracking route; a fix to the token or its lookup is then made once for all of them.
    """

    def __init__(self, model, *, salt: str, max_age: timedelta, route: str):
        self.model = model
        self.salt = salt
        self.max_age = max_age
        self.route = route

    def token(self, record) -> str:
        return signing.dumps([record.pk, record.reference], salt=self.salt)

    def decoy_token(self) -> str:
        return signing.dumps([0, self.model.new_reference()], salt=self.salt)

    def decode(self, token: str) -> dict:
        """The signed payload, or Http404 for a tampered, foreign or expired token."""
        try:
            data = signing.loads(token, salt=self.salt, max_age=self.max_age)
        except signing.BadSignature as exc:
            raise Http404("Bad tracking token") from exc
        if not (isinstance(data, list) and len(data) == 2 and isinstance(data[0], int)):
            raise Http404("Bad tracking token")
        return {"id": data[0], "r": str(data[1])}

    def record(self, token: str):
        """The record the token names, unless purged since; Http404 otherwise."""
        data = self.decode(token)
        try:
            return self.model.objects.select_related("pharmacy__site").get(
                pk=data["id"], reference=data["r"], purged_at__isnull=True
            )
        except (self.model.DoesNotExist, ValueError, TypeError) as exc:
            raise Http404(f"No such {self.model._meta.model_name}") from exc

    def record_for_request(self, request, token: str):
        """Like `record`, and Http404 as well on another pharmacy's site (`belongs_to_site`)."""
        record = self.record(token)
        if not belongs_to_site(request, record):
            raise Http404("Tracking link used on another pharmacy's site")
        return record

    def path(self, token: str) -> str:
        return reverse(self.route, args=[token])

    def url(self, record, token: str | None = None) -> str:
        """The absolute link, on the site of the record's pharmacy (for messages)."""
        return record.pharmacy.site.root_url + self.path(token or self.token(record))

    def url_on_page(self, page, token: str) -> str:
        """The absolute link, on the site of the page showing it (a confirmation)."""
        return page.get_site().root_url + self.path(token)


class InvalidSubmission(Exception):
    """Raised by `process_form_submission` after it put the reason on the form (a slot taken)."""


class PublicFormView:
    """One POST of a public form block, in overridable steps.

    A subclass sets `block_type` and `form_class`, and implements `process_form_submission`,
    `get_landing_url` and `get_decoy_landing_url`. `as_view()` gives the function a page route
    calls as view(request, page, **kwargs).
    """

    block_type: str = ""
    form_class: type | None = None

    def __init__(self, request, page):
        self.request = request
        self.page = page
        self.block_id = ""
        self.block = None
        self.pharmacy = None

    @classmethod
    def as_view(cls):
        def view(request, page, **kwargs):
            return cls(request, page).serve(**kwargs)

        view.__doc__ = cls.__doc__
        view.__module__ = cls.__module__
        view.__name__ = cls.__name__
        return view

    # --- Steps ----------------------------------------------------------------------------

    def get_block_id(self, **kwargs) -> str:
        """The posted block's stable StreamField id: from the route by default."""
        return kwargs.get("block_id", "")

    def find_block(self, **kwargs):
        self.block_id = self.get_block_id(**kwargs)
        self.block = self.page.find_block(self.block_id, self.block_type)
        self.pharmacy = self.page.pharmacy_for_request(self.request)
        if self.pharmacy is None:
            raise Http404("This site has no pharmacy")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"page_id": self.page.pk}

    def get_form(self):
        return self.form_class(self.request.POST, self.request.FILES, **self.get_form_kwargs())

    def process_form_submission(self, form):
        """Store what the patient sent (records and outbox in one transaction); return it."""
        raise NotImplementedError

    def get_landing_url(self, submission) -> str:
        """The confirmation of what `process_form_submission` stored."""
        raise NotImplementedError

    def get_decoy_landing_url(self) -> str:
        """A landing that looks like success, for a bot: it must not learn what gave it away."""
        raise NotImplementedError

    def render_form(self, form, *, status: int = 200):
        return render_page_with_form(self.request, self.page, self.block_id, form, status=status)

    def render_landing_page(self, submission):
        return HttpResponseSeeOther(self.get_landing_url(submission))

    # --- The pipeline ---------------------------------------------------------------------

    def serve(self, **kwargs):
        if self.request.method in ("GET", "HEAD"):
            return HttpResponseRedirect(self.page.get_url(request=self.request))
        if self.request.method != "POST":
            return HttpResponseNotAllowed(["GET", "POST"])
        self.find_block(**kwargs)
        guard = check_request(self.request, self.page.pk, self.pharmacy.pk)
        if guard.reason == "cross_origin":
            return refuse_cross_origin()
        if guard.silent_drop:
            return HttpResponseSeeOther(self.get_decoy_landing_url())
        form = self.get_form()
        if not guard.ok:
            form.is_valid()  # the patient's values come back, with the reason on top
            form.add_error(None, guard.message)
            return self.render_form(form, status=429 if guard.reason == "rate_limited" else 200)
        if not form.is_valid():
            return self.render_form(form)
        try:
            submission = self.process_form_submission(form)
        except InvalidSubmission:
            return self.render_form(form)
        return self.render_landing_page(submission)
