"""Form rendering helpers for the booking templates: accessible widgets and French time labels."""

from django import template
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def rdv_widget(field, **attrs):
    """The field's widget with aria-describedby pointing at its help text and errors."""
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}-help")
    if field.errors:
        described.append(f"{field.auto_id}-error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.field.required:
        attrs.setdefault("required", True)
    return field.as_widget(attrs=attrs)


@register.filter
def hhmm(value):
    """9h15 / 14h, as French patients read times; 09:15 / 14:00 in other languages."""
    if value is None:
        return ""
    if getattr(value, "tzinfo", None) is not None:
        value = timezone.localtime(value)
    if not (get_language() or "fr").startswith("fr"):
        return f"{value.hour:02d}:{value.minute:02d}"
    return f"{value.hour}h{value.minute:02d}" if value.minute else f"{value.hour}h"


@register.simple_tag
def rdv_weekdays():
    """(short, full) weekday names, Monday first, for the calendar's column headers."""
    return [
        (_("lun."), _("lundi")),
        (_("mar."), _("mardi")),
        (_("mer."), _("mercredi")),
        (_("jeu."), _("jeudi")),
        (_("ven."), _("vendredi")),
        (_("sam."), _("samedi")),
        (_("dim."), _("dimanche")),
    ]
