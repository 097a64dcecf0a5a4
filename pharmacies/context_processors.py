"""Puts the pharmacy of the requested site in every template (header, footer, legal mentions)."""

from wagtail.models import Site

from .models import Pharmacy


def pharmacy(request):
    if request.path.startswith("/admin/"):
        return {}
    site = Site.find_for_request(request)
    if site is None:
        return {"current_pharmacy": None, "current_site": None}
    found = (
        Pharmacy.objects.filter(site=site)
        .prefetch_related("pharmacists", "opening_hours", "closures")
        .first()
    )
    return {"current_pharmacy": found, "current_site": site}
