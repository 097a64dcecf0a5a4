"""SMS backends shaped like Django's email backends, so dev, tests and production differ by a setting.

`settings.SMS_BACKEND` names the class: console (prints), file (dev: one file per SMS under
`settings.SMS_FILE_PATH`), locmem (tests: appends to `outbox`) and Brevo (transactional SMS over HTTP).
"""

from __future__ import annotations

import logging
import sys
import threading
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger("officine.notifications")

# The messages "sent" by LocmemSMSBackend, like django.core.mail.outbox.
outbox: list[SMSMessage] = []

GSM7_CHARS = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€")


def reset_outbox() -> None:
    """Empty the locmem outbox (called before every test)."""
    outbox.clear()


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_CHARS or ch in GSM7_EXTENDED for ch in text)


# Typography a French text often holds, and its nearest GSM-7 spelling.
_GSM7_SUBSTITUTES = {
    "«": '"',
    "»": '"',
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "–": "-",
    "—": "-",
    "…": "...",
    "œ": "oe",
    "Œ": "OE",
    "\u00a0": " ",
    "\u202f": " ",
}


def to_gsm7(text: str) -> str:
    """The text in the GSM alphabet, so that an SMS costs 160 characters a segment, not 70.

    One character outside it (the ê of "Hôtel", the ç of "François" in a pharmacy's name) switches
    the whole message to UCS-2: with a link, four segments instead of two. é, è, à, ù stay as they
    are; other accents lose their mark (ê → e, ç → c), typographic quotes and dashes become plain.
    """
    out = []
    for ch in text:
        if ch in GSM7_CHARS or ch in GSM7_EXTENDED:
            out.append(ch)
        elif ch in _GSM7_SUBSTITUTES:
            out.append(_GSM7_SUBSTITUTES[ch])
        else:
            bare = "".join(
                c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
            )
            out.append(bare if bare and is_gsm7(bare) else "?")
    return "".join(out)


def segment_count(text: str) -> int:
    """How many SMS a text costs: 160/153 GSM-7 characters, or 70/67 once an accent forces UCS-2."""
    if is_gsm7(text):
        length = sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
        return 1 if length <= 160 else -(-length // 153)
    length = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)
    return 1 if length <= 70 else -(-length // 67)


class SMSProviderError(Exception):
    """The provider refused or could not take the message; `retryable` tells the task what to do."""

    def __init__(self, message: str, *, retryable: bool, status_code: int | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.status_code = status_code


@dataclass
class SMSMessage:
    """One SMS to one E.164 number; `provider_message_id` is filled in by the backend once sent.

    `idempotency_key` is the same for every attempt at one outbox row: a backend that can look a
    message up by it answers `find_sent` before a resend.
    """

    to: str
    body: str
    sender: str = ""
    provider_message_id: str = ""
    idempotency_key: str = ""
    sent_at: object = field(default=None, repr=False)

    def send(self, fail_silently: bool = False) -> int:
        return get_sms_backend(fail_silently=fail_silently).send_messages([self])


class BaseSMSBackend:
    """Subclasses implement `send_one`; `send_messages` returns how many were sent."""

    def __init__(self, fail_silently: bool = False, **kwargs):
        self.fail_silently = fail_silently

    def send_messages(self, messages) -> int:
        sent = 0
        for message in messages:
            try:
                self.send_one(message)
            except Exception:
                if not self.fail_silently:
                    raise
                logger.exception("SMS to %s could not be sent", message.to)
                continue
            message.sent_at = timezone.now()
            sent += 1
        return sent

    def send_one(self, message: SMSMessage) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def find_sent(self, message: SMSMessage) -> str | None:
        """The provider's id of an SMS already accepted with this idempotency key, else None.

        None also means "cannot tell": the caller then sends.
        """
        return None


class ConsoleSMSBackend(BaseSMSBackend):
    def __init__(self, *args, stream=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.RLock()

    def send_one(self, message):
        message.provider_message_id = message.provider_message_id or f"console-{uuid.uuid4()}"
        with self._lock:
            self.stream.write(f"SMS from {message.sender} to {message.to}:\n{message.body}\n")
            self.stream.write("-" * 40 + "\n")
            self.stream.flush()


class FileSMSBackend(BaseSMSBackend):
    """Development (and the worker tests): one text file per SMS, like Django's file email backend."""

    def __init__(self, *args, file_path=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.file_path = Path(file_path or settings.SMS_FILE_PATH)
        self.file_path.mkdir(parents=True, exist_ok=True)

    def send_one(self, message):
        message.provider_message_id = f"file-{uuid.uuid4()}"
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        path = self.file_path / f"{stamp}-{message.provider_message_id}.txt"
        tmp = path.with_suffix(".part")
        tmp.write_text(
            f"From: {message.sender}\nTo: {message.to}\nId: {message.provider_message_id}\n"
            f"Key: {message.idempotency_key}\n\n{message.body}\n",
            encoding="utf-8",
        )
        tmp.rename(path)

    def find_sent(self, message):
        if not message.idempotency_key:
            return None
        wanted = f"\nKey: {message.idempotency_key}\n"
        for path in sorted(self.file_path.glob("*.txt")):
            head = path.read_text(encoding="utf-8")
            if wanted in head:
                return head.split("\nId: ", 1)[1].split("\n", 1)[0]
        return None


class LocmemSMSBackend(BaseSMSBackend):
    """Tests: keeps sent messages in `notifications.sms.outbox`."""

    def send_one(self, message):
        message.provider_message_id = f"locmem-{len(outbox) + 1}"
        outbox.append(message)

    def find_sent(self, message):
        for sent in outbox:
            if message.idempotency_key and sent.idempotency_key == message.idempotency_key:
                return sent.provider_message_id
        return None


class BrevoSMSBackend(BaseSMSBackend):
    """Brevo transactional SMS (https://developers.brevo.com/reference/sendtransacsms)."""

    api_url = "https://api.brevo.com/v3/transactionalSMS/sms"
    events_url = "https://api.brevo.com/v3/transactionalSMS/statistics/events"

    def __init__(self, *args, api_key=None, timeout=10, **kwargs):
        super().__init__(*args, **kwargs)
        self.api_key = api_key or getattr(settings, "SMS_BREVO_API_KEY", "")
        self.timeout = timeout

    def send_one(self, message):
        if not self.api_key:
            raise SMSProviderError("SMS_BREVO_API_KEY is not set", retryable=False)
        payload = {
            "type": "transactional",
            "sender": message.sender or settings.SMS_DEFAULT_SENDER,
            "recipient": message.to.lstrip("+"),
            "content": message.body,
            "unicodeEnabled": not is_gsm7(message.body),
        }
        if message.idempotency_key:
            # Brevo has no idempotency key for SMS; a tag lets `find_sent` look the SMS up.
            payload["tag"] = message.idempotency_key
        try:
            response = requests.post(
                self.api_url,
                json=payload,
                headers={"api-key": self.api_key, "accept": "application/json"},
                timeout=self.timeout,
            )
        except requests.Timeout as exc:
            raise SMSProviderError(f"Brevo SMS timed out: {exc}", retryable=True) from exc
        except requests.RequestException as exc:
            raise SMSProviderError(f"Brevo SMS connection error: {exc}", retryable=True) from exc
        if response.status_code >= 400:
            retryable = response.status_code >= 500 or response.status_code == 429
            raise SMSProviderError(
                f"Brevo SMS HTTP {response.status_code}: {response.text[:500]}",
                retryable=retryable,
                status_code=response.status_code,
            )
        try:
            data = response.json()
        except ValueError:
            data = {}
        message.provider_message_id = str(data.get("messageId") or data.get("reference") or "")

    def find_sent(self, message):
        """Brevo's events for this SMS's tag and number over the last days, if any."""
        if not (self.api_key and message.idempotency_key):
            return None
        response = requests.get(
            self.events_url,
            params={
                "tags": message.idempotency_key,
                "phoneNumber": message.to.lstrip("+"),
                "days": 3,
                "limit": 10,
            },
            headers={"api-key": self.api_key, "accept": "application/json"},
            timeout=self.timeout,
        )
        response.raise_for_status()
        for event in response.json().get("events") or []:
            # Only an event that names our tag counts: taking someone else's SMS for ours would
            # leave the patient without theirs.
            tags = event.get("tag") or event.get("tags") or ""
            tags = tags if isinstance(tags, list) else str(tags).split(",")
            if message.idempotency_key in [t.strip() for t in tags] and event.get("messageId"):
                return str(event["messageId"])
        return None


def get_sms_backend(backend: str | None = None, **kwargs) -> BaseSMSBackend:
    """The configured backend instance, like django.core.mail.get_connection."""
    return import_string(backend or settings.SMS_BACKEND)(**kwargs)
