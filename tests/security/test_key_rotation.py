"""rotate_file_keys: killed halfway, run again, every file is on the new key and nothing is left over."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import CommandError, call_command
from django.test import override_settings

from ordonnances.files import generate_key, key_fingerprint
from ordonnances.management.commands import rotate_file_keys
from ordonnances.models import PrescriptionFile
from pharmacies.models import AuditAction, AuditEvent

from .conftest import send_prescription, stored_files

OLD_KEY = "dGVzdC1rZXktb2ZmaWNpbmUtMzItYnl0ZXMtbG9uZyE="  # config.settings.test's key


class Killed(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing in the command can swallow it."""


@pytest.fixture
def six_files(pharmacy_a, client_a):
    for n in range(3):
        send_prescription(client_a, pharmacy_a, last_name=f"Patient{n}")
    rows = list(PrescriptionFile.objects.order_by("pk"))
    assert len(rows) == 6 and all(r.key_fingerprint == key_fingerprint(OLD_KEY) for r in rows)
    return {r.pk: (r.sha256, r.read_decrypted(thumbnail=True)) for r in rows}


def kill_at(stage, nth):
    seen = {"count": 0}

    def hook(current, row):
        if current == stage:
            seen["count"] += 1
            if seen["count"] == nth:
                raise Killed(f"killed at {stage} of file {row.pk}")

    return hook


def referenced_names() -> set[str]:
    return {
        name.rsplit("/", 1)[-1]
        for row in PrescriptionFile.objects.all()
        for name in (row.file.name, row.thumbnail.name)
        if name
    }


def read_with(key, name):
    from ordonnances.models import private_storage

    with private_storage().open(name, "rb") as handle:
        return Fernet(key).decrypt(handle.read())


@pytest.mark.parametrize("stage", ["written", "switched"])
def test_killed_halfway_then_resumed(six_files, monkeypatch, stage):
    new_key = generate_key()
    with override_settings(OFFICINE_FILE_KEYS=[new_key, OLD_KEY]):
        monkeypatch.setattr(rotate_file_keys, "stage_hook", kill_at(stage, 4))
        with pytest.raises(Killed):
            call_command("rotate_file_keys", batch_size=2)
        done = PrescriptionFile.objects.filter(key_fingerprint=key_fingerprint(new_key)).count()
        assert done == (3 if stage == "written" else 4)
        # The kill left a copy behind: a new file not yet referenced, or an old one not yet deleted.
        assert len(stored_files()) > len(referenced_names())

        monkeypatch.setattr(rotate_file_keys, "stage_hook", None)
        call_command("rotate_file_keys", batch_size=2)

    rows = list(PrescriptionFile.objects.order_by("pk"))
    assert all(r.key_fingerprint == key_fingerprint(new_key) for r in rows)
    for row in rows:
        plaintext = read_with(new_key, row.file.name)
        assert hashlib.sha256(plaintext).hexdigest() == row.sha256 == six_files[row.pk][0]
        assert read_with(new_key, row.thumbnail.name) == six_files[row.pk][1]
        with pytest.raises(InvalidToken):
            read_with(OLD_KEY, row.file.name)
    # Readable by the application with the new key alone: the old one can be retired.
    with override_settings(OFFICINE_FILE_KEYS=[new_key]):
        assert all(r.read_decrypted() for r in rows)
    # No orphan: the storage holds exactly the referenced files.
    assert {p.name for p in stored_files()} == referenced_names()
    assert len(stored_files()) == 12
    last = AuditEvent.objects.filter(action=AuditAction.KEY_ROTATION).order_by("-pk").first()
    assert last.detail["failed"] == 0 and last.detail["rotated"] + last.detail["already_done"] == 6


def test_rerun_after_a_complete_rotation_changes_nothing(six_files):
    new_key = generate_key()
    with override_settings(OFFICINE_FILE_KEYS=[new_key, OLD_KEY]):
        call_command("rotate_file_keys")
        names = referenced_names()
        call_command("rotate_file_keys")
    assert referenced_names() == names
    event = AuditEvent.objects.filter(action=AuditAction.KEY_ROTATION).order_by("-pk").first()
    assert event.detail["rotated"] == 0 and event.detail["already_done"] == 6


def test_checksum_mismatch_leaves_the_file_untouched_and_fails(six_files):
    tampered = PrescriptionFile.objects.order_by("pk").first()
    PrescriptionFile.objects.filter(pk=tampered.pk).update(sha256="0" * 64)
    new_key = generate_key()
    with override_settings(OFFICINE_FILE_KEYS=[new_key, OLD_KEY]):
        with pytest.raises(CommandError, match="1 files could not be re-encrypted"):
            call_command("rotate_file_keys")
    tampered.refresh_from_db()
    assert tampered.key_fingerprint == key_fingerprint(OLD_KEY)
    assert read_with(OLD_KEY, tampered.file.name)
    others = PrescriptionFile.objects.exclude(pk=tampered.pk)
    assert all(r.key_fingerprint == key_fingerprint(new_key) for r in others)
    assert {p.name for p in stored_files()} == referenced_names()
