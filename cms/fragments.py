"""Cached HTML of the costly blocks (the two forms, latest news), per site, with per-visitor holes.

A pharmacy home page carries the prescription form, the booking form and the latest news; rendering
them is most of the page's cost (docs/performance.md, figure 1), yet for a visitor who has not posted
anything it is the same HTML for everybody on that site, except a few values that must be new on
every request: the signed anti-bot token, the booking's idempotency nonce. Those pages can never be
served whole from the page cache (each visitor needs their own token), so the blocks are cached one by
one instead.

The key holds the host, the language, the page, the block's id and a hash of the block's own value
(so a preview or a new revision never reads an old entry). The entry remembers the page-cache
version tokens it was rendered under (`cms.caching`: the site's, replaced on publish, unpublish,
moves, any change of the pharmacy, its hours or its services; the global one; and the tags the block
declares in `fragment_tags`, e.g. the agency news for the latest-news block). When one of them was
replaced the entry is stale: one request renders it again under a short lock while the others are
given the stale HTML, so an agency publish refreshes each site's news block once and leaves its
forms alone. When only the agency's tag went stale (or the entry is old), the first visitor is given the stale HTML too
and the block is rendered again once the response is sent (`caching.after_response`). Values that change per visitor are rendered as a placeholder ("hole") and filled on
every request. A form shown again with its errors, a booking step in progress or an admin preview
is never cached.

`cached_fragment` is the mechanism itself, for any HTML a view renders the same way for every
visitor (a feature's listing); `CachedFragmentMixin` applies it to a block.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, override

from . import caching

logger = logging.getLogger("officine.caching")

FOR_CACHE = "_officine_fragment_for_cache"
_PREFIX = "fragment"


def enabled() -> bool:
    return getattr(settings, "OFFICINE_FRAGMENT_CACHE", True)


def hole(name: str) -> str:
    """What a block renders in place of a per-visitor value when its HTML is going to be cached."""
    return f"officine-hole-{name}-9f3c"


def _key(host: str, parts) -> str:
    raw = json.dumps(
        [host, get_language() or settings.LANGUAGE_CODE, *parts],
        cls=DjangoJSONEncoder,
        sort_keys=True,
    )
    return f"{_PREFIX}:{hashlib.sha256(raw.encode()).hexdigest()}"


def _fill(html: str, holes: dict[str, Callable[[], str]]) -> SafeString:
    """The cached HTML with each hole's fresh value: text is escaped, HTML marked safe is not."""
    for name, fill in holes.items():
        html = html.replace(hole(name), conditional_escape(fill()))
    return mark_safe(html)  # noqa: S308 - our own template output, holes escaped above


def _fill_rendered(render, holes) -> SafeString:
    return _fill(render(), holes)


def cached_fragment(
    request,
    key_parts,
    render: Callable[[], str],
    *,
    holes: dict[str, Callable[[], str]] | None = None,
    tags: tuple[str, ...] = (),
    fallback: Callable[[], str] | None = None,
) -> SafeString:
    """HTML that is the same for every visitor of a site, from the cache, with its holes filled.

    `key_parts` (JSON-serialisable) name the fragment within the request's host and language;
    `render()` renders it with `hole(name)` where each per-visitor value goes, and `holes` maps
    those names to functions giving the visitor's values. `tags` are the `cms.caching` tags whose
    content the fragment shows. The entry goes stale with the site's, the global and these tags'
    version tokens; anything else the HTML depends on must be part of `key_parts`. Without a
    cache, `fallback()` (by default the same rendering, holes filled) is the answer.
    """
    holes = holes or {}
    if fallback is None:
        fallback = partial(_fill_rendered, render, holes)
    caching.depends_on(request, *tags)
    cache = caching._cache()
    host = caching.normalise_host(request.get_host())
    try:
        versions = caching.request_versions(request)
        key = _key(host, key_parts)
        entry = cache.get(key)
        state = caching.entry_state(entry, versions)
        claimed = state == caching.STALE and caching.claim(cache, key)
    except caching.CacheUnavailable:
        return fallback()
    except Exception:  # noqa: BLE001 - a cache outage degrades to rendering, never to an error
        logger.exception("Fragment cache unavailable; rendering %s", key_parts[:1])
        return fallback()
    depends = (host, caching.GLOBAL, *tags)
    if state == caching.FRESH:
        html = entry[2]
    elif state == caching.STALE and not claimed:
        html = entry[2]
        caching.served_stale(request)
    elif state == caching.STALE and caching.may_refresh_later(request, entry, versions):
        html = entry[2]
        caching.served_stale(request)
        refresh = partial(_refresh, render, cache, key, versions, depends)
        caching.after_response(request, partial(refresh, get_language()))
    else:
        try:
            html = render()
            _store(cache, key, versions, depends, html)
        finally:
            if claimed:
                caching.release(cache, key)
    return _fill(html, holes)


def _refresh(render, cache, key, versions, depends, language) -> None:
    """Render the fragment again after the response that was given its stale HTML."""
    try:
        with override(language):
            _store(cache, key, versions, depends, render())
    finally:
        caching.release(cache, key)


def _store(cache, key, versions, depends, html) -> None:
    try:
        caching.store(cache, key, versions, depends, html, caching._max_seconds())
    except Exception:  # noqa: BLE001 - the next visitor renders it again
        logger.exception("Could not store the fragment %s", key)


class CachedFragmentMixin:
    """For a StructBlock whose rendering, until the visitor posts, is the same for a whole site.

    `fragment_holes` maps a hole name to a function (value, context) -> the fresh text; the block's
    `get_context` renders `hole(name)` instead of the real value when `context[FOR_CACHE]` is set.
    `fragment_cacheable(value, context)` says when the block shows visitor-specific state.
    `fragment_tags` names the `cms.caching` tags whose content the block shows (`AGENCY` news): the
    block, and any cached page around it, go stale when one of them is purged.
    """

    fragment_holes: dict[str, Callable] = {}
    fragment_tags: tuple[str, ...] = ()

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
        page = context.get("page")
        return cached_fragment(
            request,
            [
                type(self).__name__,
                getattr(page, "pk", None),
                context.get("block_id") or "",
                self.get_prep_value(value),
            ],
            partial(self._render_for_cache, value, context),
            holes={
                name: partial(fill, value, context) for name, fill in self.fragment_holes.items()
            },
            tags=self.fragment_tags,
            fallback=partial(super().render, value, context),
        )

    def _render_for_cache(self, value, context) -> str:
        return str(super().render(value, {**context, FOR_CACHE: True}))
