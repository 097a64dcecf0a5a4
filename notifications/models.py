"""The outbox: every email or SMS is first a row written in the business transaction, then sent."""

from __future__ import annotations

import base64
import secrets
import uuid
from typing import ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pharmacies.extensions import merged_objects
from pharmacies.phones import display, is_mobile, national, to_e164
from pharmacies.tenancy import PharmacyScopedManager

# No 0/O, 1/I/L: a reference is read aloud at the counter or over the phone and typed from an SMS.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_LENGTH = 6


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


def event_label(code: str) -> str:
    """What a message is about, in words: each app declares its events (`notification_events`).

    An event nobody declared keeps a readable form ("Autre message") rather than its code.
    """
    label = merged_objects("notification_events").get(code)
    return str(label) if label else str(_("Autre message"))


IDEMPOTENCY_NAMESPACE = uuid.UUID("5b0d5c2e-6f1a-4a53-9d7e-0ff1c1e0e514")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class NotifyBy(models.TextChoices):
    """How a patient asked to be told; SMS first, as on most French pharmacy sites."""

    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    BOTH = "both", _("SMS et e-mail")


CHOSEN_CHANNELS: dict[str, frozenset[str]] = {
    NotifyBy.SMS: frozenset({Channel.SMS}),
    NotifyBy.EMAIL: frozenset({Channel.EMAIL}),
    NotifyBy.BOTH: frozenset({Channel.SMS, Channel.EMAIL}),
}


def enabled_channels(pharmacy) -> frozenset[str]:
    """The channels a pharmacy has switched on in its notification settings."""
    return frozenset(
        channel
        for channel, enabled in (
            (Channel.SMS, pharmacy.sms_enabled),
            (Channel.EMAIL, pharmacy.email_enabled),
        )
        if enabled
    )


def offered_notify_choices(pharmacy) -> list[tuple[str, str]]:
    """The `NotifyBy` choices a patient of `pharmacy` may pick, in the one order every form uses.

    Without a pharmacy (a staff form before the service is chosen) every choice is offered.
    """
    if pharmacy is None:
        return list(NotifyBy.choices)
    enabled = enabled_channels(pharmacy)
    return [
        (value, label) for value, label in NotifyBy.choices if CHOSEN_CHANNELS[value] <= enabled
    ]


def validate_phone(value: str) -> None:
    """A number typed in the admin must be one we can call or text (normalised by `clean`)."""
    if value and to_e164(value) is None:
        raise ValidationError(
            _("Ce numéro de téléphone n'est pas valide (ex. 06 12 34 56 78)."), code="invalid"
        )


class PatientContact(models.Model):
    """Who a patient is, how to reach them and how they asked to be told: one shape for every feature.

    Prescriptions, bookings and the features to come each keep their own table, but the contact
    columns, the reference the patient quotes at the counter and the rule deciding which messages
    leave (`channels`) are written once, so that they cannot drift apart again. A subclass declares
    its `pharmacy` foreign key (each with its own related name) and its `reference_prefix`.
    """

    reference_prefix: ClassVar[str] = ""

    reference = models.CharField(_("référence"), max_length=12, unique=True, editable=False)
    first_name = models.CharField(_("prénom"), max_length=80)
    last_name = models.CharField(_("nom"), max_length=80)
    phone = models.CharField(
        _("téléphone"),
        max_length=20,
        blank=True,
        validators=[validate_phone],
        help_text=_("Ex. 06 12 34 56 78"),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    birth_date = models.DateField(_("date de naissance"), null=True, blank=True)
    notify_by = models.CharField(
        _("prévenir par"), max_length=5, choices=NotifyBy.choices, blank=True
    )
    # The patient's language when sending the form: every message about the record is sent in it.
    language = language_field()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.reference:
            self.reference = self.new_reference()
            while type(self)._base_manager.filter(reference=self.reference).exists():
                self.reference = self.new_reference()
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.phone:
            self.phone = to_e164(self.phone) or self.phone

    @classmethod
    def new_reference(cls) -> str:
        """A fresh reference in the model's own format (e.g. "ORD-7KQ2MX", "RDV-C9P4TA")."""
        return cls.reference_prefix + "".join(
            secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH)
        )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def channels(self) -> set[str]:
        """Where messages about this record go: only a channel the patient chose, has a contact
        for (a mobile for SMS), and the pharmacy has switched on. Nothing else is ever tried.
        """
        wanted = CHOSEN_CHANNELS.get(self.notify_by, frozenset()) & enabled_channels(self.pharmacy)
        channels = set()
        if Channel.EMAIL in wanted and self.email:
            channels.add(Channel.EMAIL.value)
        if Channel.SMS in wanted and self.phone:
            number = to_e164(self.phone)
            if number and is_mobile(number):
                channels.add(Channel.SMS.value)
        return channels

    @property
    def notification_promise(self) -> str:
        """What every confirmation page says about the messages to come: the channel the patient
        chose and where it goes ("Nous vous préviendrons par SMS au 06 •• •• •• 78."), never a
        vague "SMS ou e-mail". Partly masked: a confirmation page can stay open on a shared screen.
        """
        channels = self.channels
        phone, email = masked_phone(self.phone), masked_email(self.email)
        if channels == {Channel.SMS, Channel.EMAIL}:
            return gettext(
                "Nous vous préviendrons par SMS au %(phone)s et par e-mail à %(email)s."
            ) % {
                "phone": phone,
                "email": email,
            }
        if channels == {Channel.SMS}:
            return gettext("Nous vous préviendrons par SMS au %(phone)s.") % {"phone": phone}
        if channels == {Channel.EMAIL}:
            return gettext("Nous vous préviendrons par e-mail à %(email)s.") % {"email": email}
        if self.phone:
            return gettext("La pharmacie vous appellera au %(phone)s si besoin.") % {"phone": phone}
        return ""


def masked_phone(e164: str) -> str:
    """ "06 •• •• •• 78": enough for the patient to recognise their number on a shared screen."""
    digits = display(e164).split(" ") if e164 else []
    if len(digits) < 3:
        return display(e164) if e164 else ""
    return " ".join([digits[0], *("••" for _digit in digits[1:-1]), digits[-1]])


def masked_email(email: str) -> str:
    """ "j•••@example.fr"."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else email


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

    # Not in Wagtail's reference index: each message would cost the patient's POST a savepoint,
    # a read and a write for a link (to the pharmacy) no admin screen looks up.
    wagtail_reference_index_ignore = True

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

    objects = PharmacyScopedManager()

    # Registering the admin's viewset would have Wagtail index each new row's references (to its
    # pharmacy, its object) for "usage" counts nobody reads: about a third of a reminder's cost.
    wagtail_reference_index_ignore = True

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
        return f"{self.get_channel_display()} {self.get_event_display()} → {self.get_recipient_display()}"

    def get_event_display(self) -> str:
        """The event in words ("Rendez-vous annulé par le patient"), as the apps declare them."""
        return event_label(self.event)

    def get_recipient_display(self) -> str:
        return national(self.recipient)

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
