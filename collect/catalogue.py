"""What a patient browses: one pharmacy's active offers, by category or by search.

Search is PostgreSQL's French full text on PostgreSQL (stemming: "crèmes" finds "crème"), through
a GIN index on the products' document, and a plain case-insensitive match elsewhere (SQLite, the
embedded demo), so it works everywhere. Both ignore accents, since patients on phones type
"creme" for "Crème": PostgreSQL through the `officine_french` configuration (`unaccent` before the
French stemmer, migration 0004), the plain match by folding both sides (`fold`). A typed code
(EAN/CIP, spaces allowed) finds its product directly on both.

With 20,000 offers the cost of a catalogue page is not its 24 cards but what is counted over all
of them: the number of results (pagination) and the categories holding an offer. Both are kept
in the cache under version tokens that any change of an offer, a product or a category replaces
(`bump`), so a page costs the same with 200 or 20,000 offers; the listing itself walks the
products' (name, id) index and stops after one page.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from collections.abc import Callable

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Func, Prefetch, Q, QuerySet, TextField
from django.utils.functional import cached_property

from .codes import normalise
from .models import Category, PharmacyProduct, Product

MAX_QUERY = 100
CACHE_SECONDS = 6 * 3600
SEARCH_INDEX = "collect_product_search"
SEARCH_CONFIG = "officine_french"
FOLD_FUNCTION = "officine_fold"
_VERSION = "collect:catalogue:v:{}"
AGENCY = "agency"


def search_document(config: str = SEARCH_CONFIG):
    """The weighted French document of a product; the GIN index is built on this very expression
    (migration 0004; 0002 built it on plain `french`), which is what lets PostgreSQL use it."""
    from django.contrib.postgres.search import SearchVector

    return (
        SearchVector("name", weight="A", config=config)
        + SearchVector("brand", weight="B", config=config)
        + SearchVector("description", weight="C", config=config)
    )


def fold(text: str) -> str:
    """`text` without accents nor case ("Crème" and "CREME" both give "creme"): what the plain
    match compares, since SQLite's LIKE folds neither accents nor non-ASCII case."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


class Folded(Func):
    """`fold` in SQL: a Python function registered on each SQLite connection (`register_fold`),
    `lower(unaccent(...))` on PostgreSQL (the extension migration 0004 installs)."""

    function = FOLD_FUNCTION
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="lower(unaccent(%(expressions)s))")


def register_fold(sender, connection, **kwargs):
    """Gives every new SQLite connection the `officine_fold` function (connection_created)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(FOLD_FUNCTION, 1, fold, deterministic=True)


def offers_for(pharmacy) -> QuerySet[PharmacyProduct]:
    """Active offers of the pharmacy with what a card shows, in a constant number of queries.

    Sorted by the product's (name, id), the order of the products' index: a page is read from
    the index and the offers probed by their unique (pharmacy, product) index, no sort of all."""
    return (
        PharmacyProduct.objects.filter(pharmacy=pharmacy, active=True)
        .select_related("product__category", "product__photo")
        .prefetch_related(Prefetch("product__photo__renditions"))
        .order_by("product__name", "product_id")
    )


def search(
    queryset: QuerySet[PharmacyProduct], query: str, *, full_text: bool | None = None
) -> QuerySet[PharmacyProduct]:
    """`full_text`: PostgreSQL's French full text, or the plain match of other databases; by
    default whichever this database has (the tests ask for the plain one on PostgreSQL too, since
    CI runs there and the demo on SQLite)."""
    query = " ".join((query or "").split())[:MAX_QUERY]
    if not query:
        return queryset
    code = normalise(query)
    if code.isdigit() and len(code) >= 8:
        return queryset.filter(product__code__startswith=code)
    if full_text is None:
        full_text = connection.vendor == "postgresql"
    if full_text:
        # django.contrib.postgres only on PostgreSQL: SQLite has no such functions.
        from django.contrib.postgres.search import SearchQuery, SearchRank

        wanted = SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
        matching = (
            Product.objects.annotate(document=search_document())
            .filter(document=wanted)
            .values("pk")
        )
        return (
            queryset.filter(product__in=matching)
            .annotate(rank=SearchRank(_offer_document(), wanted))
            .order_by("-rank", "product__name", "product_id")
        )
    folded = {
        f"folded_{field}": Folded(f"product__{field}") for field in ("name", "brand", "description")
    }
    condition = Q()
    for word in fold(query).split()[:8]:
        condition &= Q(*(Q(**{f"{name}__contains": word}) for name in folded), _connector=Q.OR)
    return queryset.alias(**folded).filter(condition)


def _offer_document():
    from django.contrib.postgres.search import SearchVector

    return (
        SearchVector("product__name", weight="A", config=SEARCH_CONFIG)
        + SearchVector("product__brand", weight="B", config=SEARCH_CONFIG)
        + SearchVector("product__description", weight="C", config=SEARCH_CONFIG)
    )


def in_category(queryset: QuerySet[PharmacyProduct], category: Category | None):
    """Offers of the category or of one of its children (one IN over the products' index)."""
    if category is None:
        return queryset
    shelves = Category.objects.filter(Q(pk=category.pk) | Q(parent=category)).values("pk")
    return queryset.filter(product__category__in=shelves)


# --- Counts kept in the cache -------------------------------------------------------------


def bump(pharmacy_id: int | None = None) -> None:
    """Forget the counts of one pharmacy's catalogue (its offers changed), or of every pharmacy
    (the agency's catalogue or categories changed: `pharmacy_id` None).

    Once now and once at commit: a request counting between the two would otherwise store the
    old count under the new token."""
    name = _VERSION.format(pharmacy_id or AGENCY)

    def replace():
        cache.set(name, secrets.token_hex(8), timeout=None)

    replace()
    transaction.on_commit(replace)


def versions(pharmacy_id: int) -> str | None:
    """The tokens a count is stored under, or None when the cache answers nothing (counted then
    on every request rather than stored under a key a purge could miss)."""
    names = [_VERSION.format(AGENCY), _VERSION.format(pharmacy_id)]
    found = cache.get_many(names)
    tokens = []
    for name in names:
        token = found.get(name)
        if token is None:
            cache.add(name, secrets.token_hex(8), timeout=None)
            token = cache.get(name)
        if token is None:
            return None
        tokens.append(token)
    return ":".join(tokens)


def cached(pharmacy, what: str, compute: Callable):
    tokens = versions(pharmacy.pk)
    if tokens is None:
        return compute()
    digest = hashlib.sha256(what.encode()).hexdigest()[:32]
    key = f"collect:catalogue:{pharmacy.pk}:{tokens}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
    return value


class CachedCountPaginator(Paginator):
    """A paginator whose total comes from the cache (`what` names the filter it counts)."""

    def __init__(self, object_list, per_page, *, pharmacy, what: str, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.pharmacy, self.what = pharmacy, what

    @cached_property
    def count(self) -> int:
        return cached(self.pharmacy, f"count:{self.what}", self.object_list.count)


def category_named(pharmacy, slug: str) -> Category | None:
    """The category a catalogue address names (`?categorie=<slug>`), kept with the counts."""
    return cached(pharmacy, f"category:{slug}", Category.objects.filter(slug=slug).first)


def categories_with_offers(pharmacy) -> list[Category]:
    """Top-level categories holding at least one active offer (directly or in a child)."""

    def compute():
        used = set(
            PharmacyProduct.objects.filter(pharmacy=pharmacy, active=True)
            .exclude(product__category__isnull=True)
            .order_by()
            .values_list("product__category_id", "product__category__parent_id")
            .distinct()
        )
        ids = {parent or own for own, parent in used}
        return list(Category.objects.filter(pk__in=ids, parent__isnull=True))

    return cached(pharmacy, "categories", compute)
