"""What a patient browses: one pharmacy's active offers, by category or by search.

Search is PostgreSQL's French full text on PostgreSQL (stemming: "crèmes" finds "crème") and a
plain case-insensitive match elsewhere (SQLite, the embedded demo), so it works everywhere. A
typed code (EAN/CIP, spaces allowed) finds its product directly on both.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet

from .codes import normalise
from .models import Category, PharmacyProduct

MAX_QUERY = 100


def offers_for(pharmacy) -> QuerySet[PharmacyProduct]:
    """Active offers of the pharmacy with what a card shows, in a constant number of queries."""
    return (
        PharmacyProduct.objects.filter(pharmacy=pharmacy, active=True)
        .select_related("product__category", "product__photo")
        .prefetch_related(Prefetch("product__photo__renditions"))
        .order_by("product__name", "pk")
    )


def search(queryset: QuerySet[PharmacyProduct], query: str) -> QuerySet[PharmacyProduct]:
    query = " ".join((query or "").split())[:MAX_QUERY]
    if not query:
        return queryset
    code = normalise(query)
    if code.isdigit() and len(code) >= 8:
        return queryset.filter(product__code__startswith=code)
    if connection.vendor == "postgresql":
        # django.contrib.postgres only on PostgreSQL: SQLite has no such functions.
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = (
            SearchVector("product__name", weight="A", config="french")
            + SearchVector("product__brand", weight="B", config="french")
            + SearchVector("product__description", weight="C", config="french")
        )
        wanted = SearchQuery(query, config="french", search_type="websearch")
        return (
            queryset.annotate(rank=SearchRank(vector, wanted))
            .filter(rank__gt=0)
            .order_by("-rank", "product__name", "pk")
        )
    condition = Q()
    for word in query.split()[:8]:
        condition &= (
            Q(product__name__icontains=word)
            | Q(product__brand__icontains=word)
            | Q(product__description__icontains=word)
        )
    return queryset.filter(condition)


def in_category(queryset: QuerySet[PharmacyProduct], category: Category | None):
    if category is None:
        return queryset
    return queryset.filter(Q(product__category=category) | Q(product__category__parent=category))


def categories_with_offers(pharmacy) -> list[Category]:
    """Top-level categories holding at least one active offer (directly or in a child)."""
    used = set(
        PharmacyProduct.objects.filter(pharmacy=pharmacy, active=True)
        .exclude(product__category__isnull=True)
        .order_by()
        .values_list("product__category_id", "product__category__parent_id")
        .distinct()
    )
    ids = {parent or own for own, parent in used}
    return list(Category.objects.filter(pk__in=ids, parent__isnull=True))
