"""Generic page types. Features live in blocks; the shared base page routes their POSTs."""

from __future__ import annotations

from django.http import Http404
from django.urls import Resolver404, resolve
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, re_path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from pharmacies.tenancy import pharmacy_for_request, pharmacy_for_site

from . import sites
from .blocks import body_blocks
from .public_forms import PAGE_ROUTE_PREFIXES, PAGE_ROUTES
from .sites import SiteUrlsMixin

PUBLIC_CACHE_SECONDS = 300


class BasePage(SiteUrlsMixin, RoutablePageMixin, Page):
    """Every public page: a body of blocks, the pharmacy of its site, and the feature routes.

    A page whose body holds a form block is never publicly cached; the others are.
    """

    body = StreamField(body_blocks(), blank=True, verbose_name=_("contenu"))

    search_fields = Page.search_fields + [index.SearchField("body")]
    content_panels = Page.content_panels + [FieldPanel("body")]

    class Meta:
        abstract = True

    @cached_property
    def pharmacy(self):
        return pharmacy_for_site(self.get_site())

    @property
    def has_form_blocks(self) -> bool:
        return any(getattr(block.block, "is_public_form", False) for block in self.body)

    def find_block(self, block_id: str, block_type: str):
        """The form block a POST targets, by its stable StreamField id, or 404."""
        for block in self.body:
            if block.id == block_id and block.block_type == block_type:
                return block
        raise Http404("No such form block on this page")

    def pharmacy_for_request(self, request):
        """`pharmacy`, taken from the request when the page's site is the request's own.

        The request's pharmacy is loaded once per request (with what the header and footer
        show); `pharmacy` alone would look the page's Site and its Pharmacy up a second time.
        When the page belongs to another site (an agency preview from the admin's host, a page
        reached through a site nested above its own) the page's own pharmacy is the answer.
        """
        if "pharmacy" not in self.__dict__:
            found = pharmacy_for_request(request)
            if found is not None and sites.site_id(self, request) == found.site_id:
                self.__dict__["pharmacy"] = found
        return self.pharmacy

    def get_context(self, request, *args, **kwargs):
        self.pharmacy_for_request(request)
        context = super().get_context(request, *args, **kwargs)
        context.setdefault("bound_forms", {})
        return context

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        if request.method != "GET" or self.has_form_blocks or request.user.is_authenticated:
            add_never_cache_headers(response)
        elif getattr(response, "status_code", 200) == 200:
            patch_cache_control(response, public=True, max_age=PUBLIC_CACHE_SECONDS)
        return response

    def route(self, request, path_components):
        # A child page whose slug is also a feature prefix (e.g. the "ordonnance" upload page)
        # wins over this page's feature route of the same name, unless it has no such sub-path:
        # then the route is this page's own (e.g. a home page holding the upload block).
        if (
            path_components
            and path_components[0] in PAGE_ROUTES
            and self.get_children().filter(slug=path_components[0]).exists()
        ):
            try:
                return Page.route(self, request, path_components)
            except Http404:
                if len(path_components) == 1:
                    raise
        return super().route(request, path_components)

    def _delegate(self, request, prefix, rest):
        try:
            match = resolve("/" + rest, urlconf=PAGE_ROUTES[prefix])
        except Resolver404 as exc:
            raise Http404 from exc
        response = match.func(request, self, *match.args, **match.kwargs)
        add_never_cache_headers(response)
        return response

    @re_path(rf"^(?P<prefix>{PAGE_ROUTE_PREFIXES})/(?P<rest>.*)$", name="feature")
    def feature_route(self, request, prefix, rest):
        return self._delegate(request, prefix, rest)


class HomePage(BasePage):
    """Root of a site: the pharmacy's (or the agency's) front page."""

    intro = RichTextField(_("accroche"), blank=True, features=["bold", "italic", "link"])

    content_panels = BasePage.content_panels[:1] + [FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["wagtailcore.Page"]
    template = "pages/home_page.html"

    class Meta:
        verbose_name = _("page d'accueil")


class ContentPage(BasePage):
    """Any other page of a site: services, upload page, booking page, practical information."""

    template = "pages/content_page.html"
    parent_page_types = ["cms.HomePage", "cms.ContentPage"]

    class Meta:
        verbose_name = _("page de contenu")


class LegalNoticePage(SiteUrlsMixin, Page):
    """Mentions légales and privacy notice, rendered from the Pharmacy record (one source of truth)."""

    extra_text = RichTextField(_("texte complémentaire"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("extra_text")]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    max_count_per_parent = 1
    template = "pages/legal_notice_page.html"

    class Meta:
        verbose_name = _("mentions légales")

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        patch_cache_control(response, public=True, max_age=PUBLIC_CACHE_SECONDS)
        return response
