"""The request's site, resolved once; another pharmacy's object in an admin URL is a 404.

`CurrentSiteMiddleware` finds the Wagtail site from the per-hostname cache before any view asks.
`ForeignObjectsMiddleware`: another pharmacy's object named in an admin URL is answered exactly
like a nonexistent one.

Wagtail's views load objects by the id in the URL and check permissions after (or before) that:
another pharmacy's page, image, document, user, site, collection or revision gets a permission
redirect where a nonexistent id gets a 404, so staff could learn what exists; the editing-sessions
ping even records a session on the foreign object and says who is editing it. Before any of those
views runs, every object id in the resolved URL (`admin_scoping.objects_in_url`) is checked: when
the object is missing or belongs to other pharmacies only, the answer is the admin's 404 page, the
same for both. Objects of no pharmacy (the agency's) keep Wagtail's own permission handling, and
superusers are not concerned.
"""

from __future__ import annotations

import logging

from django.http import Http404
from django.views.defaults import page_not_found
from django_scopes import ScopeError

from . import admin_scoping, tenancy

logger = logging.getLogger("officine.tenancy")


class CurrentSiteMiddleware:
    """Resolves the request's Wagtail site from the per-hostname cache before any view asks for it.

    Wagtail's serve view, menus and blocks all call `Site.find_for_request`, which keeps what it
    finds on the request: finding it here first means no Site query at all, whatever the number of
    sites. Put it right after the page cache (a page-cache hit needs no site).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenancy.site_for_request(request)
        return self.get_response(request)


class TenantScopeMiddleware:
    """Runs the view inside the request's tenancy scope (`tenancy.scope_for_request`).

    After authentication: in the admin the scope is the user's pharmacies. A query on a
    pharmacy-owned model that no scope covers raises instead of returning every pharmacy's rows.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with tenancy.scope_for_request(request):
            return self.get_response(request)

    def process_exception(self, request, exception):
        """A pharmacy's link opened where no pharmacy is (the agency site, an unknown host) is a
        404: the scope had no pharmacy, so nothing of any pharmacy could be read."""
        if isinstance(exception, ScopeError) and not getattr(request, "pharmacy_id", None):
            logger.warning("Pharmacy data asked for outside any pharmacy: %s", request.path)
            return page_not_found(request, Http404("No pharmacy on this site"))
        return None


class ForeignObjectsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_superuser:
            return None
        match = getattr(request, "resolver_match", None)
        if match is None or not admin_scoping.url_names_hidden_object(user, match):
            return None
        return page_not_found(
            request, Http404("Not found for this user"), template_name="wagtailadmin/404.html"
        )
