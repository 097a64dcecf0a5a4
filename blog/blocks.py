"""A "latest news" block for home pages, fed by the site's news index."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.models import Site

from cms import caching
from cms.fragments import CachedFragmentMixin

from .models import news_index_for_site


class LatestNewsBlock(CachedFragmentMixin, blocks.StructBlock):
    fragment_tags = (caching.AGENCY,)  # shows the agency's posts: stale when the agency publishes
    title = blocks.CharBlock(label=_("titre"), default=_("Actualités"))
    count = blocks.IntegerBlock(label=_("nombre d'articles"), default=3, min_value=1, max_value=12)

    class Meta:
        icon = "list-ul"
        label = _("Dernières actualités")
        template = "blocks/latest_news.html"

    def get_context(self, value, parent_context=None):
        """The latest posts this site shows (own and agency, minus what the pharmacy hides)."""
        context = super().get_context(value, parent_context=parent_context)
        parent_context = parent_context or {}
        request = parent_context.get("request")
        site = parent_context.get("current_site")
        if site is None and request is not None:
            site = Site.find_for_request(request)
        listing = news_index_for_site(site)
        posts, listing_url = [], None
        if listing is not None:
            posts = listing.with_urls(listing.listing_queryset()[: value["count"]], request)
            listing_url = listing.get_url(request)
        context.update(news_index=listing, news_index_url=listing_url, posts=posts)
        return context
