"""Files a patient already sent with a form shown again for a typo: kept an hour, then gone.

A phone upload of three photos costs minutes on a weak connection; a mistyped phone number must
not cost it again. Files that passed every check are stored encrypted (the same Fernet keys and
private storage as prescriptions) under random names, and the re-shown form carries a signed
list of them, bound to the form's own signed token: the list is worthless with another visitor's
form, after an hour, or altered. `purge_expired` (beat) deletes what nobody came back for.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.utils import timezone

from pharmacies import audit

from .files import CleanFile, InvalidToken, decrypt, encrypt, stored_names
from .models import private_storage

logger = logging.getLogger("officine.ordonnances")

FOLDER = "ordonnances-kept"
FIELD = "kept_files"
REMOVE_FIELD = "kept_remove"
SALT = "ordonnances.kept_files"
KEEP_FOR = timedelta(hours=1)
NAMES_IN_AUDIT = 200


@dataclass(frozen=True)
class KeptFile:
    """One stored file and what the form needs to use it again (never the patient's data)."""

    name: str
    kind: str
    label: str
    content_type: str
    extension: str
    width: int | None
    height: int | None
    pages: int | None
    sha256: str

    def as_dict(self) -> dict:
        return {
            "n": self.name,
            "k": self.kind,
            "l": self.label,
            "c": self.content_type,
            "e": self.extension,
            "w": self.width,
            "h": self.height,
            "p": self.pages,
            "s": self.sha256,
        }

    @classmethod
    def from_dict(cls, data: dict) -> KeptFile:
        name = str(data["n"])
        if not name.startswith(f"{FOLDER}/") or "/" in name[len(FOLDER) + 1 :]:
            raise ValueError("Not a kept file name")
        return cls(
            name=name,
            kind=str(data["k"]),
            label=str(data["l"])[:80],
            content_type=str(data["c"]),
            extension=str(data["e"]),
            width=data.get("w"),
            height=data.get("h"),
            pages=data.get("p"),
            sha256=str(data["s"]),
        )

    def read(self) -> CleanFile | None:
        """The clean bytes again, or None if the file expired or cannot be decrypted."""
        storage = private_storage()
        try:
            with storage.open(self.name, "rb") as handle:
                content = decrypt(handle.read(), settings.OFFICINE_FILE_KEYS)
        except (FileNotFoundError, OSError, InvalidToken):
            return None
        if hashlib.sha256(content).hexdigest() != self.sha256:
            return None
        return CleanFile(
            content=content,
            content_type=self.content_type,
            extension=self.extension,
            width=self.width,
            height=self.height,
            pages=self.pages,
            sha256=self.sha256,
        )


def _token_digest(form_token: str) -> str:
    return hashlib.sha256(form_token.encode()).hexdigest()[:32]


def store(clean: CleanFile, *, kind: str, label: str) -> KeptFile:
    """Encrypt and store one clean file for the form shown again."""
    name = f"{FOLDER}/{secrets.token_hex(16)}"
    storage = private_storage()
    saved = storage.save(name, ContentFile(encrypt(clean.content, settings.OFFICINE_FILE_KEYS)))
    return KeptFile(
        name=saved,
        kind=kind,
        label=label[:80],
        content_type=clean.content_type,
        extension=clean.extension,
        width=clean.width,
        height=clean.height,
        pages=clean.pages,
        sha256=clean.sha256,
    )


def sign(files: list[KeptFile], form_token: str) -> str:
    """The hidden field's value: these files, for the form holding `form_token` only."""
    if not files:
        return ""
    return signing.dumps(
        {"t": _token_digest(form_token), "f": [f.as_dict() for f in files]},
        salt=SALT,
        compress=True,
    )


def unsign(value: str, form_token: str) -> list[KeptFile]:
    """The files a posted list names, or [] if it is altered, expired or from another form."""
    if not value or not form_token:
        return []
    try:
        data = signing.loads(value, salt=SALT, max_age=KEEP_FOR)
    except signing.BadSignature:
        return []
    if not isinstance(data, dict) or data.get("t") != _token_digest(form_token):
        return []
    try:
        return [KeptFile.from_dict(item) for item in data.get("f", [])]
    except (KeyError, TypeError, ValueError):
        return []


def discard(files: list[KeptFile]) -> None:
    storage = private_storage()
    for kept in files:
        try:
            storage.delete(kept.name)
        except OSError:  # pragma: no cover - the hourly purge removes it anyway
            logger.warning("Could not delete kept file %s", kept.name)


def purge_expired(now=None) -> int:
    """Delete kept files older than an hour; one audit row per run that removed something."""
    now = now or timezone.now()
    storage = private_storage()
    removed = []
    for name in stored_names(storage, FOLDER):
        try:
            modified = storage.get_modified_time(name)
        except (FileNotFoundError, OSError):
            continue
        if modified < now - KEEP_FOR:
            storage.delete(name)
            removed.append(name)
    if removed:
        audit.record(
            audit.AuditAction.ORPHAN_FILES,
            object_type="ordonnances.keptfile",
            detail={
                "removed": len(removed),
                "names": removed[:NAMES_IN_AUDIT],
                "reason": "kept_upload_expired",
                "keep_hours": KEEP_FOR.total_seconds() / 3600,
            },
        )
        logger.info("Removed %d kept upload(s) older than an hour", len(removed))
    return len(removed)
