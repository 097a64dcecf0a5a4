"""Puts the pharmacy of the requested site in every template (header, footer, legal mentions)."""

from wagtail.models import Site

from .models import Pharmacy


def pharmacy_for_request(request) -> Pharmacy | None:
    """The requested site's pharmacy with what the header and footer show, loaded once a request."""
    if not hasattr(request, "_officine_pharmacy"):
        site = Site.find_for_request(request)
        request._officine_pharmacy = (
            Pharmacy.objects.filter(site=site)
            .select_related("site__root_page")
            .prefetch_related("pharmacists", "opening_hours", "closures")
            .first()
            if site is not None
            else None
        )
    return request._officine_pharmacy


def pharmacy(request):
    if request.path.startswith("/admin/"):
        return {}
    return {
        "current_pharmacy": pharmacy_for_request(request),
        "current_site": Site.find_for_request(request),
    }
