"""Agency news written once and shown on every pharmacy site, plus each pharmacy's own posts.

The agency writes `BlogPostPage`s under its `BlogIndexPage`. Every pharmacy site has one
`NewsIndexPage` ("Actualités") that lists its own posts and the agency's, merged by date, and opens
an agency post under the pharmacy's own address (`<pharmacy>/actualites/<slug>/`) with a canonical
link to the agency original. What a site "shows" is decided in one place: `visible_posts()`.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.db.models.functions import Substr
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import Tag, TaggedItemBase
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path, re_path
from wagtail.fields import StreamField
from wagtail.images import get_image_model
from wagtail.models import Page
from wagtail.search import index

from cms import caching
from cms.blocks import CallToActionBlock, HeadingBlock, ImageWithCaptionBlock
from cms.sites import SiteUrlsMixin
from pharmacies.models import Pharmacy

from .feeds import PostsAtomFeed, PostsRssFeed

POSTS_PER_PAGE = 10
SEARCH_LIMIT = 30
LISTING_IMAGE_SPEC = "fill-480x270"
PUBLIC_CACHE_SECONDS = 300


def post_body_blocks():
    """The generic content blocks of a post: no form blocks, a news article collects nothing."""
    return [
        ("heading", HeadingBlock()),
        ("paragraph", blocks.RichTextBlock(label=_("Texte"), template="blocks/paragraph.html")),
        ("image", ImageWithCaptionBlock()),
        ("call_to_action", CallToActionBlock()),
    ]


def agency_posts_q() -> Q:
    """Posts written by the agency: children of a live agency blog index.

    A correlated subquery on the (unique, indexed) tree path of the parent, so a listing costs the
    same number of queries whether or not it includes agency posts.
    """
    parent_path = Substr(OuterRef("path"), 1, (OuterRef("depth") - 1) * Page.steplen)
    return Q(Exists(BlogIndexPage.objects.live().filter(path=parent_path)))


def news_index_for_site(site):
    """The page listing posts on a site: a pharmacy's NewsIndexPage or the agency's BlogIndexPage."""
    if site is None:
        return None
    root = site.root_page
    for model in (NewsIndexPage, BlogIndexPage):
        found = model.objects.live().descendant_of(root).order_by("path").first()
        if found is not None:
            return found
    return None


class PublicCacheMixin:
    """Anonymous GETs of news pages are the same for everyone: let shared caches keep them.

    They show the agency's posts, so the page cache refreshes them when the agency publishes.
    """

    def serve(self, request, *args, **kwargs):
        caching.depends_on(request, caching.AGENCY)
        response = super().serve(request, *args, **kwargs)
        if (
            request.method == "GET"
            and not request.user.is_authenticated
            and getattr(response, "status_code", 200) == 200
        ):
            patch_cache_control(response, public=True, max_age=PUBLIC_CACHE_SECONDS)
        return response


class BlogPostTag(TaggedItemBase):
    content_object = ParentalKey(
        "blog.BlogPostPage", related_name="tagged_items", on_delete=models.CASCADE
    )


class BlogPostPage(SiteUrlsMixin, PublicCacheMixin, Page):
    """One news article, by the agency (under its blog index) or by a pharmacy (under its news index)."""

    author = models.CharField(_("auteur"), max_length=120, blank=True)
    date = models.DateField(_("date de l'article"))
    tags = ClusterTaggableManager(through=BlogPostTag, blank=True, verbose_name=_("étiquettes"))
    header_image = models.ForeignKey(
        get_image_model(),
        verbose_name=_("image d'en-tête"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    header_image_alt = models.CharField(
        _("texte alternatif de l'image"),
        max_length=250,
        blank=True,
        help_text=_("Décrit l'image pour les personnes qui ne la voient pas. Vide si décorative."),
    )
    header_caption = models.CharField(_("légende de l'image"), max_length=250, blank=True)
    intro = models.TextField(_("chapeau"), blank=True)
    body = StreamField(post_body_blocks(), blank=True, verbose_name=_("contenu"))
    import_key = models.CharField(
        _("clé d'import"),
        max_length=255,
        blank=True,
        db_index=True,
        editable=False,
        help_text="Identity of the Markdown source, so re-importing updates the same post.",
    )

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("author"), FieldPanel("date"), FieldPanel("tags")], heading=_("Article")
        ),
        MultiFieldPanel(
            [
                FieldPanel("header_image"),
                FieldPanel("header_image_alt"),
                FieldPanel("header_caption"),
            ],
            heading=_("Image d'en-tête"),
        ),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("intro"),
        index.SearchField("body"),
        index.SearchField("author"),
        index.RelatedFields("tags", [index.SearchField("name")]),
        index.FilterField("date"),
    ]
    parent_page_types = ["blog.BlogIndexPage", "blog.NewsIndexPage"]
    subpage_types: list[str] = []
    template = "blog/blog_post_page.html"

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        listing = self.get_parent().specific
        context.setdefault("news_index", listing)
        context.setdefault("news_index_url", listing.get_url(request))
        context.setdefault("canonical_url", self.get_full_url(request))
        return context


class PostListingMixin(PublicCacheMixin, RoutablePageMixin):
    """What a listing page shares: paginated posts, tag filter, RSS/Atom feed and search routes.

    Subclasses say which posts the site shows with `visible_posts()`; everything else follows.
    """

    def visible_posts(self):
        raise NotImplementedError

    def post_url(self, post, request=None) -> str:
        """Address of a post as this site shows it: always `<index url><slug>/`."""
        return self.get_url(request).rstrip("/") + "/" + post.slug + "/"

    def with_urls(self, posts, request=None):
        base = self.get_url(request).rstrip("/") + "/"
        posts = list(posts)
        for post in posts:
            post.display_url = base + post.slug + "/"
        return posts

    def listing_queryset(self):
        images = get_image_model().objects.prefetch_renditions(LISTING_IMAGE_SPEC)
        return (
            self.visible_posts()
            .defer_streamfields()
            .prefetch_related(Prefetch("header_image", queryset=images), "tags")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        posts = self.listing_queryset()
        tag = None
        tag_slug = request.GET.get("tag", "").strip()
        if tag_slug:
            tag = Tag.objects.filter(slug=tag_slug).first()
            posts = posts.filter(tags__slug=tag_slug) if tag else posts.none()
        page_obj = Paginator(posts, POSTS_PER_PAGE).get_page(request.GET.get("page"))
        context.update(
            posts=self.with_urls(page_obj.object_list, request),
            page_obj=page_obj,
            current_tag=tag,
            tag_slug=tag_slug,
            all_tags=Tag.objects.filter(
                blog_blogposttag_items__content_object__in=self.visible_posts().values("pk")
            )
            .distinct()
            .order_by("name"),
            news_index=self,
            news_index_url=self.get_url(request),
            canonical_url=self.get_full_url(request),
        )
        return context

    @path("flux/", name="rss")
    def rss_feed(self, request):
        return PostsRssFeed(self)(request)

    @path("flux/atom/", name="atom")
    def atom_feed(self, request):
        return PostsAtomFeed(self)(request)

    @path("recherche/", name="search")
    def search_view(self, request):
        query = request.GET.get("q", "").strip()[:200]
        results = []
        if query:
            visible_ids = list(self.visible_posts().values_list("pk", flat=True))
            found = (
                BlogPostPage.objects.live()
                .filter(pk__in=visible_ids)
                .search(query, operator="and")[:SEARCH_LIMIT]
            )
            results = self.with_urls(found, request)
        return TemplateResponse(
            request,
            "blog/search_results.html",
            {
                "page": self,
                "self": self,
                "news_index": self,
                "news_index_url": self.get_url(request),
                "query": query,
                "results": results,
            },
        )


class BlogIndexPage(SiteUrlsMixin, PostListingMixin, Page):
    """The agency's news: every post written here is syndicated to the pharmacy sites."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["blog.BlogPostPage"]
    template = "blog/blog_index_page.html"

    class Meta:
        verbose_name = _("blog de l'agence")

    @classmethod
    def can_create_at(cls, parent):
        """Only on the agency's site: a pharmacy's news lives in its NewsIndexPage."""
        if not super().can_create_at(parent):
            return False
        return not Pharmacy.objects.filter(site__root_page=parent).exists()

    def visible_posts(self):
        return (
            BlogPostPage.objects.live()
            .public()
            .child_of(self)
            .order_by("-date", "-first_published_at", "-pk")
        )


class NewsIndexPage(SiteUrlsMixin, PostListingMixin, Page):
    """A pharmacy's "Actualités": its own posts and the agency's, unless it hides them."""

    intro = models.TextField(_("introduction"), blank=True)
    hide_agency_posts = models.BooleanField(
        _("masquer les articles de l'agence"),
        default=False,
        help_text=_("Cochez pour ne montrer que les articles de la pharmacie."),
    )
    hidden_agency_tags = models.CharField(
        _("étiquettes d'articles de l'agence à masquer"),
        max_length=500,
        blank=True,
        help_text=_("Séparées par des virgules, par exemple : vaccination, dermatologie"),
    )

    content_panels = Page.content_panels + [FieldPanel("intro")]
    settings_panels = Page.settings_panels + [
        MultiFieldPanel(
            [FieldPanel("hide_agency_posts"), FieldPanel("hidden_agency_tags")],
            heading=_("Articles de l'agence"),
        )
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["blog.BlogPostPage"]
    max_count_per_parent = 1
    template = "blog/news_index_page.html"

    class Meta:
        verbose_name = _("page des actualités")

    @property
    def hidden_tag_names(self) -> list[str]:
        return [name.strip() for name in self.hidden_agency_tags.split(",") if name.strip()]

    def own_posts_q(self) -> Q:
        return Q(path__startswith=self.path, depth=self.depth + 1)

    def visible_posts(self):
        condition = self.own_posts_q()
        if not self.hide_agency_posts:
            agency = agency_posts_q()
            hidden = self.hidden_tag_names
            if hidden:
                slugs = [Tag().slugify(name) for name in hidden]
                hidden_posts = BlogPostPage.objects.filter(
                    agency, Q(tags__slug__in=slugs) | Q(tags__name__in=hidden)
                )
                agency &= ~Q(pk__in=hidden_posts.values("pk"))
            condition |= agency
        return (
            BlogPostPage.objects.live()
            .public()
            .filter(condition)
            .order_by("-date", "-first_published_at", "-pk")
        )

    def route(self, request, path_components):
        """A pharmacy's own post wins over an agency post of the same slug."""
        if path_components and self.get_children().filter(slug=path_components[0]).exists():
            return Page.route(self, request, path_components)
        return super().route(request, path_components)

    @re_path(r"^(?!flux/|recherche/)(?P<slug>[-\w]+)/$", name="agency_post")
    def agency_post(self, request, slug):
        """An agency post, in this pharmacy's look and address, pointing search engines home."""
        post = self.visible_posts().exclude(self.own_posts_q()).filter(slug=slug).first()
        if post is None:
            raise Http404("No such agency post on this site")
        context = post.get_context(request)
        context.update(news_index=self, news_index_url=self.get_url(request), syndicated=True)
        return TemplateResponse(request, post.get_template(request), context)

    def get_sitemap_urls(self, request=None):
        """Own posts are child pages (already listed); the syndicated agency posts are added here."""
        urls = super().get_sitemap_urls(request)
        if self.hide_agency_posts:
            return urls
        base = self.get_full_url(request).rstrip("/") + "/"
        for slug, published in (
            self.visible_posts()
            .exclude(self.own_posts_q())
            .values_list("slug", "last_published_at")
        ):
            urls.append({"location": base + slug + "/", "lastmod": published})
        return urls
