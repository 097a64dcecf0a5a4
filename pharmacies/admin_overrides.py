"""Wagtail admin views scoped to the user's pharmacies where Wagtail offers no hook.

Wagtail's page chooser and explorer have hooks (`construct_page_chooser_queryset`...), its images
and documents a permission policy (`media_scoping`). The views below have neither: their filters
offer every user, site and tag of the platform, the tag autocomplete suggests every tag, the
"chosen" step of the multiple page chooser returns any page's title, the page types report counts
and names every site's pages, and bulk-action confirmation pages list whatever ids they are given.
Each is replaced here by a subclass of Wagtail's own view that asks `admin_scoping`, and served at
Wagtail's own address: `urlpatterns` is included by `config/urls.py` in front of Wagtail's admin
URLs (`tests/security/test_admin_overrides.py` checks that every address still is Wagtail's and
is served by the replacement). Bulk actions and the page listings go through Wagtail's registries
(`register_bulk_action`, a page viewset) instead, from `wagtail_hooks`.
"""

from __future__ import annotations

import functools

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, JsonResponse
from django.shortcuts import get_list_or_404
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.defaults import page_not_found
from taggit.models import Tag, TagBase
from wagtail import hooks
from wagtail.admin.auth import require_admin_access
from wagtail.admin.filters import PopularTagsFilter
from wagtail.admin.views import chooser
from wagtail.admin.views.bulk_action import BulkAction
from wagtail.admin.views.pages.bulk_actions import (
    DeleteBulkAction as DeletePagesBulkAction,
)
from wagtail.admin.views.pages.bulk_actions import (
    MoveBulkAction as MovePagesBulkAction,
)
from wagtail.admin.views.pages.bulk_actions import (
    PublishBulkAction as PublishPagesBulkAction,
)
from wagtail.admin.views.pages.bulk_actions import (
    UnpublishBulkAction as UnpublishPagesBulkAction,
)
from wagtail.admin.views.pages.listing import GenericPageFilterSet
from wagtail.admin.views.reports import page_types_usage
from wagtail.admin.views.reports.audit_logging import LogEntriesView
from wagtail.admin.views.reports.locked_pages import LockedPagesView
from wagtail.admin.views.reports.workflows import WorkflowTasksView, WorkflowView
from wagtail.admin.viewsets.pages import PageViewSet
from wagtail.documents.views import documents
from wagtail.documents.views.bulk_actions import (
    AddTagsBulkAction as AddTagsToDocumentsBulkAction,
)
from wagtail.documents.views.bulk_actions import (
    AddToCollectionBulkAction as AddDocumentsToCollectionBulkAction,
)
from wagtail.documents.views.bulk_actions import (
    DeleteBulkAction as DeleteDocumentsBulkAction,
)
from wagtail.images import get_image_model
from wagtail.images.views import images
from wagtail.images.views.bulk_actions import (
    AddTagsBulkAction as AddTagsToImagesBulkAction,
)
from wagtail.images.views.bulk_actions import (
    AddToCollectionBulkAction as AddImagesToCollectionBulkAction,
)
from wagtail.images.views.bulk_actions import (
    DeleteBulkAction as DeleteImagesBulkAction,
)
from wagtail.images.views.chooser import ImageChooserViewSet, ImageChooseView
from wagtail.models import Collection, Page, Site
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction as DeleteSnippetsBulkAction
from wagtail.users.views.bulk_actions import (
    AssignRoleBulkAction,
    SetActiveStateBulkAction,
)
from wagtail.users.views.bulk_actions import (
    DeleteBulkAction as DeleteUsersBulkAction,
)
from wagtail.utils.urlpatterns import decorate_urlpatterns

from . import admin_scoping

# --- Filters ----------------------------------------------------------------------------------


def _scoped_choices(user, original):
    def queryset(request):
        found = original(request) if callable(original) else original
        if admin_scoping.ownership_of(found.model) is None:
            return found
        return admin_scoping.listable(user, found)

    return queryset


def scope_filters(filterset, user) -> None:
    """Restrict every filter's choices (users, sites, collections, tags) to what the user may list."""
    for name, flt in list(filterset.filters.items()):
        if getattr(flt, "queryset", None) is not None:
            flt.queryset = _scoped_choices(user, flt.queryset)
        elif flt.extra.get("queryset") is not None:
            flt.extra["queryset"] = _scoped_choices(user, flt.extra["queryset"])(None)
        elif isinstance(flt, PopularTagsFilter):
            tags = admin_scoping.popular_tags(user, filterset._meta.model)
            flt.extra["choices"] = [(tag.name, tag.name) for tag in tags]
            if not flt.extra["choices"]:
                del filterset.filters[name]
        elif isinstance(flt, page_types_usage.SiteFilter):
            sites = admin_scoping.listable(user, Site.objects.select_related("root_page"))
            flt.extra["choices"] = [(site.root_page.path, str(site)) for site in sites]
            if len(flt.extra["choices"]) < 2:
                del filterset.filters[name]


def scoped_filterset(base):
    """A subclass of a Wagtail filterset whose choices are scoped to the request's user."""

    def __init__(self, *args, request=None, **kwargs):
        base.__init__(self, *args, request=request, **kwargs)
        scope_filters(self, request.user)

    return type(f"Scoped{base.__name__}", (base,), {"__init__": __init__})


def _with_scoped_filters(view_class):
    return type(
        f"Scoped{view_class.__name__}",
        (view_class,),
        {"filterset_class": scoped_filterset(view_class.filterset_class)},
    )


# --- Page listings (explorer, type usage), through Wagtail's page viewset registry ------------


class ScopedPageViewSet(PageViewSet):
    """The viewset of every page type: its listings' owner, editor and site filters scoped.

    Wagtail hands the viewset's filterset to the explorer and to the page type usage listing.
    """

    model = Page
    filterset_class = scoped_filterset(GenericPageFilterSet)


# --- Bulk actions ------------------------------------------------------------------------------


class ScopedBulkActionMixin:
    """Bulk actions see only listable objects; ids that are not ids, or hidden parents, are a 404."""

    def get_queryset(self, model, object_ids):
        if isinstance(object_ids, list):
            object_ids = [
                pk for pk in object_ids if not isinstance(pk, str) or self._is_pk(model, pk)
            ]
        objects = model._default_manager.filter(pk__in=object_ids)
        return get_list_or_404(admin_scoping.listable(self.request.user, objects))

    def get_all_objects_in_listing_query(self, parent_id):
        if parent_id is not None:
            parent_model = Page if issubclass(self.model, Page) else Collection
            if (
                not self._is_pk(parent_model, parent_id)
                or not parent_model.objects.filter(pk=parent_id).exists()
                or admin_scoping.is_hidden(self.request.user, parent_model, parent_id)
            ):
                raise Http404("No such parent for this user")
        return super().get_all_objects_in_listing_query(parent_id)

    @staticmethod
    def _is_pk(model, value) -> bool:
        try:
            model._meta.pk.to_python(value)
        except (ValidationError, TypeError, ValueError):
            return False
        return True


WAGTAIL_BULK_ACTIONS = [
    DeletePagesBulkAction,
    MovePagesBulkAction,
    PublishPagesBulkAction,
    UnpublishPagesBulkAction,
    AddTagsToImagesBulkAction,
    AddImagesToCollectionBulkAction,
    DeleteImagesBulkAction,
    AddTagsToDocumentsBulkAction,
    AddDocumentsToCollectionBulkAction,
    DeleteDocumentsBulkAction,
    AssignRoleBulkAction,
    DeleteUsersBulkAction,
    SetActiveStateBulkAction,
    DeleteSnippetsBulkAction,
]


def scoped_bulk_actions() -> list[type[BulkAction]]:
    return [
        type(f"Scoped{action.__name__}", (ScopedBulkActionMixin, action), {})
        for action in WAGTAIL_BULK_ACTIONS
    ]


# --- Tag autocomplete, the multiple page chooser ---------------------------------------------


def tag_autocomplete(request, app_name=None, model_name=None):
    """Wagtail's tag autocomplete, suggesting only tags used on objects the user may list."""
    tag_model = Tag
    if app_name and model_name:
        try:
            content_type = ContentType.objects.get_by_natural_key(app_name, model_name)
        except ContentType.DoesNotExist as exc:
            raise Http404 from exc
        tag_model = content_type.model_class()
        if tag_model is None or not issubclass(tag_model, TagBase):
            raise Http404
    term = request.GET.get("term", None)
    if not term:
        return JsonResponse([], safe=False)
    tags = admin_scoping.listable_tags(
        request.user, tag_model.objects.filter(name__istartswith=term)
    )
    names = tags.order_by("name").values_list("name", flat=True)[:10]
    return JsonResponse(list(names), safe=False)


class ChosenMultiplePagesView(chooser.ChosenMultipleView):
    """The chosen pages, among those the page chooser offers this user (its hooks applied)."""

    def get(self, request):
        pages = Page.objects.filter(pk__in=[pk for pk in request.GET.getlist("id") if pk.isdigit()])
        for hook in hooks.get_hooks("construct_page_chooser_queryset"):
            pages = hook(pages, request)
        result = [
            {
                "id": page.pk,
                "parentId": page.get_parent().pk,
                "adminTitle": page.get_admin_display_title(),
                "editUrl": reverse("wagtailadmin_pages:edit", args=(page.pk,)),
                "url": page.url,
            }
            for page in pages.specific()
        ]
        return self.render_chosen_response(result)


# --- Reports ------------------------------------------------------------------------------------


class PageTypesUsageReportView(page_types_usage.PageTypesUsageReportView):
    """Page types counted, and their last edited page named, among the user's own pages only."""

    filterset_class = scoped_filterset(page_types_usage.PageTypesUsageReportFilterSet)

    def get_queryset(self):
        self.queryset = ContentType.objects.filter(model__in=self.page_models)
        queryset = self.filter_queryset(self.queryset)
        cleaned = self.filters.form.cleaned_data if self.filters.is_valid() else {}
        pages = admin_scoping.listable(self.request.user, Page.objects.filter(depth__gt=1))
        if cleaned.get("site"):
            pages = pages.filter(path__startswith=cleaned["site"])
        if cleaned.get("page_locale"):
            pages = pages.filter(locale__language_code=cleaned["page_locale"])
        of_type = pages.filter(content_type=OuterRef("pk"))
        count = of_type.order_by().values("content_type").annotate(n=Count("pk")).values("n")
        latest = of_type.order_by(
            F("latest_revision_created_at").desc(nulls_last=True), "title", "-pk"
        ).values("pk")[:1]
        return queryset.annotate(
            count=Coalesce(Subquery(count), 0), last_edited_page_id=Subquery(latest)
        ).order_by("-count", "app_label", "model")


ScopedLockedPagesView = _with_scoped_filters(LockedPagesView)
ScopedWorkflowView = _with_scoped_filters(WorkflowView)
ScopedWorkflowTasksView = _with_scoped_filters(WorkflowTasksView)
ScopedLogEntriesView = _with_scoped_filters(LogEntriesView)


# --- Images and documents: listings' tag filter, the image chooser's popular tags ---------------

ScopedImagesIndexView = _with_scoped_filters(images.IndexView)
ScopedDocumentsIndexView = _with_scoped_filters(documents.IndexView)


class ScopedImageChooseView(ImageChooseView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["popular_tags"] = admin_scoping.popular_tags(self.request.user, get_image_model())
        return context


class ScopedImageChooserViewSet(ImageChooserViewSet):
    choose_view_class = ScopedImageChooseView


image_chooser = ScopedImageChooserViewSet(
    "wagtailimages_chooser", model=get_image_model(), url_prefix="images/chooser"
)

# (address under /admin/, Wagtail's URL name, our view), in front of Wagtail's own patterns.
OVERRIDES = [
    ("tag-autocomplete/", "wagtailadmin_tag_autocomplete", tag_autocomplete),
    (
        "tag-autocomplete/<slug:app_name>/<slug:model_name>/",
        "wagtailadmin_tag_model_autocomplete",
        tag_autocomplete,
    ),
    (
        "choose-page/chosen-multiple/",
        "wagtailadmin_choose_page_chosen_multiple",
        ChosenMultiplePagesView.as_view(),
    ),
    ("reports/locked/", "wagtailadmin_reports:locked_pages", ScopedLockedPagesView.as_view()),
    (
        "reports/locked/results/",
        "wagtailadmin_reports:locked_pages_results",
        ScopedLockedPagesView.as_view(results_only=True),
    ),
    ("reports/workflow/", "wagtailadmin_reports:workflow", ScopedWorkflowView.as_view()),
    (
        "reports/workflow/results/",
        "wagtailadmin_reports:workflow_results",
        ScopedWorkflowView.as_view(results_only=True),
    ),
    (
        "reports/workflow_tasks/",
        "wagtailadmin_reports:workflow_tasks",
        ScopedWorkflowTasksView.as_view(),
    ),
    (
        "reports/workflow_tasks/results/",
        "wagtailadmin_reports:workflow_tasks_results",
        ScopedWorkflowTasksView.as_view(results_only=True),
    ),
    (
        "reports/site-history/",
        "wagtailadmin_reports:site_history",
        ScopedLogEntriesView.as_view(),
    ),
    (
        "reports/site-history/results/",
        "wagtailadmin_reports:site_history_results",
        ScopedLogEntriesView.as_view(results_only=True),
    ),
    (
        "reports/page-types-usage/",
        "wagtailadmin_reports:page_types_usage",
        PageTypesUsageReportView.as_view(),
    ),
    (
        "reports/page-types-usage/results/",
        "wagtailadmin_reports:page_types_usage_results",
        PageTypesUsageReportView.as_view(results_only=True),
    ),
    ("images/", "wagtailimages:index", ScopedImagesIndexView.as_view()),
    (
        "images/results/",
        "wagtailimages:index_results",
        ScopedImagesIndexView.as_view(results_only=True),
    ),
    ("documents/", "wagtaildocs:index", ScopedDocumentsIndexView.as_view()),
    (
        "documents/results/",
        "wagtaildocs:index_results",
        ScopedDocumentsIndexView.as_view(results_only=True),
    ),
    ("images/chooser/", "wagtailimages_chooser:choose", image_chooser.choose_view),
]


def _admin_404(view_func):
    """Like Wagtail's admin URLs: its 404 page, never cached, for admin users only."""

    @functools.wraps(view_func)
    def wrapper(request, *args, **kwargs):
        try:
            return view_func(request, *args, **kwargs)
        except Http404 as exc:
            return page_not_found(request, exc, template_name="wagtailadmin/404.html")

    return wrapper


def override_name(wagtail_name: str) -> str:
    return wagtail_name.replace(":", "-")


app_name = "admin_overrides"
urlpatterns = [path(route, view, name=override_name(name)) for route, name, view in OVERRIDES]
urlpatterns = decorate_urlpatterns(urlpatterns, require_admin_access)
urlpatterns = decorate_urlpatterns(urlpatterns, _admin_404)
urlpatterns = decorate_urlpatterns(urlpatterns, never_cache)
