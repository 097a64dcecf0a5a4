"""The messages this app sends, in words, for the pharmacy's sending log (`notification_events`)."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "reservation_received": _("Réservation reçue (accusé au patient)"),
    "reservation_new": _("Nouvelle réservation (alerte à la pharmacie)"),
    "reservation_preparing": _("Réservation en préparation"),
    "reservation_ready": _("Réservation prête"),
    "reservation_collected": _("Réservation retirée"),
    "reservation_cancelled": _("Réservation annulée par la pharmacie"),
    "reservation_cancelled_by_patient": _("Réservation annulée par le patient"),
    "reservation_expired": _("Réservation expirée (non retirée)"),
    "reservation_reminder": _("Rappel : réservation à retirer"),
}
