"""Which pharmacy owns each of Wagtail's own objects, and what a user may see of them in the admin.

`tenancy` decides which pharmacies a user acts for. Wagtail's models carry no pharmacy column, so
this module says how each one belongs to a pharmacy: a page through the site root above it, a
collection (and the images and documents in it) through the pharmacy's collection above it, a site
through its Pharmacy record, a user through the staff groups they are in, a revision or a workflow
state through the object it is about, and the models of our own admin viewsets through their path
to the Pharmacy (`register`). An object that no pharmacy owns is the agency's.

Every view, filter, chooser, API endpoint, autocomplete and bulk action of Wagtail's admin asks one
of two questions, answered here and nowhere else:

- `is_hidden(user, model, pk)`: the object belongs to other pharmacies only, or does not exist.
  Either way the admin answers as for a nonexistent id (404): staff must not learn that another
  pharmacy's object exists, nor who is editing it.
- `listable(user, queryset)`: what the user may see listed, counted, chosen or suggested: the
  objects of their own pharmacies; the agency's objects only for agency users (who work for no
  pharmacy), except the shared ones (agency collections, read by every pharmacy for the news).

Superusers (the agency's administrators) see everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Count, Exists, Model, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from taggit.models import GenericTaggedItemBase, ItemBase, Tag
from wagtail.contrib.forms.models import FormSubmission
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import (
    Collection,
    Page,
    Revision,
    Site,
    TaskState,
    UploadedFile,
    WorkflowState,
)

from . import tenancy
from .models import Pharmacy

#: Models of our own admin viewsets: {model: path to its Pharmacy}, filled by `register`.
SCOPED_MODELS: dict[type[Model], str] = {}


def register(model: type[Model], pharmacy_field: str) -> None:
    """A model administered through `PharmacyScopedViewSet`, owned through `pharmacy_field`."""
    SCOPED_MODELS[model] = pharmacy_field


@dataclass(frozen=True)
class TreeOwnership:
    """Owned by the pharmacy whose root node (site root page, collection) is at or above `path`.

    The roots all sit at a few depths, so each depth is one equality on an indexed, unique path
    (the prefix of the row's path of that length), never a scan of every pharmacy per row.
    """

    path: str
    root: str
    steplen: int

    def owned_by(self, pharmacies: QuerySet[Pharmacy]) -> Q:
        depths = (
            Pharmacy.objects.exclude(**{f"{self.root}__isnull": True})
            .order_by()
            .values_list(f"{self.root}__depth", flat=True)
            .distinct()
        )
        condition = Q(pk__in=[])
        for depth in depths:
            prefix = Substr(OuterRef(self.path), 1, depth * self.steplen)
            condition |= Q(
                Exists(
                    pharmacies.filter(
                        **{f"{self.root}__depth": depth, f"{self.root}__path": prefix}
                    )
                )
            )
        return condition


@dataclass(frozen=True)
class FieldOwnership:
    """Owned by the pharmacies reached by `lookup` (on Pharmacy) from the row's `outer` field."""

    lookup: str
    outer: str = "pk"

    def owned_by(self, pharmacies: QuerySet[Pharmacy]) -> Q:
        return Q(Exists(pharmacies.filter(**{self.lookup: OuterRef(self.outer)})))


@dataclass(frozen=True)
class AnyOwnership:
    """Owned through any of several relations (a redirect: its site or the page it points to)."""

    parts: tuple

    def owned_by(self, pharmacies: QuerySet[Pharmacy]) -> Q:
        condition = Q(pk__in=[])
        for part in self.parts:
            condition |= part.owned_by(pharmacies)
        return condition


def _page_tree(path: str = "path") -> TreeOwnership:
    return TreeOwnership(path, "site__root_page", Page.steplen)


def _collection_tree(path: str) -> TreeOwnership:
    return TreeOwnership(path, "collection", Collection.steplen)


@cache
def _wagtail_rules() -> dict[type[Model], object]:
    User = get_user_model()
    return {
        Page: _page_tree(),
        Collection: _collection_tree("path"),
        get_image_model(): _collection_tree("collection__path"),
        get_document_model(): _collection_tree("collection__path"),
        Site: FieldOwnership("site"),
        Group: FieldOwnership("staff_group"),
        User: FieldOwnership("staff_group__user"),
        UploadedFile: FieldOwnership("staff_group__user", "uploaded_by_user"),
        Redirect: AnyOwnership((FieldOwnership("site", "site"), _page_tree("redirect_page__path"))),
        FormSubmission: _page_tree("page__path"),
    }


def wagtail_models() -> list[type[Model]]:
    """Wagtail's own models that belong to a pharmacy through a relation (not a column)."""
    return list(_wagtail_rules())


#: Objects that are about another object (revisions, workflow states): owned like that object.
def _content_object_reference(obj) -> tuple[type[Model] | None, str]:
    if isinstance(obj, TaskState):
        obj = obj.workflow_state
    return obj.base_content_type.model_class(), obj.object_id


REFERENCE_MODELS = (Revision, WorkflowState, TaskState)

#: Agency objects every pharmacy may read: the agency's collections and the files in them (the
#: shared news shows them). Other agency objects are listed to agency users only.
SHARED_MODELS = (Collection, get_image_model, get_document_model)


def _shared(model: type[Model]) -> bool:
    shared = {item if isinstance(item, type) else item() for item in SHARED_MODELS}
    return any(issubclass(model, base) for base in shared)


def ownership_of(model: type[Model]):
    """The ownership rule of `model` (or of its nearest registered ancestor), or None."""
    for base in model.__mro__:
        if base in SCOPED_MODELS:
            field = SCOPED_MODELS[base]
            return FieldOwnership("pk", "pk" if field in ("pk", "") else field)
        rule = _wagtail_rules().get(base)
        if rule is not None:
            return rule
    return None


def _is_superuser(user) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def own_pharmacies(user) -> QuerySet[Pharmacy]:
    return Pharmacy.objects.filter(pk__in=tenancy.pharmacy_ids_for_user(user))


def listable(user, queryset: QuerySet) -> QuerySet:
    """What `user` may see listed, counted, chosen or suggested; fails closed for unknown models."""
    if _is_superuser(user):
        return queryset
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    model = queryset.model
    rule = ownership_of(model)
    if rule is None:
        return queryset.none()
    if not tenancy.pharmacy_ids_for_user(user):
        condition = ~rule.owned_by(Pharmacy.objects.all())
    else:
        condition = rule.owned_by(own_pharmacies(user))
        if _shared(model):
            condition |= ~rule.owned_by(Pharmacy.objects.all())
    # A primary-key subquery rather than the condition itself: search backends accept it.
    return queryset.filter(pk__in=model._default_manager.filter(condition).values("pk"))


def is_foreign(user, obj: Model) -> bool:
    """The object belongs to one or more pharmacies, none of them the user's."""
    return _hidden(user, type(obj), obj.pk, missing=False)


def is_hidden(user, model: type[Model], raw_pk) -> bool:
    """Answer as for a nonexistent id: the object is missing, or belongs to other pharmacies only."""
    return _hidden(user, model, raw_pk, missing=True)


def _hidden(user, model, raw_pk, *, missing: bool) -> bool:
    if _is_superuser(user):
        return False
    try:
        pk = model._meta.pk.to_python(raw_pk)
    except (ValidationError, TypeError, ValueError):
        return missing
    rows = model._default_manager.filter(pk=pk)
    if issubclass(model, REFERENCE_MODELS):
        obj = rows.first()
        if obj is None:
            return missing
        target, target_pk = _content_object_reference(obj)
        if target is None or ownership_of(target) is None:
            return False
        return _hidden(user, target, target_pk, missing=missing)
    rule = ownership_of(model)
    if rule is None:
        return missing and not rows.exists()
    if not rows.filter(rule.owned_by(Pharmacy.objects.all())).exists():
        return missing and not rows.exists()
    return not rows.filter(rule.owned_by(own_pharmacies(user))).exists()


# --- Object ids in admin URLs -----------------------------------------------------------------


@cache
def _kwarg_models() -> dict[str, type[Model]]:
    """URL keyword arguments that name an object, whatever the view."""
    return {
        "page_id": Page,
        "parent_page_id": Page,
        "page_to_move_id": Page,
        "destination_id": Page,
        "page_pk": Page,
        "image_id": get_image_model(),
        "document_id": get_document_model(),
        "doc_id": get_document_model(),
        "collection_id": Collection,
        "redirect_id": Redirect,
        "revision_id": Revision,
        "revision_id_a": Revision,
        "revision_id_b": Revision,
        "workflow_state_id": WorkflowState,
        "task_state_id": TaskState,
        "uploaded_file_id": UploadedFile,
    }


@cache
def _pk_models() -> dict[str, type[Model]]:
    """`pk` names an object of a model that depends on the URL namespace."""
    return {
        "wagtailadmin_pages": Page,
        "wagtailadmin_api:pages": Page,
        "wagtailadmin_api:images": get_image_model(),
        "wagtailadmin_api:documents": get_document_model(),
        "wagtailimages_chooser": get_image_model(),
        "wagtaildocs_chooser": get_document_model(),
        "wagtailadmin_collections": Collection,
        "wagtailsites": Site,
        "wagtailusers_users": get_user_model(),
        "wagtailusers_groups": Group,
    }


def objects_in_url(resolver_match) -> list[tuple[type[Model], object]]:
    """(model, raw id) of every object the resolved URL names in its path."""
    kwargs = resolver_match.kwargs
    found = []
    for name, value in kwargs.items():
        if name == "pk":
            model = _pk_models().get(resolver_match.namespace)
        elif name == "object_id" and "app_label" in kwargs and "model_name" in kwargs:
            try:
                model = apps.get_model(kwargs["app_label"], kwargs["model_name"])
            except (LookupError, ValueError):
                model = None
            value = unquote(str(value))
        else:
            model = _kwarg_models().get(name)
        if model is None:
            continue
        if name in ("revision_id_a", "revision_id_b") and not str(value).isdigit():
            continue  # "live", "earliest", "latest": the page's own revisions
        found.append((model, value))
    return found


def url_names_hidden_object(user, resolver_match) -> bool:
    return any(is_hidden(user, model, pk) for model, pk in objects_in_url(resolver_match))


# --- Tags ---------------------------------------------------------------------------------------


def _tagged_item_models(tag_model):
    found = []
    for model in apps.get_models():
        if not issubclass(model, ItemBase):
            continue
        try:
            tag_field = model._meta.get_field("tag")
        except FieldDoesNotExist:
            continue
        if tag_field.related_model is tag_model:
            found.append(model)
    return found


def listable_tags(user, tags: QuerySet) -> QuerySet:
    """Tags used on at least one object the user may list (tags of unknown models: none)."""
    if _is_superuser(user):
        return tags
    condition = Q(pk__in=[])
    for through in _tagged_item_models(tags.model):
        if issubclass(through, GenericTaggedItemBase):
            content_types = through.objects.values_list("content_type", flat=True).distinct()
            for content_type in ContentType.objects.filter(pk__in=content_types):
                model = content_type.model_class()
                if model is None or ownership_of(model) is None:
                    continue
                visible = listable(user, model._default_manager.all()).values("pk")
                condition |= Q(
                    Exists(
                        through.objects.filter(
                            tag=OuterRef("pk"), content_type=content_type, object_id__in=visible
                        )
                    )
                )
        else:
            target = through._meta.get_field("content_object").related_model
            if ownership_of(target) is None:
                continue
            visible = listable(user, target._default_manager.all()).values("pk")
            condition |= Q(
                Exists(through.objects.filter(tag=OuterRef("pk"), content_object__in=visible))
            )
    return tags.filter(condition)


def popular_tags(user, model: type[Model], count: int = 10) -> QuerySet:
    """Wagtail's "popular tags" of a model, counted over the objects the user may list only."""
    content_type = ContentType.objects.get_for_model(model)
    visible = listable(user, model._default_manager.all()).values("pk")
    return (
        Tag.objects.filter(
            taggit_taggeditem_items__content_type=content_type,
            taggit_taggeditem_items__object_id__in=visible,
        )
        .annotate(item_count=Count("taggit_taggeditem_items"))
        .order_by("-item_count", "name")[:count]
    )
