"""The messages this app sends, in words, for the pharmacy's sending log (`notification_events`)."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "booking_confirmed": _("Rendez-vous confirmé"),
    "booking_cancelled": _("Rendez-vous annulé par la pharmacie"),
    "booking_cancelled_by_patient": _("Rendez-vous annulé par le patient"),
    "booking_moved": _("Rendez-vous déplacé"),
    "booking_reminder": _("Rappel de rendez-vous"),
    "waitlist_seat_freed": _("Place libérée proposée (liste d'attente)"),
}
