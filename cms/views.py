"""Site-level views that are not pages."""

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from pharmacies import branding, tenancy


@require_GET
@cache_control(public=True, max_age=3600)
def robots_txt(request):
    """Per site: points crawlers at this host's sitemap, keeps them out of admin and form routes."""
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /ordonnances/",
        "Disallow: /rdv/",
        "Disallow: /*/ordonnance/",
        "Disallow: /*/rdv/",
        f"Sitemap: {request.scheme}://{request.get_host()}/sitemap.xml",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def _site_pharmacy(request):
    pharmacy = tenancy.pharmacy_for_request(request)
    if pharmacy is None:
        raise Http404("This site has no pharmacy")
    return pharmacy


def _long_cache_if_versioned(request, response, version: str):
    """A URL carrying the current version never changes (a year); any other, briefly."""
    max_age = 365 * 24 * 3600 if request.GET.get("v") == version else 300
    patch_cache_control(response, public=True, max_age=max_age)
    return response


@require_GET
def theme_css(request):
    """The site's colours and fonts as CSS custom properties (see `pharmacies.branding`).

    A site without a pharmacy (the agency's) gets the platform's defaults: an empty theme.
    """
    pharmacy = tenancy.pharmacy_for_request(request)
    if pharmacy is None:
        response = HttpResponse("", content_type="text/css; charset=utf-8")
        patch_cache_control(response, public=True, max_age=3600)
        return response
    response = HttpResponse(branding.theme_css(pharmacy), content_type="text/css; charset=utf-8")
    return _long_cache_if_versioned(request, response, pharmacy.theme_version)


@require_GET
def site_icon(request, name):
    """favicon.ico and touch icons, drawn from the logo or the initials, kept per version."""
    if name not in branding.ICON_SIZES:
        raise Http404("No such icon")
    pharmacy = _site_pharmacy(request)
    version = pharmacy.theme_version
    key = f"site-icon:{pharmacy.pk}:{version}:{name}"
    cached = cache.get(key)
    if cached is None:
        cached = branding.icon_bytes(pharmacy, name)
        cache.set(key, cached, timeout=7 * 24 * 3600)
    body, content_type = cached
    return _long_cache_if_versioned(request, HttpResponse(body, content_type=content_type), version)
