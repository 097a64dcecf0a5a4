"""The demo pharmacies' own look (`demo_pharmacy`): colours, fonts, layout, logo, photo, team, duty.

The pictures are drawn here with Pillow (no download, no stock photo licence): a logo with a green
or blue cross and the name, and a shop-front illustration for the home page.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.files.images import ImageFile
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from wagtail.images import get_image_model

from pharmacies.hours import PARIS
from pharmacies.models import DutyPeriod

from .models import ContentPage

LOOKS = {
    "pharmacie-du-centre": {
        "primary_colour": "#0B6E4F",
        "accent_colour": "#FFBF47",
        "layout": "photo",
        "font_pair": "serif",
        "latitude": Decimal("45.763420"),
        "longitude": Decimal("4.834277"),
        "photo_colours": ("#0B6E4F", "#E8F3EE"),
        "photo_alt": "La devanture verte de la pharmacie, place de la République",
        "team": [("Claire Martin", "Pharmacienne titulaire"), ("Hugo Petit", "Préparateur")],
        "duty_in_days": 0,
    },
    "pharmacie-des-halles": {
        "primary_colour": "#1D3F8F",
        "accent_colour": "#E4572E",
        "layout": "colonnes",
        "font_pair": "open",
        "latitude": Decimal("48.862025"),
        "longitude": Decimal("2.345460"),
        "photo_colours": ("#1D3F8F", "#FDF1EC"),
        "photo_alt": "Le comptoir de la pharmacie, rue des Halles",
        "team": [
            ("Karim Benali", "Pharmacien titulaire"),
            ("Sophie Durand", "Pharmacienne titulaire"),
            ("Léa Morel", "Dermo-conseillère"),
        ],
        "duty_in_days": 6,
    },
}


def _font(size: int):
    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


def _image(pharmacy, title: str, picture) -> object:
    Image = get_image_model()
    existing = Image.objects.filter(title=title, collection=pharmacy.collection).first()
    if existing is not None:
        return existing
    out = io.BytesIO()
    picture.convert("RGB").save(out, format="PNG")
    name = title.lower().replace(" ", "-") + ".png"
    image = Image(title=title, collection=pharmacy.collection, file=ImageFile(out, name=name))
    image.save()
    return image


def draw_logo(name: str, colour: str):
    picture = PILImage.new("RGB", (480, 160), "#ffffff")
    draw = ImageDraw.Draw(picture)
    draw.rectangle((40, 20 + 40, 160, 20 + 80), fill=colour)
    draw.rectangle((80, 20, 120, 140), fill=colour)
    draw.text((180, 80), name.replace("Pharmacie ", ""), fill=colour, font=_font(40), anchor="lm")
    return picture


def draw_photo(colours: tuple[str, str]):
    dark, light = colours
    picture = PILImage.new("RGB", (1200, 500), light)
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 380, 1200, 500), fill="#cfd6d3")
    draw.rectangle((150, 90, 1050, 380), fill=dark)
    for x in (200, 480, 760):
        draw.rectangle((x, 150, x + 240, 340), fill="#f6fbff")
    draw.rectangle((980, 40, 1060, 64), fill="#2fbf71")
    draw.rectangle((1008, 12, 1032, 92), fill="#2fbf71")
    return picture


def seed_look(pharmacy):
    """Gives each demo pharmacy a clearly different look; leaves any other pharmacy alone."""
    look = LOOKS.get(pharmacy.slug)
    if look is None:
        return
    for field in (
        "primary_colour",
        "accent_colour",
        "layout",
        "font_pair",
        "latitude",
        "longitude",
    ):
        setattr(pharmacy, field, look[field])
    pharmacy.logo = _image(
        pharmacy, f"Logo {pharmacy.name}", draw_logo(pharmacy.name, look["primary_colour"])
    )
    pharmacy.home_photo = _image(
        pharmacy, f"Photo {pharmacy.name}", draw_photo(look["photo_colours"])
    )
    pharmacy.home_photo_alt = look["photo_alt"]
    pharmacy.save()
    if not pharmacy.duty_periods.exists():
        day = timezone.localdate() + timedelta(days=look["duty_in_days"])
        starts = datetime.combine(day, datetime.min.time(), tzinfo=PARIS).replace(
            hour=19, minute=30
        )
        DutyPeriod.objects.create(
            pharmacy=pharmacy,
            starts=starts,
            ends=starts + timedelta(hours=13),
            note="Sonnez au guichet de nuit",
        )
    team = ContentPage.objects.child_of(pharmacy.site.root_page).filter(slug="equipe").first()
    if team is not None:
        members = [
            {"photo": None, "name": name, "role": role, "text": ""} for name, role in look["team"]
        ]
        team.body = [{"type": "team", "value": {"title": "L'équipe", "members": members}}]
        team.save_revision().publish()
