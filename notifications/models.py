"""The outbox: every email or SMS is first a row written in the business transaction, then sent."""

from __future__ import annotations

import base64
import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


def language_field() -> models.CharField:
    """The language a patient's messages are written in; the same column on every model holding it.

    A database default too, so that rows inserted in bulk with SQL (benchmarks, imports) get one.
    """
    return models.CharField(
        _("langue"),
        max_length=10,
        default=settings.LANGUAGE_CODE,
        db_default=settings.LANGUAGE_CODE,
        editable=False,
    )


IDEMPOTENCY_NAMESPACE = uuid.UUID("5b0d5c2e-6f1a-4a53-9d7e-0ff1c1e0e514")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class Status(models.TextChoices):
    PENDING = "pending", _("En attente")
    SENDING = "sending", _("En cours d'envoi")
    SENT = "sent", _("Envoyé")
    FAILED = "failed", _("Échec")
    DELIVERED = "delivered", _("Distribué")
    BOUNCED = "bounced", _("Rejeté par le destinataire")


class OutboxMessage(models.Model):
    """One message to one recipient about one object, rendered when the business record is saved.

    Written in the same transaction as the prescription or booking so that a message exists exactly
    when the thing it announces exists; the unique key makes a double click or a replayed task send
    once; the status and last error let a pharmacist see and resend what failed.
    """

    pharmacy = models.ForeignKey(
        "pharmacies.Pharmacy",
        on_delete=models.CASCADE,
        related_name="outbox_messages",
        verbose_name=_("pharmacie"),
    )
    channel = models.CharField(_("canal"), max_length=5, choices=Channel.choices)
    event = models.CharField(_("événement"), max_length=80)
    recipient = models.CharField(_("destinataire"), max_length=254)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)
    content_object = GenericForeignKey("content_type", "object_id")

    subject = models.CharField(_("objet"), max_length=255, blank=True)
    body_text = models.TextField(_("texte"))
    body_html = models.TextField(_("HTML"), blank=True)
    attachments = models.JSONField(_("pièces jointes"), default=list, blank=True)
    sender_name = models.CharField(_("expéditeur"), max_length=120, blank=True)
    reply_to = models.EmailField(_("répondre à"), blank=True)
    # What the message was rendered in: the patient's language, or the site's for the pharmacy.
    language = language_field()

    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    provider_message_id = models.CharField(
        _("identifiant fournisseur"), max_length=255, blank=True, db_index=True
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Who holds the claim: the Celery task (its id is the same when the broker redelivers it) and
    # the worker (its name is the same when it restarts), so either can take back a stale claim.
    claim_token = models.CharField(max_length=255, blank=True, editable=False)
    claimed_by = models.CharField(max_length=255, blank=True, editable=False)
    # Handing the row to the broker failed: the relay sends it as soon as the broker answers.
    awaiting_relay = models.BooleanField(default=False, editable=False)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("distribué le"), null=True, blank=True)

    class Meta:
        verbose_name = _("envoi")
        verbose_name_plural = _("envois")
        ordering = ["-created_at"]
        permissions = [("resend_outboxmessage", _("Peut renvoyer un message en échec"))]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "event", "channel", "recipient"],
                name="outbox_once_per_object_event_channel_recipient",
            )
        ]
        indexes = [models.Index(fields=["status", "updated_at"], name="outbox_status_updated")]

    def __str__(self):
        return f"{self.get_channel_display()} {self.event} → {self.recipient}"

    @property
    def idempotency_key(self) -> str:
        """The same for every attempt at this row and unique to it (a UUID, as Brevo wants one).

        Sent with the message where the provider honours one, and used to ask the provider
        whether an attempt whose outcome we never learnt was accepted.
        """
        return str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{self.pk}:{self.created_at.isoformat()}"))

    @staticmethod
    def encode_attachments(attachments) -> list[dict]:
        """(name, bytes, mimetype) tuples as JSON-safe dicts, kept with the row until it is sent."""
        return [
            {
                "name": name,
                "content_b64": base64.b64encode(
                    content.encode() if isinstance(content, str) else content
                ).decode("ascii"),
                "mimetype": mimetype,
            }
            for name, content, mimetype in attachments
        ]

    def decoded_attachments(self) -> list[tuple[str, bytes, str]]:
        return [
            (item["name"], base64.b64decode(item["content_b64"]), item["mimetype"])
            for item in self.attachments or []
        ]
