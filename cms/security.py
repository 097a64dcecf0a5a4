"""Client IP behind a known number of proxies, and the rate limits of public forms.

A client can put anything in X-Forwarded-For; only the addresses appended by our own proxies can be
trusted. With N trusted proxies (nginx appends the peer address), the client is the N-th address
from the right; with none, it is REMOTE_ADDR. A spoofed header therefore never resets a count.
"""

from django.conf import settings
from django_ratelimit.core import is_ratelimited


def client_ip(request) -> str:
    proxies = int(getattr(settings, "OFFICINE_TRUSTED_PROXY_COUNT", 0))
    remote = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"
    if proxies <= 0:
        return remote
    forwarded = [
        p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()
    ]
    chain = [*forwarded, remote]
    return chain[-(proxies + 1)] if len(chain) > proxies else chain[0]


def axes_client_ip(request) -> str:
    """django-axes hook: lockouts count the same client address as our rate limits."""
    return client_ip(request)


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
