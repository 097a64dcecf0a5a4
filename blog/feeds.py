"""RSS and Atom feeds of one site's news: exactly the posts that site shows, at its own addresses."""

from datetime import datetime, time

from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

FEED_LENGTH = 20


class PostsRssFeed(Feed):
    """Built per request around the listing page (pharmacy news index or agency blog)."""

    def __init__(self, listing):
        self.listing = listing

    def get_object(self, request, *args, **kwargs):
        self.request = request
        return self.listing

    def title(self, listing):
        site = listing.get_site()
        return _("Actualités · %(site)s") % {"site": site.site_name if site else listing.title}

    def link(self, listing):
        return listing.get_full_url(self.request)

    def description(self, listing):
        return listing.intro or listing.title

    def items(self, listing):
        return listing.visible_posts().defer_streamfields().prefetch_related("tags")[:FEED_LENGTH]

    def item_title(self, post):
        return post.title

    def item_description(self, post):
        return post.intro

    def item_link(self, post):
        return self.request.build_absolute_uri(self.listing.post_url(post, self.request))

    def item_guid(self, post):
        return post.get_full_url(self.request)

    item_guid_is_permalink = True

    def item_pubdate(self, post):
        return post.first_published_at or timezone.make_aware(datetime.combine(post.date, time(8)))

    def item_updateddate(self, post):
        return post.last_published_at or self.item_pubdate(post)

    def item_author_name(self, post):
        return post.author or None

    def item_categories(self, post):
        return [tag.name for tag in post.tags.all()]


class PostsAtomFeed(PostsRssFeed):
    feed_type = Atom1Feed

    def subtitle(self, listing):
        return self.description(listing)
