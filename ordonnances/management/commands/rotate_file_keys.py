"""Re-encrypt every stored prescription file (and thumbnail) with the newest key.

Put the new key first in OFFICINE_FILE_KEYS (keeping the old ones after it), run this command, then
retire the old keys. It can be killed at any moment and run again:

* rows are processed in primary-key order, in batches, and a row whose `key_fingerprint` is the
  newest key's is skipped, so a rerun goes on where the last one stopped;
* each file is written under a new name derived from its old one (`<base>.k<fingerprint>`), then
  the row is switched to it in a transaction, then the old file is deleted. A kill before the
  switch leaves a new file that the rerun overwrites; a kill after it leaves an old file that the
  rerun finds (its name is derivable) and deletes. No orphan survives a completed run;
* the plaintext's sha256 must match the one stored on the row, before and after re-encryption;
  a file that does not match is left untouched and reported, and the command exits non-zero.
"""

from __future__ import annotations

import hashlib
import logging

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ordonnances.files import decrypt, key_fingerprint
from ordonnances.models import PrescriptionFile, private_storage
from pharmacies import audit
from pharmacies.tenancy import all_pharmacies

logger = logging.getLogger("officine.key_rotation")

SUFFIX = ".k"

# Test hook: called as hook(stage, row) at "written" (new files stored, row not switched yet) and
# "switched" (row committed, old files not deleted yet), so a test can kill the run at either point.
stage_hook = None


class ChecksumMismatch(Exception):
    pass


def base_name(name: str) -> str:
    head, sep, tail = name.rpartition(SUFFIX)
    if sep and len(tail) == 16 and all(c in "0123456789abcdef" for c in tail):
        return head
    return name


def name_for(name: str, fingerprint: str) -> str:
    return f"{base_name(name)}{SUFFIX}{fingerprint}"


def earlier_names(name: str, keys: list[str]) -> list[str]:
    """Where the bytes of this file lived before its last rotation(s)."""
    base = base_name(name)
    candidates = [base] + [name_for(base, key_fingerprint(k)) for k in keys]
    return [c for c in candidates if c != name]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write(storage, name: str, content: bytes) -> str:
    if storage.exists(name):
        storage.delete(name)
    saved = storage.save(name, ContentFile(content))
    if saved != name:  # pragma: no cover - only if another process raced us to the same name
        storage.delete(saved)
        raise CommandError(f"Could not write {name}")
    return saved


def _reencrypt(storage, name: str, keys, newest: Fernet, expected_sha: str | None) -> bytes:
    with storage.open(name, "rb") as handle:
        plaintext = decrypt(handle.read(), keys)
    if expected_sha is not None and _sha256(plaintext) != expected_sha:
        raise ChecksumMismatch(f"{name}: plaintext does not match the stored checksum")
    token = newest.encrypt(plaintext)
    if _sha256(newest.decrypt(token)) != _sha256(plaintext):  # pragma: no cover - defensive
        raise ChecksumMismatch(f"{name}: re-encrypted bytes do not decrypt to the same content")
    return token


def rotate_row(row: PrescriptionFile, keys: list[str], newest: Fernet, fingerprint: str) -> bool:
    """Re-encrypt one row's file and thumbnail; False when the row changed under us."""
    storage = private_storage()
    old = {"file": row.file.name, "thumbnail": row.thumbnail.name or ""}
    new = {}
    for field, expected in (("file", row.sha256), ("thumbnail", None)):
        if not old[field]:
            continue
        token = _reencrypt(storage, old[field], keys, newest, expected)
        new[field] = _write(storage, name_for(old[field], fingerprint), token)
    if stage_hook:
        stage_hook("written", row)
    with transaction.atomic():
        switched = PrescriptionFile.objects.filter(
            pk=row.pk, file=old["file"], thumbnail=old["thumbnail"]
        ).update(key_fingerprint=fingerprint, **new)
    if not switched:
        for name in new.values():
            storage.delete(name)
        return False
    if stage_hook:
        stage_hook("switched", row)
    for name in old.values():
        if name and name not in new.values():
            storage.delete(name)
    return True


def clean_earlier_copies(row: PrescriptionFile, keys: list[str]) -> int:
    """Delete what a killed run left at the previous names of an already rotated row."""
    storage = private_storage()
    removed = 0
    for field in (row.file, row.thumbnail):
        if not field.name:
            continue
        for name in earlier_names(field.name, keys):
            if storage.exists(name):
                storage.delete(name)
                removed += 1
    return removed


class Command(BaseCommand):
    help = "Re-encrypt every stored prescription file with the newest key (resumable)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=200)

    def handle(self, *args, **options):
        with all_pharmacies():  # every pharmacy's files are re-encrypted
            self.rotate(options)

    def rotate(self, options):
        keys = list(settings.OFFICINE_FILE_KEYS)
        if not keys:
            raise CommandError("OFFICINE_FILE_KEYS is empty")
        newest = Fernet(keys[0])
        fingerprint = key_fingerprint(keys[0])
        batch_size = max(1, options["batch_size"])
        rotated = skipped = cleaned = 0
        failures: list[str] = []
        last_pk = 0
        while True:
            batch = list(
                PrescriptionFile.objects.filter(pk__gt=last_pk).order_by("pk")[:batch_size]
            )
            if not batch:
                break
            for row in batch:
                last_pk = row.pk
                if row.key_fingerprint == fingerprint:
                    skipped += 1
                    cleaned += clean_earlier_copies(row, keys)
                    continue
                try:
                    if rotate_row(row, keys, newest, fingerprint):
                        rotated += 1
                except (ChecksumMismatch, InvalidToken, OSError) as exc:
                    failures.append(f"file {row.pk}: {exc or type(exc).__name__}")
                    logger.error("Key rotation failed for file %s: %r", row.pk, exc)
        audit.record(
            audit.AuditAction.KEY_ROTATION,
            object_type="ordonnances.prescriptionfile",
            detail={
                "key": fingerprint,
                "rotated": rotated,
                "already_done": skipped,
                "leftovers_removed": cleaned,
                "failed": len(failures),
            },
        )
        self.stdout.write(
            f"Rotated {rotated} files to key {fingerprint}; {skipped} already done; "
            f"{cleaned} leftover copies removed; {len(failures)} failed."
        )
        if failures:
            for line in failures:
                self.stderr.write(line)
            raise CommandError(f"{len(failures)} files could not be re-encrypted")
