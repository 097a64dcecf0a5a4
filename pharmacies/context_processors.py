"""Puts the pharmacy of the requested site in every template (header, footer, legal mentions)."""

from wagtail.models import Site

from .tenancy import pharmacy_for_request


def pharmacy(request):
    if request.path.startswith("/admin/"):
        return {}
    return {
        "current_pharmacy": pharmacy_for_request(request),
        "current_site": Site.find_for_request(request),
    }
