"""A pharmacy's look: colours checked for contrast, its theme as CSS custom properties, its icons.

Pure functions of the Pharmacy's branding fields (no request in sight). The public site links one
small stylesheet per site (`/theme.css?v=<version>`) that only sets custom properties read by
`static/css/site.css`: no per-site build, and no inline style (the CSP allows none, and a nonce
would make every page uncacheable). The version changes with every branding field, so browsers
and the page cache keep the stylesheet as long as it is right.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
WHITE = "#ffffff"
INK = "#1b1f24"  # the body text colour of site.css
SOFT = (
    "#f1f6f4"  # site.css --soft: the tinted panels (hours, contact, footer) that also carry links
)
BLACK = "#000000"
AA_NORMAL_TEXT = 4.5


class Layout(models.TextChoices):
    """Three arrangements of the home page and header, chosen by the pharmacist."""

    CLASSIC = "classique", _("Classique : bandeau de couleur, contenu en une colonne")
    HERO = "photo", _("Grande photo : la photo de la pharmacie en tête de l'accueil")
    COLUMNS = "colonnes", _("Deux colonnes : horaires et contact à côté du contenu")


class FontPair(models.TextChoices):
    """Self-hosted font pairs (static/fonts, SIL Open Font License): no request to a font service."""

    SYSTEM = "systeme", _("Police du téléphone (la plus rapide)")
    SERIF = "serif", _("Titres Source Serif, texte Fira Sans")
    OPEN = "open", _("Open Sans, titres en gras")


@dataclass(frozen=True)
class FontFace:
    family: str
    file: str
    weight: int


# pair: (faces, heading stack, body stack, heading weight)
FONT_PAIRS: dict[str, tuple[tuple[FontFace, ...], str, str, int]] = {
    FontPair.SYSTEM: (
        (),
        'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
        'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
        700,
    ),
    FontPair.SERIF: (
        (
            FontFace("Source Serif 4", "fonts/SourceSerif4-Semibold.woff2", 600),
            FontFace("Fira Sans", "fonts/FiraSans-Regular.woff2", 400),
            FontFace("Fira Sans", "fonts/FiraSans-Medium.woff2", 700),
        ),
        '"Source Serif 4", Georgia, serif',
        '"Fira Sans", system-ui, sans-serif',
        600,
    ),
    FontPair.OPEN: (
        (
            FontFace("Open Sans", "fonts/OpenSans-Regular.woff2", 400),
            FontFace("Open Sans", "fonts/OpenSans-Bold.woff2", 700),
        ),
        '"Open Sans", system-ui, sans-serif',
        '"Open Sans", system-ui, sans-serif',
        700,
    ),
}


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of "#rrggbb"."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour_on(background: str) -> str:
    """White, else the site's ink, else black: the first that passes AA on `background`.

    White or black always reaches at least 4.58:1, so every colour gets readable text.
    """
    for candidate in (WHITE, INK):
        if contrast_ratio(background, candidate) >= AA_NORMAL_TEXT:
            return candidate
    return BLACK


def validate_hex_colour(value: str) -> None:
    if not HEX_COLOUR.match(value or ""):
        raise ValidationError(_("Indiquez une couleur au format #RRVVBB, par exemple #0B6E4F."))


def validate_primary_colour(value: str) -> None:
    """The primary colour is also the colour of links and titles, on white and on the tinted panels
    (hours, contact, footer): AA on the darker of the two, or refused."""
    validate_hex_colour(value)
    ratio = min(contrast_ratio(value, WHITE), contrast_ratio(value, SOFT))
    if ratio < AA_NORMAL_TEXT:
        raise ValidationError(
            _(
                "Cette couleur est trop claire pour des liens sur les fonds clairs du site : "
                "contraste de %(ratio)s:1, il faut au moins 4,5:1 (WCAG AA). Choisissez une "
                "teinte plus foncée."
            ),
            params={"ratio": f"{ratio:.1f}".replace(".", ",")},
        )


def accent_note(value: str) -> str:
    """What the admin says about the accent colour: its buttons' text colour, chosen for contrast."""
    if not HEX_COLOUR.match(value or ""):
        return ""
    ink = text_colour_on(value)
    ratio = f"{contrast_ratio(value, ink):.1f}".replace(".", ",")
    if ink == WHITE:
        return str(_("Texte des boutons en blanc (contraste %(ratio)s:1).") % {"ratio": ratio})
    return str(_("Texte des boutons en noir (contraste %(ratio)s:1).") % {"ratio": ratio})


def darker(colour: str, factor: float = 0.8) -> str:
    r, g, b = (int(int(colour[i : i + 2], 16) * factor) for i in (1, 3, 5))
    return f"#{r:02x}{g:02x}{b:02x}"


def version(pharmacy) -> str:
    """Changes with every branding field: the stylesheet and icons' cache key and URL parameter."""
    parts = [
        pharmacy.primary_colour,
        pharmacy.accent_colour,
        pharmacy.layout,
        pharmacy.font_pair,
        pharmacy.name,
        str(pharmacy.logo_id or ""),
        pharmacy.logo.file.name if pharmacy.logo_id else "",
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]


def theme_css(pharmacy) -> str:
    """The site's custom properties and font faces; site.css does the rest."""
    faces, heading, body, heading_weight = FONT_PAIRS.get(
        pharmacy.font_pair, FONT_PAIRS[FontPair.SYSTEM]
    )
    primary = pharmacy.primary_colour
    accent = pharmacy.accent_colour
    lines = [
        f"/* {pharmacy.name}: generated from its branding settings. */",
        *(
            "@font-face { "
            f'font-family: "{f.family}"; src: url("{static(f.file)}") format("woff2"); '
            f"font-weight: {f.weight}; font-style: normal; font-display: swap; }}"
            for f in faces
        ),
        ":root {",
        f"  --brand: {primary};",
        f"  --brand-ink: {text_colour_on(primary)};",
        f"  --brand-dark: {darker(primary)};",
        f"  --brand-dark-ink: {text_colour_on(darker(primary))};",
        f"  --accent: {accent};",
        f"  --accent-ink: {text_colour_on(accent)};",
        f"  --font-heading: {heading};",
        f"  --font-body: {body};",
        f"  --heading-weight: {heading_weight};",
        "}",
    ]
    return "\n".join(lines) + "\n"


def initials(name: str) -> str:
    """ "Pharmacie du Centre" → "C"; "Pharmacie des Quais" → "Q"; "Grande Pharmacie Martin" → "GM"."""
    skip = {"pharmacie", "de", "du", "des", "la", "le", "les", "l", "d", "et"}
    words = [w for w in re.split(r"[\s'’-]+", name) if w and w.lower() not in skip]
    return "".join(w[0] for w in words[:2]).upper() or (name[:1].upper() or "P")


ICON_SIZES = {
    "favicon.ico": 48,
    "apple-touch-icon.png": 180,
    "icon-192.png": 192,
    "icon-512.png": 512,
}


def icon_image(pharmacy, size: int):
    """A square icon: the logo on white, or the initials in the brand colours."""
    from PIL import Image, ImageDraw, ImageFont  # Pillow is heavy; only the icon views need it

    if pharmacy.logo_id:
        try:
            with pharmacy.logo.file.open("rb") as fh:
                logo = Image.open(io.BytesIO(fh.read()))
                logo.load()
        except (OSError, ValueError):
            logo = None
        if logo is not None:
            canvas = Image.new("RGBA", (size, size), (255, 255, 255, 255))
            logo = logo.convert("RGBA")
            logo.thumbnail((int(size * 0.9), int(size * 0.9)))
            canvas.alpha_composite(logo, ((size - logo.width) // 2, (size - logo.height) // 2))
            return canvas
    colour = pharmacy.primary_colour if HEX_COLOUR.match(pharmacy.primary_colour or "") else INK
    canvas = Image.new("RGBA", (size, size), colour)
    draw = ImageDraw.Draw(canvas)
    text = initials(pharmacy.name)
    font_size = int(size * (0.55 if len(text) == 1 else 0.42))
    try:
        font = ImageFont.truetype("DejaVuSans-Bold.ttf", font_size)
    except OSError:
        font = ImageFont.load_default(size=font_size)
    draw.text((size / 2, size / 2), text, fill=text_colour_on(colour), font=font, anchor="mm")
    return canvas


def icon_bytes(pharmacy, name: str) -> tuple[bytes, str]:
    """The encoded icon `name` (one of ICON_SIZES) and its content type."""
    size = ICON_SIZES[name]
    image = icon_image(pharmacy, size)
    out = io.BytesIO()
    if name.endswith(".ico"):
        image.save(out, format="ICO", sizes=[(16, 16), (32, 32), (48, 48)])
        return out.getvalue(), "image/x-icon"
    image.save(out, format="PNG", optimize=True)
    return out.getvalue(), "image/png"
