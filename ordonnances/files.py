"""Validation, sanitisation and encryption of uploaded prescription files.

Patients upload photos and PDFs of their prescriptions: health data coming from an
untrusted phone. Everything here is deliberately free of Django (no request, no ORM,
no settings): limits and keys are parameters, so the same code runs in a view, a
Celery task, a management command or a benchmark.

What comes out of :func:`sanitise_upload` is safe to store and to show to a
pharmacist:

* the type is decided by the bytes, never by the file name or the browser's claim;
* images are checked against a pixel limit from their header (decompression bombs),
  decoded entirely (truncated files), turned upright, downscaled and re-encoded, so no
  EXIF/GPS/XMP/ICC/comment and no polyglot payload survives;
* PDFs are kept byte for byte but only if they carry no active content (scripts,
  launch actions, attachments, XFA, rich media) and are not encrypted.

Output formats: JPEG, HEIC and WebP sources become JPEG (quality 85), which every
browser and pharmacy workstation displays. PNG sources stay PNG: they are nearly
always screenshots or scans of e-prescriptions, whose small text JPEG would smear,
and PNG compresses those well.

Encryption uses Fernet (AES-128-CBC + HMAC-SHA256, authenticated) through
``MultiFernet`` so keys can be rotated: the first key encrypts, every key decrypts.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

import pillow_heif
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NullObject,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PIXELS",
    "DEFAULT_MAX_SIDE",
    "CleanFile",
    "FileRejected",
    "InvalidToken",
    "decrypt",
    "encrypt",
    "generate_key",
    "key_fingerprint",
    "make_thumbnail",
    "rotate",
    "sanitise_upload",
]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_MAX_SIDE = 2500

JPEG_QUALITY = 85
# JPEG photos may be scaled by 1/2, 1/4 or 1/8 inside libjpeg, down to this fraction of
# max_side, before any resampling: a 12 Mpx photo (4000 px) is decoded straight to
# 2000 px, several times cheaper in time and memory than decoding in full and resampling
# to 2500 px. Set to 1.0 to always get as close to max_side as possible.
JPEG_DRAFT_FLOOR = 0.8
THUMBNAIL_QUALITY = 80

_IMAGE_FORMATS = ["JPEG", "PNG", "WEBP", "HEIF"]
_CLEAN_IMAGE_FORMATS = ["JPEG", "PNG", "WEBP"]

# Thumbnails, depth maps and auxiliary images of a HEIC are never used: skip parsing them.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)


_NBSP = "\u00a0"

_MESSAGES = {
    "empty": "Ce fichier est vide. Choisissez une photo ou un PDF de votre ordonnance.",
    "too_large": "Ce fichier dépasse la taille maximale de {limit}" + _NBSP + "Mo.",
    "unsupported": (
        "Ce fichier n'est pas une image ou un PDF lisible. Formats acceptés"
        + _NBSP
        + ": JPEG, PNG, WebP, HEIC, PDF."
    ),
    "corrupt": "Ce fichier semble incomplet ou endommagé. Réessayez avec une autre photo.",
    "too_many_pixels": (
        "Cette image est trop grande (trop de pixels). Reprenez la photo en qualité normale."
    ),
    "pdf_active_content": (
        "Ce PDF contient des éléments actifs (scripts, pièces jointes) et ne peut pas être accepté."
    ),
    "pdf_encrypted": (
        "Ce PDF est protégé par un mot de passe. Envoyez une version sans mot de passe "
        "ou une photo de l'ordonnance."
    ),
}


class FileRejected(Exception):
    """An upload that must not be stored, with everything needed to tell the patient why.

    ``code`` is stable and meant for code, metrics and tests; ``message`` is French and
    shown to the patient as is; ``str(exc)`` is English and meant for logs (it may
    mention internals the patient does not need to see).
    """

    def __init__(self, code: str, detail: str, *, message: str | None = None):
        if code not in _MESSAGES:
            raise ValueError(f"unknown rejection code {code!r}")
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.message = message or _MESSAGES[code]

    def __reduce__(self):
        # Keeps the exception picklable (Celery results, multiprocessing) despite the
        # keyword-only message.
        return (self.__class__, (self.code, self.detail), {"message": self.message})


@dataclass(frozen=True)
class CleanFile:
    """A sanitised upload, ready to be encrypted and stored.

    ``content`` is what must be stored (never the original upload); ``sha256`` is of
    those clean bytes, for deduplication and integrity checks after decryption.
    """

    content: bytes = field(repr=False)
    content_type: str
    extension: str
    width: int | None
    height: int | None
    pages: int | None
    sha256: str


def sanitise_upload(
    data: bytes | bytearray | memoryview | BinaryIO,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_side: int = DEFAULT_MAX_SIDE,
) -> CleanFile:
    """Validate an upload by its content and return a clean copy, or raise FileRejected.

    ``data`` may be bytes or a binary file-like object (a Django ``UploadedFile``
    works); a seekable file is rewound first and at most ``max_bytes + 1`` bytes are
    read, so an oversized upload is refused without being loaded.

    Images come out with their longest side at most ``max_side``; JPEG sources may come
    out smaller, down to ``JPEG_DRAFT_FLOOR * max_side``, when libjpeg's own scaling
    gets there (a 4000x3000 photo becomes 2000x1500). Images are never upscaled.
    """
    raw = _read_limited(data, max_bytes)
    if not raw:
        raise FileRejected("empty", "upload is empty")
    if len(raw) > max_bytes:
        raise FileRejected(
            "too_large",
            f"upload exceeds {max_bytes} bytes",
            message=_MESSAGES["too_large"].format(limit=_format_megabytes(max_bytes)),
        )
    if raw.startswith(b"%PDF-"):
        return _sanitise_pdf(raw)
    return _sanitise_image(raw, max_pixels=max_pixels, max_side=max_side)


def _read_limited(data: bytes | bytearray | memoryview | BinaryIO, max_bytes: int) -> bytes:
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data[: max_bytes + 1])
    seekable = getattr(data, "seekable", None)
    if seekable is not None and seekable():
        data.seek(0)
    chunks = []
    remaining = max_bytes + 1
    while remaining > 0:
        chunk = data.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _format_megabytes(n_bytes: int) -> str:
    return f"{n_bytes / (1024 * 1024):.1f}".removesuffix(".0").replace(".", ",")


# --- Images -----------------------------------------------------------------------------


def _sanitise_image(raw: bytes, *, max_pixels: int, max_side: int) -> CleanFile:
    # Pillow warns between MAX_IMAGE_PIXELS and twice that, and raises above; clamping
    # our limit to its threshold turns the warning zone into a refusal as well, without
    # touching the process-wide (and not thread-safe) warning filters.
    pillow_limit = Image.MAX_IMAGE_PIXELS
    pixel_limit = min(max_pixels, pillow_limit) if pillow_limit else max_pixels
    try:
        img = Image.open(io.BytesIO(raw), formats=_IMAGE_FORMATS)
    except Image.DecompressionBombError as exc:
        raise FileRejected("too_many_pixels", f"Pillow refused the image: {exc}") from exc
    except UnidentifiedImageError as exc:
        raise FileRejected("unsupported", "not a JPEG, PNG, WebP, HEIF image or PDF") from exc
    except Exception as exc:
        raise FileRejected("unsupported", f"unreadable image header: {exc!r}") from exc

    with img:
        width, height = img.size
        if width * height > pixel_limit:
            raise FileRejected("too_many_pixels", f"{width}x{height} exceeds {pixel_limit} pixels")
        source_format = img.format
        keep_png = source_format == "PNG"
        if source_format in ("JPEG", "MPO"):
            _draft(img, max_side * JPEG_DRAFT_FLOOR)
        try:
            img.load()
            clean_img = _normalise(
                img,
                max_side=max_side,
                keep_palette=keep_png,
                resample=Image.Resampling.LANCZOS if keep_png else Image.Resampling.BOX,
            )
        except Image.DecompressionBombError as exc:
            raise FileRejected("too_many_pixels", f"Pillow refused the image: {exc}") from exc
        except Exception as exc:
            raise FileRejected("corrupt", f"{source_format} failed to decode: {exc!r}") from exc

    if keep_png:
        content, content_type, extension = _encode(clean_img, "PNG"), "image/png", ".png"
    else:
        content, content_type, extension = _encode(clean_img, "JPEG"), "image/jpeg", ".jpg"
    return CleanFile(
        content=content,
        content_type=content_type,
        extension=extension,
        width=clean_img.width,
        height=clean_img.height,
        pages=None,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def _draft(img: Image.Image, min_longest_side: float) -> None:
    """Let libjpeg scale down by a power of two while the longest side stays above the floor.

    Must run before ``load()``. The requested box keeps the image's aspect ratio because
    Pillow picks the scale from the smaller of the two per-axis ratios.
    """
    longest = max(img.size)
    if longest <= min_longest_side:
        return
    ratio = min_longest_side / longest
    img.draft(None, (math.ceil(img.width * ratio), math.ceil(img.height * ratio)))


_SIXTEEN_BIT_MODES = frozenset({"I", "I;16", "I;16L", "I;16B", "I;16N"})


def _normalise(
    source: Image.Image,
    *,
    max_side: int,
    keep_palette: bool,
    resample: Image.Resampling = Image.Resampling.LANCZOS,
) -> Image.Image:
    """Return a new upright, opaque, downscaled 8-bit image the encoders accept.

    Photos are downscaled with a box filter (area averaging, like the JPEG decoder's own
    DCT scaling): about three times cheaper than Lanczos on a 12 Mpx photo and just as
    legible at these ratios. PNG screenshots and scans keep Lanczos for crisper text.
    Never returns ``source`` itself: the caller closes the opened file, and image
    plugins (pillow-heif's in particular) may reload pixels on their own objects.
    Downscaling happens before the EXIF rotation: the bounding box is a square, so the
    result is the same and the rotation works on fewer pixels.
    """
    img = source
    if img.mode in _SIXTEEN_BIT_MODES:
        img = img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if _has_alpha(img):
        img = _flatten_on_white(img)
    too_big = max(img.size) > max_side
    if img.mode not in ("L", "RGB") and not (img.mode == "P" and keep_palette and not too_big):
        img = img.convert("L" if img.mode == "1" else "RGB")
    if too_big:
        scale = max_side / max(img.size)
        size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
        img = img.resize(size, resample)
    if img is source:
        img = source.copy()
    ImageOps.exif_transpose(img, in_place=True)
    return img


def _has_alpha(img: Image.Image) -> bool:
    return img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info


def _flatten_on_white(img: Image.Image) -> Image.Image:
    """Transparent pixels turn black once alpha is dropped; a white sheet reads better."""
    rgba = img.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    background.info = dict(img.info)
    return background


def _encode(img: Image.Image, fmt: str, quality: int = JPEG_QUALITY) -> bytes:
    # Encoders fall back to img.info for comments, ICC profiles and transparency:
    # emptying it is what guarantees no metadata is carried over.
    img.info = {}
    out = io.BytesIO()
    if fmt == "JPEG":
        img.save(out, "JPEG", quality=quality, optimize=True)
    else:
        img.save(out, "PNG", compress_level=6)
    return out.getvalue()


def make_thumbnail(clean_bytes: bytes, content_type: str, size: int = 400) -> bytes | None:
    """Small JPEG preview of an already sanitised image, for lists in the pharmacy back office.

    Returns None for PDFs: rendering PDFs server-side would need a PDF rasteriser, a
    much larger attack surface than the preview is worth.
    """
    if content_type == "application/pdf":
        return None
    if content_type not in ("image/jpeg", "image/png", "image/webp"):
        raise ValueError(f"no thumbnail for {content_type!r}")
    with Image.open(io.BytesIO(clean_bytes), formats=_CLEAN_IMAGE_FORMATS) as img:
        if img.format == "JPEG":
            _draft(img, size)
        img.load()
        thumb = _normalise(img, max_side=size, keep_palette=False)
    return _encode(thumb, "JPEG", quality=THUMBNAIL_QUALITY)


# --- PDFs -------------------------------------------------------------------------------

# Keys whose mere presence means the document can do something on its own.
_PDF_FORBIDDEN_KEYS = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/AA",
        "/Launch",
        "/EmbeddedFiles",
        "/EmbeddedFile",
        "/EF",
        "/XFA",
        "/RichMedia",
        "/RichMediaContent",
        "/RichMediaSettings",
    }
)
_PDF_FORBIDDEN_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/ImportData",
        "/SubmitForm",
        "/GoToR",
        "/GoToE",
        "/RichMediaExecute",
        "/Rendition",
    }
)
_PDF_FORBIDDEN_TYPES = frozenset({"/EmbeddedFile"})
_PDF_FORBIDDEN_SUBTYPES = frozenset({"/RichMedia", "/FileAttachment", "/Movie", "/Sound", "/3D"})
_PDF_MAX_OBJECTS = 200_000
_PDF_CONTAINERS = (DictionaryObject, ArrayObject, IndirectObject)

# The raw scan leaves /OpenAction out: on its own it is usually a harmless "open at page
# 1" destination (LibreOffice writes one); what it could trigger is in this list anyway.
_RAW_FORBIDDEN_NAMES = frozenset(
    {
        b"JS",
        b"JavaScript",
        b"AA",
        b"Launch",
        b"EmbeddedFiles",
        b"EmbeddedFile",
        b"XFA",
        b"RichMedia",
    }
)
_RAW_NAME = re.compile(rb"/((?:[A-Za-z]|#[0-9A-Fa-f]{2}){2,60})(?=[\x00\t\n\f\r ()<>\[\]{}/%]|\Z)")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def _sanitise_pdf(raw: bytes) -> CleanFile:
    try:
        reader = PdfReader(io.BytesIO(raw), strict=False)
        if reader.is_encrypted:
            raise FileRejected("pdf_encrypted", "PDF is encrypted")
        pages = len(reader.pages)
        _check_pdf_structure(reader)
    except FileRejected:
        raise
    except Exception as exc:
        raise FileRejected("corrupt", f"pypdf could not parse the PDF: {exc!r}") from exc
    if pages < 1:
        raise FileRejected("corrupt", "PDF has no pages")
    found = _raw_active_names(raw)
    if found:
        raise FileRejected(
            "pdf_active_content", f"raw scan found {sorted(n.decode() for n in found)}"
        )
    return CleanFile(
        content=raw,
        content_type="application/pdf",
        extension=".pdf",
        width=None,
        height=None,
        pages=pages,
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def _check_pdf_structure(reader: PdfReader) -> None:
    """Walk every object reachable from the catalog and refuse any active content.

    A full walk rather than a list of known places (Names tree, pages, annotations,
    outlines, form fields...) because actions can hang off many of them; it also sees
    objects hidden in compressed object streams, which the raw scan cannot.
    """
    # Start from what pypdf itself uses after any repair (catalog, pages) as well as
    # the trailer, so a damaged /Root cannot hide the catalog from the walk.
    stack: list[object] = [reader.trailer, reader.root_object]
    stack.extend(page.indirect_reference or page for page in reader.pages)
    seen: set[tuple[int, int]] = set()
    visited = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            obj = obj.get_object()
        visited += 1
        if visited > _PDF_MAX_OBJECTS:
            raise FileRejected("corrupt", f"PDF has more than {_PDF_MAX_OBJECTS} objects")
        if isinstance(obj, DictionaryObject):
            for key, value in obj.items():
                _check_pdf_entry(key, value)
                if isinstance(value, _PDF_CONTAINERS):
                    stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(value for value in obj if isinstance(value, _PDF_CONTAINERS))


def _check_pdf_entry(key: str, value: object) -> None:
    if key in _PDF_FORBIDDEN_KEYS:
        raise FileRejected("pdf_active_content", f"PDF contains {key}")
    if key == "/OpenAction":
        _check_open_action(value)
        return
    if not isinstance(value, NameObject):
        return
    if (
        (key == "/S" and value in _PDF_FORBIDDEN_ACTIONS)
        or (key == "/Type" and value in _PDF_FORBIDDEN_TYPES)
        or (key == "/Subtype" and value in _PDF_FORBIDDEN_SUBTYPES)
    ):
        raise FileRejected("pdf_active_content", f"PDF contains {key} {value}")


def _check_open_action(value: object) -> None:
    """Accept an OpenAction that only opens at a page; refuse any action that does more.

    Office suites routinely write ``/OpenAction [page /XYZ ...]`` (a destination);
    refusing those would refuse ordinary prescriptions printed to PDF.
    """
    action = value.get_object() if isinstance(value, IndirectObject) else value
    if action is None or isinstance(action, ArrayObject | NullObject):
        return
    if (
        isinstance(action, DictionaryObject)
        and action.get("/S") == "/GoTo"
        and "/Next" not in action
    ):
        return
    raise FileRejected("pdf_active_content", "PDF has an /OpenAction that is not a GoTo")


def _raw_active_names(raw: bytes) -> set[bytes]:
    """Second line of defence: forbidden names anywhere in the uncompressed bytes.

    Catches what the structural walk does not reach (orphan objects, earlier revisions
    of incrementally updated files, parser disagreements). Names may be written with
    ``#xx`` escapes (``/J#61vaScript``), which are decoded before comparing.
    """
    found = set()
    for match in _RAW_NAME.finditer(raw):
        name = match.group(1)
        if b"#" in name:
            name = _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), name)
        if name in _RAW_FORBIDDEN_NAMES:
            found.add(name)
    return found


# --- Encryption -------------------------------------------------------------------------


def generate_key() -> str:
    """A new random key, in the format expected by :func:`encrypt` (url-safe base64)."""
    return Fernet.generate_key().decode("ascii")


def key_fingerprint(key: str | bytes) -> str:
    """A short public name for a key (never the key itself), stored with what it encrypted."""
    raw = key.encode("ascii") if isinstance(key, str) else bytes(key)
    return hashlib.sha256(b"officine-file-key:" + raw).hexdigest()[:16]


def _multi_fernet(keys: list[str]) -> MultiFernet:
    if isinstance(keys, str | bytes):
        raise TypeError("keys must be a list of keys, newest first, not a single key")
    if not keys:
        raise ValueError("at least one encryption key is required")
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(data: bytes, keys: list[str]) -> bytes:
    """Encrypt and authenticate ``data`` with the first (newest) key; returns a Fernet token."""
    return _multi_fernet(keys).encrypt(bytes(data))


def decrypt(token: bytes, keys: list[str]) -> bytes:
    """Decrypt a token made with any of ``keys``; raises InvalidToken if tampered or unknown."""
    return _multi_fernet(keys).decrypt(bytes(token))


def rotate(token: bytes, keys: list[str]) -> bytes:
    """Re-encrypt a token with the first key, so older keys can eventually be retired."""
    return _multi_fernet(keys).rotate(bytes(token))


# --- Stored files without a row ---------------------------------------------------------


def stored_names(storage, folder: str) -> Iterator[str]:
    """Every file name under `folder` of a Django storage (a local folder or a bucket)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from stored_names(storage, f"{folder}/{sub}")


def _batches(names: Iterable[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for name in names:
        batch.append(name)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def orphans(
    storage,
    folder: str,
    *,
    referenced: Callable[[list[str]], set[str]],
    written_before: datetime,
    batch_size: int = 500,
) -> Iterator[str]:
    """Stored files that no row names and that were written before `written_before`.

    A file is written before the transaction that creates its row; one that is still without a
    row after a grace period belongs to an upload whose process died in between. `referenced`
    answers, for a batch of names, which of them a row holds; the age is read only for the
    others (on object storage it costs a request per file).
    """
    for batch in _batches(stored_names(storage, folder), batch_size):
        known = referenced(batch)
        for name in batch:
            if name in known:
                continue
            try:
                modified = storage.get_modified_time(name)
            except (FileNotFoundError, OSError):
                continue  # removed meanwhile
            if modified < written_before:
                yield name
