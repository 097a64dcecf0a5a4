"""Template helpers for the public site: menu, legal notice, title, description, sharing and
structured data of the current site."""

import json
import logging

from django import template
from django.core.cache import cache
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from wagtail.images.models import SourceImageIOError
from wagtail.models import Site

from cms import structured_data
from cms.blocks import declared_services
from cms.caching import service_names_key
from cms.models import LegalNoticePage

logger = logging.getLogger(__name__)

register = template.Library()


@register.simple_tag(takes_context=True)
def site_menu(context):
    request = context.get("request")
    site = context.get("current_site") or (Site.find_for_request(request) if request else None)
    if site is None:
        return []
    # Specific instances (built from the generic rows, no extra query) so that their URLs come
    # from `cms.sites`, not from Wagtail's all-sites list. No `.only()`: building a specific
    # instance reads every generic field, one query per deferred one.
    root = site.root_page
    return [root.specific_deferred, *root.get_children().live().in_menu().specific(defer=True)]


@register.simple_tag(takes_context=True)
def legal_page(context):
    site = context.get("current_site")
    if site is None:
        return None
    return LegalNoticePage.objects.live().descendant_of(site.root_page).first()


def _is_home(page, site) -> bool:
    return page is not None and site is not None and page.pk == site.root_page_id


@register.simple_tag(takes_context=True)
def own_title(context) -> str:
    """The page's own part of the <title>: empty on the site's home (its title is the name)."""
    page = context.get("page")
    site = context.get("current_site")
    if page is None:
        return ""
    if getattr(page, "seo_title", ""):
        return page.seo_title
    if site is not None and page.pk == site.root_page_id:
        return ""
    return page.title


@register.filter
def with_site_name(own: str, site_name: str) -> str:
    """ "Page · Pharmacie", without repeating the name ("X · X") or a dangling " · "."""
    own = " ".join(str(own).split())
    site_name = str(site_name or "")
    if not own or own == site_name:
        return site_name or own or "Officine"
    if not site_name or own.endswith(site_name):
        return own
    return f"{own} · {site_name}"


def _service_names(pharmacy, request) -> list[str]:
    """Names of the bookable services, kept in the cache: every page's head shows them, and a page
    whose blocks come from the fragment cache must not query the services again for its head.
    A change of a service purges them with the site's pages (`cms.caching`)."""
    return cache.get_or_set(
        service_names_key(pharmacy.pk),
        lambda: [s["name"] for s in declared_services(pharmacy, request)],
        timeout=3600,
    )


@register.simple_tag(takes_context=True)
def meta_description(context) -> str:
    """The page's own description, else one made from the pharmacy's city and services."""
    page = context.get("page")
    if page is not None and getattr(page, "search_description", ""):
        return page.search_description
    pharmacy = context.get("current_pharmacy")
    if pharmacy is None:
        return ""
    names = _service_names(pharmacy, context.get("request"))[:4]
    text = _("%(name)s, pharmacie à %(city)s (%(postal_code)s) : envoi d'ordonnance en ligne") % {
        "name": pharmacy.name,
        "city": pharmacy.city,
        "postal_code": pharmacy.postal_code,
    }
    if names:
        text += ", " + ", ".join(n[:1].lower() + n[1:] for n in names)
    return text + _(", horaires, gardes et contact.")


@register.simple_tag(takes_context=True)
def share_image_url(context) -> str:
    """Absolute URL of the picture shown when a page is shared: the photo, else the logo.

    A picture whose file is missing (a node without the shared media, a restore without files)
    falls back to the icon: the page must still be served."""
    pharmacy = context.get("current_pharmacy")
    request = context.get("request")
    if pharmacy is None or request is None:
        return ""
    image = pharmacy.home_photo or pharmacy.logo
    if image is None:
        return request.build_absolute_uri("/icon-512.png")
    try:
        rendition = image.get_rendition(
            "fill-1200x630" if image == pharmacy.home_photo else "max-1200x1200"
        )
    except SourceImageIOError:
        logger.warning("Sharing image %s of pharmacy %s has no file", image.pk, pharmacy.pk)
        return request.build_absolute_uri("/icon-512.png")
    return request.build_absolute_uri(rendition.url)


@register.simple_tag(takes_context=True)
def pharmacy_json_ld(context):
    """schema.org Pharmacy of the site, as a JSON data block (not a script: no CSP nonce needed)."""
    pharmacy = context.get("current_pharmacy")
    request = context.get("request")
    if pharmacy is None or request is None:
        return ""
    data = structured_data.pharmacy(
        pharmacy,
        url=request.build_absolute_uri("/"),
        image=share_image_url(context),
        services=_service_names(pharmacy, request),
    )
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # "</script>" in a name must not close the block early.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308 - escaped above
