"""The prescription upload form as a block a pharmacist can drop on any page."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from cms.blocks import PublicFormBlock
from cms.forms_guard import TOKEN_HOLE, token_for_block
from cms.fragments import FOR_CACHE, CachedFragmentMixin
from cms.public_forms import page_route_url

from .forms import PrescriptionUploadForm


class PrescriptionUploadBlock(CachedFragmentMixin, PublicFormBlock):
    title = blocks.CharBlock(label=_("titre"), default=_("Envoyer mon ordonnance"))
    intro = blocks.RichTextBlock(label=_("introduction"), required=False)
    confirmation_text = blocks.RichTextBlock(
        label=_("texte de confirmation"),
        required=False,
        help_text=_("Affiché au patient après l'envoi, avec la référence."),
    )

    fragment_holes = {TOKEN_HOLE: token_for_block}

    def fragment_cacheable(self, value, context) -> bool:
        """Not once the POST handler shows this block's form again with the patient's input."""
        return context.get("block_id") not in (context.get("bound_forms") or {})

    def get_context(self, value, parent_context=None):
        """The unbound form, or the bound one the POST handler re-renders with its errors."""
        context = super().get_context(value, parent_context=parent_context)
        page = context.get("page")
        block_id = context.get("block_id")
        pharmacy = getattr(page, "pharmacy", None) if page is not None else None
        context["form"] = None
        if page is None or block_id is None or pharmacy is None:
            return context
        form = (context.get("bound_forms") or {}).get(block_id)
        if form is None:
            form = PrescriptionUploadForm(
                pharmacy=pharmacy, page_id=page.id, for_cache=bool(context.get(FOR_CACHE))
            )
        form.annotate_for_rendering()
        context["form"] = form
        context["action_url"] = page_route_url(
            page, context.get("request"), "ordonnance", "submit", block_id=block_id
        )
        return context

    class Meta:
        icon = "doc-full"
        label = _("Envoi d'ordonnance")
        template = "blocks/prescription_upload.html"
