"""Every adversarial file of the fileset sent through the real HTTP form, as a phone would."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from PIL import Image

from ordonnances import kept
from ordonnances.files import FileRejected, decrypt, sanitise_upload
from ordonnances.models import FileKind, Prescription, PrescriptionFile
from pharmacies.models import AuditAction, AuditEvent

from . import filesets
from .conftest import stored_files

SMALL_LIMIT = 300_000

ACCEPTED = {
    "jpeg_with_gps_exif": ("photo.jpg", filesets.jpeg_with_gps_exif, "image/jpeg"),
    "rotated_jpeg": ("photo.jpg", filesets.rotated_jpeg, "image/jpeg"),
    "heic_photo": ("IMG_0001.HEIC", filesets.heic_photo, "image/jpeg"),
    "clean_pdf": ("ordonnance.pdf", filesets.clean_pdf, "application/pdf"),
    "plain_png": ("capture.png", filesets.plain_png, "image/png"),
}
REFUSED = {
    "pdf_with_javascript": ("ordonnance.pdf", filesets.pdf_with_javascript),
    "png_decompression_bomb": ("scan.png", filesets.png_decompression_bomb),
    "exe_renamed_jpg": ("ordonnance.jpg", filesets.exe_renamed_jpg),
    "html_behind_jpeg_header": ("ordonnance.jpg", filesets.html_behind_jpeg_header),
    "svg_with_script": ("ordonnance.svg", filesets.svg_with_script),
    "truncated_jpeg": ("photo.jpg", filesets.truncated_jpeg),
    "oversized": ("photo.jpg", lambda: filesets.oversized(SMALL_LIMIT)),
}


@pytest.fixture(autouse=True)
def small_upload_limit(settings):
    settings.OFFICINE_UPLOAD_MAX_BYTES = SMALL_LIMIT


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_accepted_files_are_stored_encrypted_and_clean(name, patient_a, admin_client_a):
    filename, make, served_type = ACCEPTED[name]
    original = make()
    response = patient_a.send(files=[SimpleUploadedFile(filename, original, "image/jpeg")])
    assert response.status_code == 303

    row = PrescriptionFile.objects.get()
    assert row.content_type == served_type
    on_disk = stored_files()
    assert len(on_disk) == (1 if served_type == "application/pdf" else 2)  # + thumbnail
    for path in on_disk:
        raw = path.read_bytes()
        assert not raw.startswith((b"\xff\xd8", b"\x89PNG", b"%PDF", b"\x00\x00\x00"))
        assert all(marker not in raw for marker in filesets.PRIVATE_MARKERS)
        assert filename.encode() not in raw and filename not in str(path)
    with row.file.storage.open(row.file.name) as stored:
        assert decrypt(stored.read(), settings.OFFICINE_FILE_KEYS)

    download = admin_client_a.get(reverse("prescriptions:file", args=[row.pk]) + "?download=1")
    assert download.status_code == 200
    assert download["Content-Type"] == served_type
    body = download.content
    if served_type == "application/pdf":
        assert body == original
        return
    assert all(marker not in body for marker in filesets.PRIVATE_MARKERS)
    with Image.open(io.BytesIO(body)) as img:
        assert not img.getexif()
        assert "exif" not in img.info and "icc_profile" not in img.info
        assert not img.info.get("comment") and "xmp" not in img.info
        if name == "rotated_jpeg":
            assert img.size == (200, 300)
            red_top = img.convert("RGB").getpixel((100, 20))
            blue_bottom = img.convert("RGB").getpixel((100, 280))
            assert red_top[0] > 200 and red_top[2] < 60
            assert blue_bottom[2] > 200 and blue_bottom[0] < 60


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_files_store_nothing_and_say_why(name, patient_a):
    filename, make = REFUSED[name]
    data = make()
    with pytest.raises(FileRejected) as rejected:
        sanitise_upload(data, max_bytes=SMALL_LIMIT, max_pixels=settings.OFFICINE_UPLOAD_MAX_PIXELS)
    good = SimpleUploadedFile("page1.jpg", filesets.jpeg_with_gps_exif(), "image/jpeg")
    response = patient_a.send(files=[good, SimpleUploadedFile(filename, data, "image/jpeg")])
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(rejected.value.message) in html
    assert escape(filename) in html  # the patient sees which file is wrong
    assert 'value="Jeanne"' in html
    assert not Prescription.objects.exists()
    assert not PrescriptionFile.objects.exists()
    assert stored_files() == []


def test_empty_file_refused_in_french(patient_a):
    response = patient_a.send(files=[SimpleUploadedFile("vide.jpg", b"", "image/jpeg")])
    assert response.status_code == 200
    assert "Ce fichier est vide" in response.content.decode()
    assert not Prescription.objects.exists()
    assert stored_files() == []


def test_refused_card_photo_refuses_the_whole_submission(patient_a):
    response = patient_a.send(
        extra_files={"carte_vitale": SimpleUploadedFile("cv.jpg", filesets.exe_renamed_jpg())}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "n&#x27;est pas une image ou un PDF lisible" in html
    assert not Prescription.objects.exists()
    # The page that passed waits for the next try; the refused card is nowhere.
    assert "1 fichier déjà reçu" in html
    assert [p.parent.name for p in stored_files()] == [kept.FOLDER]


def test_cards_and_pages_are_kept_apart(patient_a, admin_client_a):
    response = patient_a.send(
        files=[
            SimpleUploadedFile("p1.jpg", filesets.jpeg_with_gps_exif()),
            SimpleUploadedFile("p2.png", filesets.plain_png()),
        ],
        extra_files={
            "carte_vitale": SimpleUploadedFile("cv.heic", filesets.heic_photo()),
            "mutuelle": SimpleUploadedFile("mut.pdf", filesets.clean_pdf()),
        },
    )
    assert response.status_code == 303
    prescription = Prescription.objects.get()
    kinds = list(prescription.files.order_by("kind", "position").values_list("kind", "position"))
    assert kinds == [
        (FileKind.CARTE_VITALE, 0),
        (FileKind.MUTUELLE, 0),
        (FileKind.PAGE, 0),
        (FileKind.PAGE, 1),
    ]
    assert len(stored_files()) == 4 + 3  # four files, a thumbnail for each image (not the PDF)


def test_storage_failure_leaves_no_orphan_file(patient_a, monkeypatch):
    """If the database write fails after files were written, those files are removed again."""
    from ordonnances import services

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services.StatusChange.objects, "create", broken)
    with pytest.raises(RuntimeError):
        patient_a.send(files=[SimpleUploadedFile("p1.jpg", filesets.jpeg_with_gps_exif())])
    assert not Prescription.objects.exists()
    assert stored_files() == []


def test_file_view_headers_and_audit(patient_a, admin_client_a, staff_a):
    patient_a.send()
    row = PrescriptionFile.objects.get()
    url = reverse("prescriptions:file", args=[row.pk])
    inline = admin_client_a.get(url, REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Firefox/140")
    assert inline["X-Content-Type-Options"] == "nosniff"
    assert {"private", "no-store"} <= {v.strip() for v in inline["Cache-Control"].split(",")}
    assert inline["Content-Disposition"].startswith("inline;")
    download = admin_client_a.get(url + "?download=1")
    assert download["Content-Disposition"] == (
        f'attachment; filename="{row.prescription.reference}-page-1.jpg"'
    )
    thumb = admin_client_a.get(url + "?thumb=1")
    assert thumb["Content-Type"] == "image/jpeg"
    logs = list(
        AuditEvent.objects.filter(object_type="ordonnances.prescriptionfile").order_by("pk")
    )
    assert [(log.action, log.detail["thumbnail"]) for log in logs] == [
        (AuditAction.FILE_VIEW, False),
        (AuditAction.FILE_DOWNLOAD, False),
        (AuditAction.FILE_VIEW, True),
    ]
    assert logs[0].actor == staff_a and logs[0].ip_address == "203.0.113.7"
    assert logs[0].pharmacy == row.prescription.pharmacy and logs[0].object_id == str(row.pk)
    assert logs[0].detail["file"] == row.download_name
    assert logs[0].detail["user_agent"] == "Firefox/140"
    with pytest.raises(PermissionError):
        logs[0].delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(action=AuditAction.FILE_VIEW)


def test_file_access_log_keeps_the_real_address_behind_the_proxy(
    patient_a, admin_client_a, settings
):
    """Behind nginx every request comes from 127.0.0.1: the log must name the pharmacist's address,
    and an address the client added itself to X-Forwarded-For must not replace it."""
    settings.OFFICINE_TRUSTED_PROXY_COUNT = 1
    patient_a.send()
    row = PrescriptionFile.objects.get()
    url = reverse("prescriptions:file", args=[row.pk])
    admin_client_a.get(url, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.23")
    log = AuditEvent.objects.get(action=AuditAction.FILE_VIEW)
    assert log.ip_address == "198.51.100.23"
