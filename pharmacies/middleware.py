"""Another pharmacy's pages are a 404 in the admin, like its prescriptions and bookings.

Wagtail's page views (edit, delete, copy, move, history, revisions, preview, explorer, add child)
check page permissions and answer a permission redirect, which tells staff that the page exists.
For a page inside another pharmacy's tree, this answers 404 first. Pages outside every pharmacy's
tree (the agency's blog, the root), and users who work for no pharmacy (agency editors), keep
Wagtail's own permission handling.
"""

from __future__ import annotations

from django.http import Http404
from wagtail.models import Page

from . import tenancy
from .models import Pharmacy

PAGE_KWARGS = ("page_id", "parent_page_id", "page_to_move_id", "destination_id")


def pharmacy_of_page(page_path: str, steplen: int = Page.steplen) -> Pharmacy | None:
    """The pharmacy whose site root is this page or one of its ancestors."""
    prefixes = [page_path[:end] for end in range(steplen, len(page_path) + 1, steplen)]
    return Pharmacy.objects.filter(site__root_page__path__in=prefixes).only("pk").first()


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


class ForeignPharmacyPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        page_ids = [view_kwargs[k] for k in PAGE_KWARGS if k in view_kwargs]
        module = getattr(view_func, "__module__", "") or ""
        if not page_ids or not module.startswith(("wagtail.admin", "wagtail.contrib")):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_superuser:
            return None
        if not tenancy.pharmacy_ids_for_user(user):
            # Agency editors belong to no pharmacy: Wagtail's own permission answer stands.
            return None
        for path in Page.objects.filter(pk__in=page_ids).values_list("path", flat=True):
            owner = pharmacy_of_page(path)
            if owner is not None and not tenancy.user_can_act_for(user, owner):
                raise Http404("Page of another pharmacy")
        return None
