"""The messages this app sends, in words, for the pharmacy's sending log (`notification_events`)."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "prescription_received": _("Ordonnance reçue (accusé au patient)"),
    "prescription_new": _("Nouvelle ordonnance (alerte à la pharmacie)"),
    "prescription_ready": _("Ordonnance prête"),
    "prescription_partially_ready": _("Ordonnance partiellement prête"),
    "prescription_ready_tomorrow": _("Ordonnance prête demain"),
    "prescription_refused": _("Ordonnance refusée"),
    "prescription_cancelled": _("Ordonnance annulée par la pharmacie"),
    "prescription_cancelled_by_patient": _("Ordonnance annulée par le patient"),
}
