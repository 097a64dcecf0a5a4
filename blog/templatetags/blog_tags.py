"""Template helpers of the news: where the header's search box sends."""

from django import template

from blog.models import news_index_for_site

register = template.Library()


@register.simple_tag(takes_context=True)
def news_search_url(context):
    """This site's news search (only what the site shows); empty when the site has no news page."""
    index = news_index_for_site(context.get("current_site"))
    if index is None:
        return ""
    return index.get_url(context.get("request")) + "recherche/"
