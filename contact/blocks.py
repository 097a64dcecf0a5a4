"""The contact form as a block a pharmacist can drop on any page (provisioned on "Contact")."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from cms.blocks import PublicFormBlock
from cms.forms_guard import TOKEN_HOLE, token_for_block
from cms.fragments import FOR_CACHE, CachedFragmentMixin
from cms.public_forms import page_route_url

from .forms import ContactForm


class ContactFormBlock(CachedFragmentMixin, PublicFormBlock):
    title = blocks.CharBlock(label=_("titre"), default=_("Nous écrire"))
    intro = blocks.TextBlock(label=_("introduction"), required=False)

    fragment_holes = {TOKEN_HOLE: token_for_block}

    def fragment_cacheable(self, value, context) -> bool:
        """Not when shown again with a visitor's input, nor as the thank-you after sending."""
        block_id = context.get("block_id")
        return block_id not in (context.get("bound_forms") or {}) and not context.get(
            "contact_sent"
        )

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        page = context.get("page")
        block_id = context.get("block_id")
        context["form"] = None
        if page is None or block_id is None or getattr(page, "pharmacy", None) is None:
            return context
        form = (context.get("bound_forms") or {}).get(block_id)
        if form is None:
            form = ContactForm(page_id=page.id, for_cache=bool(context.get(FOR_CACHE)))
        context["form"] = form
        context["sent"] = context.get("contact_sent") == block_id
        context["action_url"] = page_route_url(
            page, context.get("request"), "message", "submit", block_id=block_id
        )
        return context

    class Meta:
        icon = "mail"
        label = _("Formulaire de contact")
        template = "blocks/contact_form.html"
