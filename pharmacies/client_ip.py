"""The client's address behind a known number of proxies, for audit rows, rate limits and lockouts.

A client can put anything in X-Forwarded-For; only the addresses appended by our own proxies can be
trusted. With N trusted proxies (nginx appends the peer address), the client is the N-th address
from the right; with none, it is REMOTE_ADDR. A spoofed header therefore never resets a count.
"""

from django.conf import settings


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
