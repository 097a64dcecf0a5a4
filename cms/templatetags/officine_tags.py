"""Template helpers for the public site: menu and legal notice of the current site."""

from django import template
from wagtail.models import Site

from cms.models import LegalNoticePage

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
