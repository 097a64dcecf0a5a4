"""Cached HTML of the costly blocks (the two forms, latest news), per site, with per-visitor holes.

A pharmacy home page carries the prescription form, the booking form and the latest news; rendering
them is most of the page's cost (docs/performance.md, figure 1), yet for a visitor who has not posted
anything it is the same HTML for everybody on that site, except a few values that must be new on
every request: the signed anti-bot token, the booking's idempotency nonce. Those pages can never be
served whole from the page cache (each visitor needs their own token), so the blocks are cached one by
one instead.

The key holds the site's page-cache version tokens (`cms.caching`: replaced on publish, unpublish,
moves, any change of the pharmacy, its hours or its services), the language, the page, the block's id
and a hash of the block's own value (so a preview or a new revision never reads an old entry). Values
that change per visitor are rendered as a placeholder ("hole") and filled on every request. A form
shown again with its errors, a booking step in progress or an admin preview is never cached.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from . import caching

logger = logging.getLogger("officine.caching")

FOR_CACHE = "_officine_fragment_for_cache"
_PREFIX = "fragment"


def enabled() -> bool:
    return getattr(settings, "OFFICINE_FRAGMENT_CACHE", True)


def hole(name: str) -> str:
    """What a block renders in place of a per-visitor value when its HTML is going to be cached."""
    return f"officine-hole-{name}-9f3c"


def _request_versions(request) -> tuple[str, str, str]:
    """(host, site token, global token), read once per request whatever the number of blocks."""
    versions = getattr(request, "_officine_fragment_versions", None)
    if versions is None:
        host = caching.normalise_host(request.get_host())
        versions = (host, *caching._versions(caching._cache(), host))
        request._officine_fragment_versions = versions
    return versions


def _key(block, value, context) -> str:
    request = context["request"]
    page = context.get("page")
    raw = json.dumps(
        [
            *_request_versions(request),
            get_language() or settings.LANGUAGE_CODE,
            type(block).__name__,
            getattr(page, "pk", None),
            context.get("block_id") or "",
            block.get_prep_value(value),
        ],
        cls=DjangoJSONEncoder,
        sort_keys=True,
    )
    return f"{_PREFIX}:{hashlib.sha256(raw.encode()).hexdigest()}"


class CachedFragmentMixin:
    """For a StructBlock whose rendering, until the visitor posts, is the same for a whole site.

    `fragment_holes` maps a hole name to a function (value, context) -> the fresh text; the block's
    `get_context` renders `hole(name)` instead of the real value when `context[FOR_CACHE]` is set.
    `fragment_cacheable(value, context)` says when the block shows visitor-specific state.
    """

    fragment_holes: dict[str, Callable] = {}

    def fragment_cacheable(self, value, context) -> bool:
        return True

    def render(self, value, context=None):
        request = (context or {}).get("request")
        if (
            not enabled()
            or request is None
            or request.method != "GET"
            or getattr(request, "is_preview", False)
            or not self.fragment_cacheable(value, context)
        ):
            return super().render(value, context)
        cache = caching._cache()
        try:
            key = _key(self, value, context)
            html = cache.get(key)
        except caching.CacheUnavailable:
            return super().render(value, context)
        except Exception:  # noqa: BLE001 - a cache outage degrades to rendering, never to an error
            logger.exception("Fragment cache unavailable; rendering %s", type(self).__name__)
            return super().render(value, context)
        if html is None:
            html = str(super().render(value, {**context, FOR_CACHE: True}))
            try:
                cache.set(key, html, caching._max_seconds())
            except Exception:  # noqa: BLE001
                logger.exception("Could not store a %s fragment", type(self).__name__)
        for name, fill in self.fragment_holes.items():
            html = html.replace(hole(name), escape(fill(value, context)))
        return mark_safe(html)  # noqa: S308 - our own template output, holes escaped above
