"""Tests of ordonnances.files: what a patient's upload turns into, or why it is refused.

Pure tests, no Django: run with ``pytest -p no:django tests/ordonnances/test_files.py``.
"""

import io
import pickle
import random
import struct

import pytest
from PIL import Image

from ordonnances.files import (
    CleanFile,
    FileRejected,
    InvalidToken,
    decrypt,
    encrypt,
    generate_key,
    make_thumbnail,
    rotate,
    sanitise_upload,
)
from tests.ordonnances import filesets as fs

METADATA_KEYS = {"exif", "comment", "xmp", "XML:com.adobe.xmp", "icc_profile", "Author"}


def reject_code(data, **limits):
    with pytest.raises(FileRejected) as excinfo:
        sanitise_upload(data, **limits)
    return excinfo.value.code


def png_chunk_types(data: bytes) -> list[bytes]:
    types, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        types.append(data[pos + 4 : pos + 8])
        pos += 12 + length
    return types


def assert_no_metadata(clean: CleanFile):
    with Image.open(io.BytesIO(clean.content)) as img:
        assert len(img.getexif()) == 0
        assert not METADATA_KEYS & set(img.info), img.info.keys()
        assert img.size == (clean.width, clean.height)
    for marker in fs.PRIVATE_MARKERS:
        assert marker not in clean.content
    if clean.content_type == "image/png":
        allowed = {b"IHDR", b"PLTE", b"IDAT", b"IEND"}
        assert set(png_chunk_types(clean.content)) <= allowed


# --- accepted images ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "content_type", "extension", "size"),
    [
        (fs.jpeg_with_gps_exif, "image/jpeg", ".jpg", (320, 240)),
        (fs.heic_photo, "image/jpeg", ".jpg", (320, 240)),
        (fs.webp_photo, "image/jpeg", ".jpg", (320, 240)),
        (fs.cmyk_jpeg, "image/jpeg", ".jpg", (160, 120)),
        (fs.mpo_photo, "image/jpeg", ".jpg", (160, 120)),
        (fs.plain_png, "image/png", ".png", (200, 100)),
        (fs.palette_png, "image/png", ".png", (120, 80)),
        (fs.grayscale_16bit_png, "image/png", ".png", (64, 64)),
    ],
)
def test_images_are_reencoded_without_metadata(make, content_type, extension, size):
    clean = sanitise_upload(make())

    assert (clean.content_type, clean.extension) == (content_type, extension)
    assert (clean.width, clean.height, clean.pages) == (*size, None)
    expected_format = {"image/jpeg": "JPEG", "image/png": "PNG"}[content_type]
    with Image.open(io.BytesIO(clean.content)) as img:
        assert img.format == expected_format
        assert img.mode in ("L", "RGB", "P")
    assert_no_metadata(clean)


def test_sha256_is_of_the_clean_bytes():
    import hashlib

    clean = sanitise_upload(fs.jpeg_with_gps_exif())
    assert clean.sha256 == hashlib.sha256(clean.content).hexdigest()


def test_exif_orientation_is_applied_then_dropped():
    clean = sanitise_upload(fs.rotated_jpeg())

    assert (clean.width, clean.height) == (200, 300)
    with Image.open(io.BytesIO(clean.content)) as img:
        top, bottom = img.getpixel((100, 10)), img.getpixel((100, 290))
    assert top[0] > 200 and top[2] < 60, top
    assert bottom[2] > 200 and bottom[0] < 60, bottom
    assert_no_metadata(clean)


def test_heic_becomes_jpeg():
    data = fs.heic_photo()
    assert data[4:12] == b"ftypheic"

    clean = sanitise_upload(data)

    assert clean.content.startswith(b"\xff\xd8\xff")
    assert clean.content_type == "image/jpeg"


def test_transparency_is_flattened_on_white():
    clean = sanitise_upload(fs.png_with_alpha())

    with Image.open(io.BytesIO(clean.content)) as img:
        assert img.mode == "RGB"
        assert img.getpixel((10, 10)) == (255, 255, 255)
        assert img.getpixel((75, 25)) == (20, 40, 200)


def test_longest_side_is_downscaled_to_max_side():
    clean = sanitise_upload(fs.large_jpeg(1200, 600), max_side=400)

    assert (clean.width, clean.height) == (400, 200)
    with Image.open(io.BytesIO(clean.content)) as img:
        assert img.size == (400, 200)


def test_jpeg_may_be_scaled_by_the_decoder_down_to_the_floor():
    clean = sanitise_upload(fs.large_jpeg(1000, 800), max_side=600)

    assert (clean.width, clean.height) == (500, 400)


def test_png_is_resampled_to_exactly_max_side():
    clean = sanitise_upload(fs.plain_png(), max_side=150)

    assert (clean.width, clean.height) == (150, 75)


def test_downscale_keeps_orientation():
    clean = sanitise_upload(fs.rotated_jpeg(), max_side=150)

    assert (clean.width, clean.height) == (100, 150)


def test_small_images_are_not_upscaled():
    clean = sanitise_upload(fs.large_jpeg(300, 200), max_side=2500)

    assert (clean.width, clean.height) == (300, 200)


def test_clean_output_is_accepted_again():
    clean = sanitise_upload(fs.jpeg_with_gps_exif())

    again = sanitise_upload(clean.content)

    assert (again.width, again.height) == (clean.width, clean.height)


def test_accepts_a_file_like_object_and_rewinds_it():
    upload = io.BytesIO(fs.jpeg_with_gps_exif())
    upload.seek(100)

    clean = sanitise_upload(upload)

    assert clean.content_type == "image/jpeg"


def test_reads_at_most_max_bytes_plus_one():
    class CountingReader(io.BytesIO):
        consumed = 0

        def read(self, size=-1):
            chunk = super().read(size)
            self.consumed += len(chunk)
            return chunk

    upload = CountingReader(fs.oversized(10_000) + b"\x00" * 1_000_000)

    with pytest.raises(FileRejected) as excinfo:
        sanitise_upload(upload, max_bytes=10_000)

    assert excinfo.value.code == "too_large"
    assert upload.consumed == 10_001


# --- refused uploads ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (fs.empty, "empty"),
        (fs.exe_renamed_jpg, "unsupported"),
        (fs.html_behind_jpeg_header, "unsupported"),
        (fs.svg_with_script, "unsupported"),
        (fs.gif_image, "unsupported"),
        (fs.bmp_image, "unsupported"),
        (fs.tiff_image, "unsupported"),
        (fs.text_file, "unsupported"),
        (fs.zip_archive, "unsupported"),
        (fs.truncated_jpeg, "corrupt"),
        (fs.png_decompression_bomb, "too_many_pixels"),
        (fs.encrypted_pdf, "pdf_encrypted"),
        (fs.truncated_pdf, "corrupt"),
        (fs.pdf_header_then_garbage, "corrupt"),
        (fs.pdf_with_javascript, "pdf_active_content"),
        (fs.pdf_with_javascript_name_tree, "pdf_active_content"),
        (fs.pdf_with_hex_escaped_javascript, "pdf_active_content"),
        (fs.pdf_with_orphan_javascript, "pdf_active_content"),
        (fs.pdf_with_javascript_in_object_stream, "pdf_active_content"),
        (fs.pdf_with_embedded_file, "pdf_active_content"),
        (fs.pdf_with_launch, "pdf_active_content"),
        (fs.pdf_with_page_additional_action, "pdf_active_content"),
        (fs.pdf_with_uri_open_action, "pdf_active_content"),
        (fs.pdf_with_xfa, "pdf_active_content"),
        (fs.pdf_with_rich_media, "pdf_active_content"),
    ],
)
def test_refused(make, code):
    assert reject_code(make()) == code


def test_oversized_is_refused_before_parsing():
    assert reject_code(fs.oversized(50_000), max_bytes=50_000) == "too_large"
    assert sanitise_upload(fs.oversized(50_000)[:50_000], max_bytes=50_000).content


def test_too_large_message_states_the_limit():
    with pytest.raises(FileRejected) as excinfo:
        sanitise_upload(fs.oversized(10 * 1024 * 1024))

    assert excinfo.value.message == "Ce fichier dépasse la taille maximale de 10\u00a0Mo."


def test_pixel_limit_is_checked_from_the_header():
    assert reject_code(fs.large_jpeg(300, 200), max_pixels=300 * 200 - 1) == "too_many_pixels"
    assert sanitise_upload(fs.large_jpeg(300, 200), max_pixels=300 * 200).width == 300


def test_bomb_below_pillow_threshold_is_refused_by_our_limit():
    assert reject_code(fs.png_decompression_bomb(7000)) == "too_many_pixels"


def test_javascript_in_object_stream_is_invisible_to_a_raw_scan():
    data = fs.pdf_with_javascript_in_object_stream()

    assert b"JavaScript" not in data
    assert reject_code(data) == "pdf_active_content"


def test_rejection_has_code_french_message_and_english_log_text():
    with pytest.raises(FileRejected) as excinfo:
        sanitise_upload(fs.svg_with_script())

    exc = excinfo.value
    assert exc.code == "unsupported"
    assert exc.message.startswith("Ce fichier n'est pas une image ou un PDF lisible.")
    assert "JPEG, PNG, WebP, HEIC, PDF" in exc.message
    assert str(exc).startswith("unsupported: ")


def test_rejection_survives_pickling():
    with pytest.raises(FileRejected) as excinfo:
        sanitise_upload(fs.oversized(1000), max_bytes=1000)

    copy = pickle.loads(pickle.dumps(excinfo.value))

    assert (copy.code, copy.message, str(copy)) == (
        "too_large",
        excinfo.value.message,
        str(excinfo.value),
    )


def test_mutated_files_are_either_clean_or_rejected():
    """Whatever a damaged upload looks like, callers only ever see FileRejected."""
    rng = random.Random(20250115)
    seeds = [
        fs.jpeg_with_gps_exif(),
        fs.plain_png(),
        fs.webp_photo(),
        fs.heic_photo(),
        fs.clean_pdf(),
        fs.pdf_with_javascript_in_object_stream(),
        fs.pdf_with_launch(),
    ]
    for _ in range(300):
        data = bytearray(rng.choice(seeds))
        if rng.random() < 0.5:
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        else:
            data = data[: rng.randrange(1, len(data))]
        try:
            clean = sanitise_upload(bytes(data))
        except FileRejected:
            continue
        assert clean.content_type in ("image/jpeg", "image/png", "application/pdf")


# --- PDFs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "pages"),
    [
        (fs.clean_pdf, 1),
        (lambda: fs.clean_pdf(pages=3), 3),
        (fs.pdf_open_at_first_page, 1),
        (fs.pdf_with_uri_link, 1),
    ],
)
def test_clean_pdfs_are_kept_byte_for_byte(make, pages):
    data = make()

    clean = sanitise_upload(data)

    assert clean.content == data
    assert (clean.content_type, clean.extension, clean.pages) == ("application/pdf", ".pdf", pages)
    assert (clean.width, clean.height) == (None, None)


def test_pdf_is_detected_by_content_not_name():
    clean = sanitise_upload(io.BytesIO(fs.clean_pdf()))

    assert clean.content_type == "application/pdf"


# --- thumbnails -----------------------------------------------------------------------------


def test_thumbnail_of_an_image_is_a_small_jpeg():
    clean = sanitise_upload(fs.large_jpeg(1200, 600))

    thumb = make_thumbnail(clean.content, clean.content_type, size=100)

    with Image.open(io.BytesIO(thumb)) as img:
        assert img.format == "JPEG"
        assert img.size == (100, 50)
        assert len(img.getexif()) == 0


def test_thumbnail_of_a_png_with_palette():
    clean = sanitise_upload(fs.palette_png())

    thumb = make_thumbnail(clean.content, clean.content_type, size=60)

    with Image.open(io.BytesIO(thumb)) as img:
        assert (img.format, img.mode, img.size) == ("JPEG", "RGB", (60, 40))


def test_no_thumbnail_for_pdf():
    assert make_thumbnail(fs.clean_pdf(), "application/pdf") is None


# --- encryption -----------------------------------------------------------------------------


@pytest.fixture
def photo():
    return sanitise_upload(fs.jpeg_with_gps_exif()).content


def test_encrypt_decrypt_round_trip(photo):
    key = generate_key()

    token = encrypt(photo, [key])

    assert decrypt(token, [key]) == photo


@pytest.mark.parametrize("make", [fs.jpeg_with_gps_exif, fs.clean_pdf])
def test_ciphertext_reveals_neither_type_nor_content(make):
    plaintext = sanitise_upload(make()).content

    token = encrypt(plaintext, [generate_key()])

    assert not token.startswith((b"\xff\xd8", b"%PDF", b"\x89PNG"))
    for start in range(0, len(plaintext) - 16, max(1, len(plaintext) // 20)):
        assert plaintext[start : start + 16] not in token
    assert b"Ordonnance" not in token


def test_encryption_is_randomised(photo):
    key = generate_key()

    assert encrypt(photo, [key]) != encrypt(photo, [key])


def test_key_rotation(photo):
    old, new = generate_key(), generate_key()
    old_token = encrypt(photo, [old])

    assert decrypt(old_token, [new, old]) == photo
    with pytest.raises(InvalidToken):
        decrypt(old_token, [new])

    rotated = rotate(old_token, [new, old])

    assert decrypt(rotated, [new]) == photo
    with pytest.raises(InvalidToken):
        decrypt(rotated, [old])


def test_new_tokens_use_the_first_key(photo):
    old, new = generate_key(), generate_key()

    token = encrypt(photo, [new, old])

    assert decrypt(token, [new]) == photo


def test_tampered_token_is_refused(photo):
    key = generate_key()
    token = bytearray(encrypt(photo, [key]))
    middle = len(token) // 2
    token[middle] = ord("A") if token[middle] != ord("A") else ord("B")

    with pytest.raises(InvalidToken):
        decrypt(bytes(token), [key])


def test_wrong_key_is_refused(photo):
    with pytest.raises(InvalidToken):
        decrypt(encrypt(photo, [generate_key()]), [generate_key()])


def test_keys_must_be_a_non_empty_list(photo):
    key = generate_key()
    with pytest.raises(TypeError):
        encrypt(photo, key)
    with pytest.raises(ValueError):
        encrypt(photo, [])
    with pytest.raises(ValueError):
        encrypt(photo, ["not-a-key"])
