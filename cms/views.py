"""Site-level views that are not pages."""

from django.http import HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET


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
