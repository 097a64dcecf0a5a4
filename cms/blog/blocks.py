"""A "latest news" block for home pages, fed by the site's news index."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks


class LatestNewsBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("titre"), default=_("Actualités"))
    count = blocks.IntegerBlock(label=_("nombre d'articles"), default=3, min_value=1, max_value=12)

    class Meta:
        icon = "list-ul"
        label = _("Dernières actualités")
        template = "blocks/latest_news.html"
