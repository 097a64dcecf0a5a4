"""Public views: the catalogue of a page's block, product pages, the reservation and its tracking.

Patients get no cookie: the selection travels in the address ("p=<offer>:<quantity>", which the
pages carry from link to link) and a small script keeps it in the browser's localStorage so that
it survives closing the tab. The reservation POST goes through the platform's guarded pipeline.
"""

from __future__ import annotations

from functools import partial
from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.loader import get_template
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html_join
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from cms import fragments, public_forms
from cms.forms_guard import is_same_origin

from . import catalogue, services
from .forms import ReservationForm, parse_selection, selection_offers

_CARDS = SimpleLazyObject(lambda: get_template("collect/includes/cards.html"))
_QUERY_HOLE = "collect-selection-query"
_INPUTS_HOLE = "collect-selection-inputs"

BLOCK_TYPE = "collect_catalogue"
ROUTE_PREFIX = "boutique"
PER_PAGE = 24


def route_url(page, request, name: str, block_id: str, **kwargs) -> str:
    return public_forms.page_route_url(
        page, request, ROUTE_PREFIX, name, block_id=block_id, **kwargs
    )


def selection_pairs(selection: dict[int, int]) -> list[str]:
    return [f"{pk}:{quantity}" for pk, quantity in selection.items()]


def with_query(url: str, **params) -> str:
    """`url` with these parameters; lists repeat the name, empty values are left out."""
    pairs = []
    for name, value in params.items():
        values = value if isinstance(value, list | tuple) else [value]
        pairs.extend((name, v) for v in values if v not in ("", None))
    return f"{url}?{urlencode(pairs)}" if pairs else url


def selection_query(pairs: list[str]) -> str:
    """What a product link carries after its path: "?p=…&p=…", or nothing."""
    return with_query("", p=pairs)


def selection_inputs(pairs: list[str]) -> str:
    """The hidden fields an "add to my selection" form sends along with its own product."""
    return format_html_join("", '<input type="hidden" name="p" value="{}">', ((p,) for p in pairs))


def _common(request, page, block_id: str) -> dict:
    """What every catalogue screen needs: the block, its URLs and the current selection."""
    block = page.find_block(block_id, BLOCK_TYPE)
    pharmacy = page.pharmacy_for_request(request)
    if pharmacy is None:
        raise Http404("This site has no pharmacy")
    selection = parse_selection(request.GET.getlist("p"))
    pairs = selection_pairs(selection)
    catalogue_url = route_url(page, request, "catalogue", block_id)
    return {
        **page.get_context(request),
        "catalogue_block": block.value,
        "block_id": block_id,
        "pharmacy": pharmacy,
        "selection": selection,
        "selection_pairs": pairs,
        "selection_query": selection_query(pairs),
        "selection_inputs": selection_inputs(pairs),
        "selection_count": sum(selection.values()),
        "catalogue_url": catalogue_url,
        "catalogue_with_selection": with_query(catalogue_url, p=pairs),
        "reserve_url": route_url(page, request, "reserve", block_id),
        "reserve_with_selection": with_query(
            route_url(page, request, "reserve", block_id), p=pairs
        ),
        "product_base_url": route_url(page, request, "catalogue", block_id) + "produit/",
    }


def _render(request, template: str, context: dict, status: int = 200):
    response = TemplateResponse(request, template, context, status=status)
    add_never_cache_headers(response)  # the selection is in the address: nothing shared
    return response


def catalogue_view(request, page, block_id):
    """Categories, search and one page of products, with "add to my selection" on each."""
    context = _common(request, page, block_id)
    pharmacy = context["pharmacy"]
    # NUL is refused by PostgreSQL text fields: typed by no one, dropped rather than a 500.
    query = " ".join(request.GET.get("q", "").replace("\x00", "").split())[: catalogue.MAX_QUERY]
    slug = request.GET.get("categorie", "").replace("\x00", "")[:80]
    category = catalogue.category_named(pharmacy, slug) if slug else None
    offers = catalogue.in_category(
        catalogue.search(catalogue.offers_for(pharmacy), query), category
    )
    what = f"{category.pk if category else ''}|{query}"
    paginator = catalogue.CachedCountPaginator(offers, PER_PAGE, pharmacy=pharmacy, what=what)
    page_obj = paginator.get_page(request.GET.get("page"))
    base = context["catalogue_url"]
    context.update(
        {
            "query": query,
            "category": category,
            "categories": [
                (c, with_query(base, categorie=c.slug, p=context["selection_pairs"]))
                for c in catalogue.categories_with_offers(pharmacy)
            ],
            "page_obj": page_obj,
            "cards": _cards(request, page, context, page_obj, what),
            "previous_url": with_query(
                base,
                q=query,
                categorie=slug if category else "",
                p=context["selection_pairs"],
                page=page_obj.previous_page_number() if page_obj.has_previous() else "",
            )
            if page_obj.has_previous()
            else "",
            "next_url": with_query(
                base,
                q=query,
                categorie=slug if category else "",
                p=context["selection_pairs"],
                page=page_obj.next_page_number(),
            )
            if page_obj.has_next()
            else "",
        }
    )
    return _render(request, "collect/catalogue.html", context)


def _cards(request, page, context, page_obj, what: str):
    """One page of product cards, the same HTML for every visitor but for their selection.

    Kept as a fragment (`cms.fragments`) under the catalogue's version tokens (the agency's and
    the pharmacy's offers', `catalogue.versions`): any change of a price, an availability, an
    offer, a product or a category gives the next visit a new key, so nobody sees an old price.
    The selection carried by each card's link and form is a hole, filled on every request. On a
    hit the offers are not even read."""
    pairs = context["selection_pairs"]
    values = {
        "product_base_url": context["product_base_url"],
        "reserve_url": context["reserve_url"],
    }

    def render(query: str, inputs: str):
        return _CARDS.render(
            {
                **values,
                "offers": list(page_obj.object_list),
                "selection_query": query,
                "selection_inputs": inputs,
            }
        )

    versions = catalogue.versions(context["pharmacy"].pk)
    if versions is None or not fragments.enabled():
        return render(context["selection_query"], context["selection_inputs"])
    return fragments.cached_fragment(
        request,
        ["collect-cards", page.pk, context["block_id"], versions, what, page_obj.number],
        partial(render, fragments.hole(_QUERY_HOLE), fragments.hole(_INPUTS_HOLE)),
        holes={
            _QUERY_HOLE: partial(selection_query, pairs),
            _INPUTS_HOLE: partial(selection_inputs, pairs),
        },
    )


def product_view(request, page, block_id, offer_id):
    context = _common(request, page, block_id)
    offer = get_object_or_404(
        catalogue.offers_for(context["pharmacy"]).select_related("product__category__parent"),
        pk=offer_id,
    )
    context["offer"] = offer
    return _render(request, "collect/product.html", context)


class ReservationView(public_forms.PublicFormView):
    """Check the selection, the pickup day and the contact, store the reservation, confirm it."""

    block_type = BLOCK_TYPE
    form_class = ReservationForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "pharmacy": self.pharmacy}

    def process_form_submission(self, form):
        return services.create_reservation(
            pharmacy=self.pharmacy, fields=form.reservation_fields(), items=form.items
        )

    def get_landing_url(self, reservation):
        return confirmation_url(
            self.page, self.request, self.block_id, services.tracking_token(reservation)
        )

    def get_decoy_landing_url(self):
        decoy = services.TRACKING.decoy_token()
        return confirmation_url(self.page, self.request, self.block_id, decoy)

    def render_form(self, form, *, status: int = 200):
        values = form.data.getlist("selection") if hasattr(form.data, "getlist") else []
        return reserve_page(
            self.request, self.page, self.block_id, form, parse_selection(values), status=status
        )


def confirmation_url(page, request, block_id: str, token: str) -> str:
    return with_query(route_url(page, request, "confirmation", block_id), t=token)


def reserve_page(request, page, block_id, form, selection, *, status=200):
    """The selection (with remove links) and the reservation form."""
    context = _common(request, page, block_id)
    offers = selection_offers(context["pharmacy"], selection)
    pairs = selection_pairs(selection)
    reserve_url = context["reserve_url"]
    lines = [
        {
            "offer": offer,
            "quantity": selection[offer.pk],
            "subtotal": offer.price * selection[offer.pk],
            "remove_url": with_query(
                reserve_url, p=[p for p in pairs if not p.startswith(f"{offer.pk}:")]
            ),
        }
        for offer in offers
    ]
    form.annotate_for_rendering()
    context.update(
        {
            "form": form,
            "lines": lines,
            "total": sum((line["subtotal"] for line in lines), 0),
            "selection_pairs": pairs,
            "catalogue_with_selection": with_query(context["catalogue_url"], p=pairs),
            "missing_count": len(selection) - len(offers),
        }
    )
    return _render(request, "collect/reserve.html", context, status=status)


def reserve_view(request, page, block_id):
    """GET: the selection from the address and an empty form; POST: the guarded pipeline."""
    if request.method == "POST":
        return ReservationView.as_view()(request, page, block_id=block_id)
    page.find_block(block_id, BLOCK_TYPE)
    pharmacy = page.pharmacy_for_request(request)
    if pharmacy is None:
        raise Http404("This site has no pharmacy")
    form = ReservationForm(pharmacy=pharmacy, page_id=page.pk)
    return reserve_page(request, page, block_id, form, parse_selection(request.GET.getlist("p")))


def confirmation_view(request, page, block_id):
    """Shown once after reserving: the reference, how to pay and the private tracking link."""
    context = _common(request, page, block_id)
    token = request.GET.get("t", "")
    data = services.decode_tracking_token(token)
    reservation = None
    if data["id"]:
        reservation = services.TRACKING.record_for_request(request, token)
    context.update(
        {
            "reference": data["r"],
            "reservation": reservation,
            "tracking_url": services.TRACKING.url_on_page(page, token),
        }
    )
    response = _render(request, "collect/confirmation.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _invalid_link(request):
    return _render(request, "collect/link_invalid.html", {}, status=404)


def _reservation_for_request(request, token):
    return services.TRACKING.record_for_request(request, token)


def _track_response(request, reservation, token, *, error="", cancelled=False, status=200):
    lines = list(reservation.lines.all())
    response = _render(
        request,
        "collect/track.html",
        {
            "reservation": reservation,
            "lines": lines,
            "token": token,
            "cancelled": cancelled,
            "error": error,
        },
        status=status,
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def track(request, token):
    """The patient's view of their reservation: status, each product, cancel while possible."""
    try:
        reservation = _reservation_for_request(request, token)
    except Http404:
        return _invalid_link(request)
    return _track_response(request, reservation, token, cancelled=request.GET.get("annulee") == "1")


@csrf_exempt
@require_http_methods(["POST"])
def cancel(request, token):
    """The patient cancels before the products are set aside (the link is the secret)."""
    try:
        reservation = _reservation_for_request(request, token)
    except Http404:
        return _invalid_link(request)
    if not is_same_origin(request):
        return public_forms.refuse_cross_origin()
    try:
        services.cancel_by_patient(reservation)
    except services.TransitionError as exc:
        return _track_response(request, reservation, token, error=str(exc), status=409)
    return public_forms.HttpResponseSeeOther(request.path.rsplit("annuler/", 1)[0] + "?annulee=1")
