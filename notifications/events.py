"""The messages the platform itself sends, in words, for the sending log (`notification_events`)."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "outbox_test": _("Message d'essai"),
}
