"""The rate limits of public forms, counted per client address and per pharmacy."""

from django.conf import settings
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
