"""The product catalogue as a block a pharmacist can drop on any page.

It shows the categories, a search box and a few products of the site's pharmacy, and leads to the
catalogue's own routes under the page. It holds no form that posts (search is a GET), so the page
that holds it stays publicly cacheable; saving an offer purges it (`page_cache_models`).
"""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from cms.public_forms import page_route_url

from . import catalogue


class CatalogueBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("titre"), default=_("Réserver en ligne, retirer en pharmacie"))
    intro = blocks.RichTextBlock(label=_("introduction"), required=False)
    featured_count = blocks.IntegerBlock(
        label=_("produits affichés"),
        default=8,
        min_value=0,
        max_value=24,
        help_text=_("Nombre de produits montrés sur la page ; les autres dans le catalogue."),
    )

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        page = context.get("page")
        block_id = context.get("block_id")
        pharmacy = getattr(page, "pharmacy", None) if page is not None else None
        context["collect_ready"] = False
        if page is None or block_id is None or pharmacy is None:
            return context
        request = context.get("request")
        base = page_route_url(page, request, "boutique", "catalogue", block_id=block_id)
        context.update(
            {
                "collect_ready": True,
                "catalogue_url": base,
                "product_base_url": base + "produit/",
                "reserve_url": page_route_url(
                    page, request, "boutique", "reserve", block_id=block_id
                ),
                "categories": catalogue.categories_with_offers(pharmacy),
                "offers": list(catalogue.offers_for(pharmacy)[: value["featured_count"]]),
            }
        )
        return context

    class Meta:
        icon = "tag"
        label = _("Click & Collect : catalogue")
        template = "blocks/collect_catalogue.html"
