"""A message a visitor sends from the pharmacy's "Contact" page."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from pharmacies.models import Pharmacy
from pharmacies.tenancy import PharmacyScopedManager


class ContactMessage(models.Model):
    """Kept so the pharmacy can answer even if the e-mail is lost; belongs to one pharmacy."""

    # Wagtail's reference index would record its link to the pharmacy in the visitor's POST
    # (a savepoint, a read and a write); no admin screen asks what points at a pharmacy.
    wagtail_reference_index_ignore = True

    pharmacy = models.ForeignKey(
        Pharmacy, on_delete=models.CASCADE, related_name="+", verbose_name=_("pharmacie")
    )
    name = models.CharField(_("nom"), max_length=120)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    subject = models.CharField(_("objet"), max_length=150)
    message = models.TextField(_("message"), max_length=3000)
    created_at = models.DateTimeField(_("reçu le"), auto_now_add=True, db_index=True)
    answered = models.BooleanField(_("répondu"), default=False)

    objects = PharmacyScopedManager("pharmacy")

    class Meta:
        verbose_name = _("message reçu")
        verbose_name_plural = _("messages reçus")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.subject} ({self.name})"

    def answered_label(self) -> str:
        """ "Oui"/"Non" in the admin listing, never a raw boolean."""
        return str(_("Oui") if self.answered else _("Non"))

    answered_label.short_description = _("répondu")
