"""Generic StreamField blocks every page can use; the feature apps declare theirs (`body_blocks`)."""

from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock

from pharmacies.extensions import declared_mappings


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("titre"), max_length=150)
    level = blocks.ChoiceBlock(
        label=_("niveau"), choices=[("h2", _("Titre")), ("h3", _("Sous-titre"))], default="h2"
    )

    class Meta:
        icon = "title"
        label = _("Titre")
        template = "blocks/heading.html"


class ImageWithCaptionBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("image"))
    alt = blocks.CharBlock(
        label=_("texte alternatif"),
        required=False,
        help_text=_("Décrit l'image pour les personnes qui ne la voient pas. Vide si décorative."),
    )
    caption = blocks.CharBlock(label=_("légende"), required=False)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "blocks/image.html"


class CallToActionBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("titre"), max_length=120)
    text = blocks.TextBlock(label=_("texte"), required=False)
    page = blocks.PageChooserBlock(label=_("page"), required=False)
    url = blocks.URLBlock(label=_("ou adresse"), required=False)
    button_label = blocks.CharBlock(label=_("libellé du bouton"), max_length=60)

    class Meta:
        icon = "link"
        label = _("Appel à l'action")
        template = "blocks/call_to_action.html"


class OpeningHoursBlock(blocks.StructBlock):
    """Shows the pharmacy's own hours, so there is one place to change them."""

    title = blocks.CharBlock(label=_("titre"), default=_("Horaires d'ouverture"))

    class Meta:
        icon = "time"
        label = _("Horaires d'ouverture")
        template = "blocks/opening_hours.html"


class ContactBlock(blocks.StructBlock):
    """Address with a map link (no embedded third-party map: no tracker), phone and email links."""

    title = blocks.CharBlock(label=_("titre"), default=_("Nous trouver"))
    show_map_link = blocks.BooleanBlock(label=_("lien vers la carte"), required=False, default=True)

    class Meta:
        icon = "site"
        label = _("Contact et plan")
        template = "blocks/contact.html"


def body_blocks():
    """The blocks of every page body: the generic ones, then those the apps declare (`body_blocks`)."""
    generic = [
        ("heading", HeadingBlock()),
        ("paragraph", blocks.RichTextBlock(label=_("Texte"), template="blocks/paragraph.html")),
        ("image", ImageWithCaptionBlock()),
        ("call_to_action", CallToActionBlock()),
        ("opening_hours", OpeningHoursBlock()),
        ("contact", ContactBlock()),
    ]
    declared = [
        (name, import_string(path)()) for name, path in declared_mappings("body_blocks").items()
    ]
    return generic + declared


class PublicFormBlock(blocks.StructBlock):
    """Marks a block holding a public form: its page is never cached whole (`BasePage.serve`)."""

    is_public_form = True
