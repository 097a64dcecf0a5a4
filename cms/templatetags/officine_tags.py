"""Template helpers for the public site: menu of the current site, opening status."""

from django import template
from wagtail.models import Site

register = template.Library()


@register.simple_tag(takes_context=True)
def site_menu(context):
    request = context.get("request")
    site = context.get("current_site") or (Site.find_for_request(request) if request else None)
    if site is None:
        return []
    root = site.root_page
    return [
        root,
        *root.get_children().live().in_menu().only("id", "title", "url_path", "path", "depth"),
    ]


@register.simple_tag(takes_context=True)
def legal_page(context):
    from cms.models import LegalNoticePage

    site = context.get("current_site")
    if site is None:
        return None
    return LegalNoticePage.objects.live().descendant_of(site.root_page).first()


@register.simple_tag(takes_context=True)
def news_search_url(context):
    """Where the header's search box sends: this site's news search (only what the site shows)."""
    from cms.blog.models import news_index_for_site

    index = news_index_for_site(context.get("current_site"))
    if index is None:
        return ""
    return index.get_url(context.get("request")) + "recherche/"
