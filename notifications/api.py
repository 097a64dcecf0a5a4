"""The one way feature apps notify a patient or a pharmacy.

Call these inside the same `transaction.atomic()` as the business record: they render the message
now (so what is sent is what was true at that moment), store it in the outbox, and hand it to Celery
only once the transaction commits. Calling twice for the same object, event, channel and recipient
sends once.

A patient's message is rendered in the patient's language (the row keeps it); a pharmacy's in the
site's default language, whoever triggered it.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import translation

from pharmacies.phones import is_mobile, to_e164

from . import tasks
from .models import Channel, OutboxMessage
from .sms import segment_count, to_gsm7

logger = logging.getLogger("officine.notifications")

ALL_CHANNELS = frozenset({Channel.EMAIL.value, Channel.SMS.value})


def notify_patient(
    *,
    pharmacy,
    event: str,
    obj,
    email: str | None = None,
    phone: str | None = None,
    channels=ALL_CHANNELS,
    context: dict | None = None,
    attachments=(),
    language: str | None = None,
) -> list[OutboxMessage]:
    """Queue `event` to a patient on each channel the pharmacy enabled and the patient can receive.

    `language` is the one stored with the patient's booking or prescription; without it, the
    active language (the patient's own request).
    """
    return [
        _store(fields)
        for fields in _patient_messages(
            pharmacy, event, obj, email, phone, channels, context, attachments, language
        )
    ]


def _patient_messages(pharmacy, event, obj, email, phone, channels, context, attachments, language):
    """The rendered rows (as field values) `notify_patient` stores, one per channel it sends on."""
    language = supported_language(language) if language else patient_language()
    messages = []
    channels = set(channels or ())
    if Channel.EMAIL in channels and pharmacy.email_enabled and email and email.strip():
        message = _email_message(
            pharmacy, event, obj, email.strip(), context, attachments, language, to_pharmacy=False
        )
        if message:
            messages.append(message)
    if Channel.SMS in channels and pharmacy.sms_enabled and phone:
        number = to_e164(phone)
        if number and is_mobile(number):
            message = _sms_message(pharmacy, event, obj, number, context, language)
            if message:
                messages.append(message)
        else:
            logger.warning("Not sending SMS %s: %r is not a valid mobile number", event, phone)
    return messages


def notify_contact(
    contact, *, event: str, obj=None, context: dict | None = None, attachments=()
) -> list[OutboxMessage]:
    """Queue `event` to the patient of a `PatientContact` record (a prescription, a booking).

    Recipients, language and channels come from the record, so every feature applies the same
    `channels` rule. `obj` keys the message when it is not the record itself (each move or
    reminder of a booking is its own message).
    """
    return notify_patient(
        pharmacy=contact.pharmacy,
        event=event,
        obj=contact if obj is None else obj,
        email=contact.email,
        phone=contact.phone,
        channels=contact.channels,
        context=context,
        attachments=attachments,
        language=contact.language,
    )


def notify_contacts(event: str, items) -> list[OutboxMessage]:
    """`notify_contact` for many records at once: `items` are (contact, obj, context) triples.

    The same messages, each rendered on its own, but stored with two queries for the lot instead
    of two or more per message: what a batch of a reminder backlog needs. A message already stored
    for its (object, event, channel, recipient) is not stored or sent again; one stored by a
    concurrent transaction meanwhile makes the unique key fail the whole transaction (rolled back,
    nothing sent), so callers hold locks on their records, as the reminder batches do.
    """
    rows = [
        fields
        for contact, obj, context in items
        for fields in _patient_messages(
            contact.pharmacy,
            event,
            contact if obj is None else obj,
            contact.email,
            contact.phone,
            contact.channels,
            context,
            (),
            contact.language,
        )
    ]
    if not rows:
        return []
    stored = set(
        OutboxMessage.objects.filter(
            event=event,
            content_type__in={fields["content_type"] for fields in rows},
            object_id__in={fields["object_id"] for fields in rows},
        ).values_list("content_type", "object_id", "channel", "recipient")
    )
    new = []
    for fields in rows:
        key = (
            fields["content_type"].pk,
            fields["object_id"],
            fields["channel"],
            fields["recipient"],
        )
        if key not in stored:
            stored.add(key)
            new.append(OutboxMessage(**fields))
    created = OutboxMessage.objects.bulk_create(new)
    for message in created:
        tasks.dispatch_on_commit(message.pk)
    return created


def notify_pharmacy(*, pharmacy, event: str, obj, context: dict | None = None):
    """Queue `event` by email to the pharmacy's notification address (never health details)."""
    if not pharmacy.notification_email:
        return None
    message = _email_message(
        pharmacy,
        event,
        obj,
        pharmacy.notification_email,
        context,
        (),
        settings.LANGUAGE_CODE,
        to_pharmacy=True,
    )
    return _store(message) if message else None


def patient_language() -> str:
    """The language of the request being served, to store with what a patient sends or books.

    Messages about that record are sent later too (a reminder from beat, a status set by the
    pharmacist from an admin in any language); they must be in the language the patient used.
    """
    return supported_language(translation.get_language())


def supported_language(language: str | None) -> str:
    """`language` as one of settings.LANGUAGES ("en-gb" → "en"), else the site's default."""
    try:
        return translation.get_supported_language_variant(language or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


def template_context(pharmacy, obj, context: dict | None) -> dict:
    site = pharmacy.site
    return {
        **(context or {}),
        "pharmacy": pharmacy,
        "object": obj,
        "site_url": site.root_url if site else "",
    }


def _render_plain(template_name: str, context: dict) -> str:
    """Subjects, text bodies and SMS are not HTML: "l'Église" must not arrive as "l&#x27;Église"."""
    return get_template(template_name).template.render(Context(context, autoescape=False))


def _email_message(pharmacy, event, obj, recipient, context, attachments, language, *, to_pharmacy):
    ctx = template_context(pharmacy, obj, context)
    ctx["to_pharmacy"] = to_pharmacy
    try:
        with translation.override(language):
            subject = " ".join(_render_plain(f"emails/{event}.subject.txt", ctx).split())
            body_text = _render_plain(f"emails/{event}.txt", ctx).strip() + "\n"
            body_html = render_to_string(f"emails/{event}.html", ctx)
    except TemplateDoesNotExist:
        logger.error("Email templates missing for event %s; nothing queued", event)
        return None
    return _message(
        pharmacy,
        obj,
        event=event,
        channel=Channel.EMAIL,
        recipient=recipient,
        subject=subject[:255],
        body_text=body_text,
        body_html=body_html,
        attachments=OutboxMessage.encode_attachments(attachments),
        sender_name=pharmacy.name,
        reply_to=pharmacy.email,
        language=language,
    )


def render_sms(pharmacy, event: str, obj, context: dict | None, language: str) -> str | None:
    """The SMS body exactly as it would be sent (None: this event sends no SMS).

    A form can measure what a typed text adds to a message before anything is queued.
    """
    ctx = template_context(pharmacy, obj, context)
    try:
        with translation.override(language):
            return to_gsm7(" ".join(_render_plain(f"sms/{event}.txt", ctx).split()))
    except TemplateDoesNotExist:
        return None


def _sms_message(pharmacy, event, obj, number, context, language):
    body = render_sms(pharmacy, event, obj, context, language)
    if body is None:
        logger.info("No SMS template for event %s; SMS skipped", event)
        return None
    if segment_count(body) > 2:
        logger.warning("SMS %s is %d segments long", event, segment_count(body))
    return _message(
        pharmacy,
        obj,
        event=event,
        channel=Channel.SMS,
        recipient=number,
        body_text=body,
        sender_name=pharmacy.sms_sender or settings.SMS_DEFAULT_SENDER,
        language=language,
    )


KEY_FIELDS = ("content_type", "object_id", "event", "channel", "recipient")


def _message(pharmacy, obj, *, event, channel, recipient, **fields) -> dict:
    """An outbox row's field values, its unique key first."""
    return {
        "content_type": ContentType.objects.get_for_model(obj),
        "object_id": str(obj.pk),
        "event": event,
        "channel": channel,
        "recipient": recipient,
        "pharmacy": pharmacy,
        **fields,
    }


def _store(fields: dict) -> OutboxMessage:
    key = {name: fields[name] for name in KEY_FIELDS}
    defaults = {name: value for name, value in fields.items() if name not in KEY_FIELDS}
    message, created = OutboxMessage.objects.get_or_create(**key, defaults=defaults)
    if created:
        tasks.dispatch_on_commit(message.pk)
    return message
