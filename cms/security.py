"""Protections of the public site: rate limits of public forms (counted per client address and per
pharmacy), and the headers of pages a patient reaches through a secret link."""

from functools import wraps

from django.conf import settings
from django.utils.cache import add_never_cache_headers
from django_ratelimit.core import is_ratelimited

from pharmacies.client_ip import client_ip


def public_post_rate_limited(request, pharmacy_id) -> bool:
    """Counts this POST against the per-IP and per-pharmacy limits; True when either is exceeded."""
    ip = client_ip(request)
    by_ip = is_ratelimited(
        request,
        group="officine:public-post:ip",
        key=lambda group, req: ip,
        rate=settings.OFFICINE_RATE_LIMIT_PER_IP,
        increment=True,
    )
    by_pharmacy = is_ratelimited(
        request,
        group="officine:public-post:pharmacy",
        key=lambda group, req: str(pharmacy_id),
        rate=settings.OFFICINE_RATE_LIMIT_PER_PHARMACY,
        increment=True,
    )
    return by_ip or by_pharmacy


def secret_link_page(view):
    """For pages whose address is the patient's secret (tracking, managing a booking).

    Nobody keeps them (no shared or browser cache), search engines do not index them, and the
    address never leaves in a Referer header to a site the page links to.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"
        return response

    return wrapper
