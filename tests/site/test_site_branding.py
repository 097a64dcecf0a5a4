"""Each pharmacy's site looks like its own and has what patients look for (issue 16).

What a pharmacist sets (colours, fonts, layout, logo, photo, duty periods) and what a patient or a
search engine sees on the public site: theme, icons, pages provisioned for every new pharmacy, the
contact form, the duty status, the title, description, sharing tags and schema.org data.
"""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ValidationError
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file

from cms.caching import HIT_HEADER
from contact.models import ContactMessage
from notifications.models import OutboxMessage
from pharmacies import branding
from pharmacies.models import Closure, DutyPeriod
from tests.rdv.conftest import make_service

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
# A Tuesday evening, after closing time (the test week closes at 19h30).
TUESDAY_21H = datetime(2026, 3, 10, 21, 0, tzinfo=PARIS)
TOKEN_RE = re.compile(r'name="form_token" value="([^"]+)"')
ACTION_RE = re.compile(r'<form class="officine-form contact-form" method="post" action="([^"]+)"')
JSON_LD_RE = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def html_of(response) -> str:
    return response.content.decode()


# --- Colours: WCAG AA or a clear French reason --------------------------------------------------


def test_contrast_ratio_matches_wcag_reference_values():
    assert branding.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert branding.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert branding.contrast_ratio("#0B6E4F", "#ffffff") >= 4.5


def test_a_primary_colour_too_light_for_links_is_refused_with_the_reason(pharmacy_a):
    pharmacy_a.primary_colour = "#FFBF47"
    with pytest.raises(ValidationError) as error:
        pharmacy_a.full_clean()
    message = " ".join(error.value.message_dict["primary_colour"])
    assert "trop claire" in message and "4,5:1" in message and "WCAG AA" in message


def test_a_primary_colour_readable_on_white_but_not_on_the_tinted_panels_is_refused(pharmacy_a):
    assert branding.contrast_ratio("#767676", "#ffffff") >= 4.5
    pharmacy_a.primary_colour = "#767676"
    with pytest.raises(ValidationError) as error:
        pharmacy_a.full_clean()
    assert "fonds clairs du site" in " ".join(error.value.message_dict["primary_colour"])


def test_a_colour_not_in_hex_is_refused_in_french(pharmacy_a):
    pharmacy_a.accent_colour = "vert"
    with pytest.raises(ValidationError) as error:
        pharmacy_a.full_clean()
    assert "#RRVVBB" in " ".join(error.value.message_dict["accent_colour"])


def test_button_text_is_white_on_dark_and_ink_on_light_accents():
    assert branding.text_colour_on("#1D3F8F") == branding.WHITE
    assert branding.text_colour_on("#FFBF47") == branding.INK
    for colour in ("#E4572E", "#FFBF47", "#1D3F8F", "#777777", "#FF0000"):
        assert branding.contrast_ratio(colour, branding.text_colour_on(colour)) >= 4.5
    assert "noir" in branding.accent_note("#FFBF47")


# --- theme.css and icons ---------------------------------------------------------------------


def test_theme_css_sets_the_pharmacys_colours_and_self_hosted_fonts(client_a, pharmacy_a):
    pharmacy_a.primary_colour = "#1D3F8F"
    pharmacy_a.accent_colour = "#E4572E"
    pharmacy_a.font_pair = branding.FontPair.SERIF
    pharmacy_a.save()
    home = html_of(client_a.get("/"))
    link = re.search(r'href="(/theme\.css\?v=[0-9a-f]+)"', home).group(1)
    response = client_a.get(link)
    css = html_of(response)
    assert response["Content-Type"].startswith("text/css")
    assert "--brand: #1D3F8F;" in css and "--brand-ink: #ffffff;" in css
    assert "--accent: #E4572E;" in css
    assert '"Source Serif 4"' in css and "/static/fonts/SourceSerif4-Semibold.woff2" in css
    assert "googleapis" not in css and "OpenSans" not in css
    assert "max-age=31536000" in response["Cache-Control"]


def test_a_branding_change_gives_a_new_stylesheet_address(client_a, pharmacy_a):
    before = re.search(r"theme\.css\?v=(\w+)", html_of(client_a.get("/"))).group(1)
    pharmacy_a.accent_colour = "#E4572E"
    pharmacy_a.save()
    after = re.search(r"theme\.css\?v=(\w+)", html_of(client_a.get("/"))).group(1)
    assert before != after
    stale = client_a.get(f"/theme.css?v={before}")
    assert "--accent: #E4572E;" in html_of(stale)
    assert "max-age=300" in stale["Cache-Control"]


def test_favicon_is_drawn_from_the_initials_in_the_brand_colour(client_a, pharmacy_a):
    response = client_a.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    icon = PILImage.open(io.BytesIO(response.content))
    assert icon.format == "ICO"
    corner = icon.convert("RGB").getpixel((0, 0))
    assert corner == (0x0B, 0x6E, 0x4F)
    touch = PILImage.open(io.BytesIO(client_a.get("/apple-touch-icon.png").content))
    assert touch.size == (180, 180)
    assert branding.initials("Pharmacie des Halles") == "H"
    assert branding.initials("Grande Pharmacie Martin") == "GM"


def test_favicon_comes_from_the_logo_when_there_is_one(client_a, pharmacy_a):
    logo = get_image_model().objects.create(
        title="Logo",
        file=get_test_image_file(colour="red", size=(200, 200)),
        collection=pharmacy_a.collection,
    )
    pharmacy_a.logo = logo
    pharmacy_a.save()
    cache.clear()
    icon = PILImage.open(io.BytesIO(client_a.get("/icon-192.png").content)).convert("RGB")
    assert icon.getpixel((96, 96)) == (255, 0, 0)
    assert 'class="site-logo"' in html_of(client_a.get("/"))


def test_a_site_without_pharmacy_has_no_pharmacy_icon(client):
    assert client.get("/favicon.ico", HTTP_HOST="nowhere.test").status_code == 404


# --- Pages every new pharmacy gets -------------------------------------------------------------


def test_new_pharmacy_gets_services_team_and_contact_pages_in_its_menu(client_a, pharmacy_a):
    home = html_of(client_a.get("/"))
    for href, label in (
        ("/nos-services/", "Nos services"),
        ("/equipe/", "L&#x27;équipe"),
        ("/contact/", "Contact"),
    ):
        assert f'<a href="{href}">{label}</a>' in home


def test_services_page_lists_free_services_and_bookable_ones_with_a_booking_link(
    client_a, pharmacy_a
):
    service = make_service(pharmacy_a, name="Vaccination antigrippale")
    html = html_of(client_a.get("/nos-services/"))
    assert "Orthopédie" in html and "Matériel médical" in html and "Préparations" in html
    assert "Vaccination antigrippale" in html
    link = re.search(r'href="([^"]*rdv/\?[^"]*)"', html).group(1).replace("&amp;", "&")
    assert f"service={service.pk}" in link
    step = client_a.get(link)
    assert step.status_code == 200
    assert "Vaccination antigrippale" in html_of(step)


def test_team_page_starts_with_the_titular_pharmacists(client_a, pharmacy_a):
    html = html_of(client_a.get("/equipe/"))
    assert pharmacy_a.pharmacists.first().full_name in html
    assert "Pharmacien(ne) titulaire" in html


# --- Contact form -----------------------------------------------------------------------------


def contact_post(client, **overrides):
    html = html_of(client.get("/contact/"))
    data = {
        "form_token": TOKEN_RE.search(html).group(1),
        "name": "Jeanne Martin",
        "email": "jeanne.martin@example.fr",
        "phone": "06 12 34 56 78",
        "subject": "Location d'un fauteuil",
        "message": "Bonjour, avez-vous un fauteuil roulant à louer la semaine prochaine ?",
        **overrides,
    }
    return client.post(ACTION_RE.search(html).group(1), data)


def test_a_contact_message_is_stored_queued_to_the_pharmacy_and_answered_with_303(
    client_a, pharmacy_a
):
    response = contact_post(client_a)
    assert response.status_code == 303
    message = ContactMessage.objects.get()
    assert message.pharmacy == pharmacy_a and message.phone == "+33612345678"
    outbox = OutboxMessage.objects.get(event="contact_message")
    assert outbox.recipient == pharmacy_a.notification_email
    # What the patient wrote may be about their health: it stays in the admin, out of the e-mail.
    assert "fauteuil" not in outbox.subject and "fauteuil" not in outbox.body_text
    assert "Messages reçus" in outbox.body_text and message.email in outbox.body_text
    landing = client_a.get(response["Location"])
    assert "Merci, votre message est parti" in html_of(landing)


def test_contact_errors_are_in_french_and_keep_what_was_typed(client_a):
    response = contact_post(client_a, email="pas-une-adresse", phone="12", message="")
    html = html_of(response)
    assert response.status_code == 200
    assert "Cette adresse e-mail n&#x27;est pas valide" in html
    assert "Ce numéro de téléphone n&#x27;est pas valide" in html
    assert "Écrivez votre message." in html
    assert 'value="Jeanne Martin"' in html
    assert not ContactMessage.objects.exists()


def test_contact_form_has_the_guard_of_every_public_form(client_a):
    assert contact_post(client_a, website="http://spam.example").status_code == 303
    expired = contact_post(client_a, form_token="abc")
    assert expired.status_code == 200
    assert "Le formulaire a expiré" in html_of(expired)
    html = html_of(client_a.get("/contact/"))
    foreign = client_a.post(
        ACTION_RE.search(html).group(1),
        {"form_token": TOKEN_RE.search(html).group(1)},
        HTTP_ORIGIN="http://evil.example",
    )
    assert foreign.status_code == 403
    assert not ContactMessage.objects.exists()


def test_contact_page_is_never_cached_whole_but_the_services_page_is(client_a):
    assert "no-cache" in client_a.get("/contact/")["Cache-Control"]
    assert "public" in client_a.get("/nos-services/")["Cache-Control"]


# --- Map -------------------------------------------------------------------------------------


def test_map_loads_only_on_request_and_the_route_opens_the_maps_app(client_a, pharmacy_a):
    pharmacy_a.latitude, pharmacy_a.longitude = Decimal("48.869"), Decimal("2.331")
    pharmacy_a.save()
    html = html_of(client_a.get("/contact/"))
    assert "<iframe" not in html
    assert 'data-map-src="https://www.openstreetmap.org/export/embed.html?' in html
    assert "Afficher la carte" in html
    assert 'href="geo:48.869000,2.331000?q=' in html
    assert "Itinéraire" in html


# --- Pharmacie de garde ----------------------------------------------------------------------


def test_on_duty_tonight_header_status_and_upcoming_dates(client_a, pharmacy_a):
    DutyPeriod.objects.create(
        pharmacy=pharmacy_a,
        starts=datetime(2026, 3, 10, 19, 30, tzinfo=PARIS),
        ends=datetime(2026, 3, 11, 8, 30, tzinfo=PARIS),
        note="Sonnez au guichet",
    )
    with time_machine.travel(TUESDAY_21H, tick=False):
        html = html_of(client_a.get("/contact/"))
    assert "De garde ce soir" in html
    assert "De garde, ouvert jusqu&#x27;à 8h30" in html
    assert "Prochaines gardes" in html and "Sonnez au guichet" in html


def test_off_duty_the_header_says_nothing_and_the_3237_is_explained(client_a, pharmacy_a):
    with time_machine.travel(TUESDAY_21H, tick=False):
        html = html_of(client_a.get("/contact/"))
    assert "De garde ce soir" not in html
    assert "Fermé, ouvre demain à 9h" in html
    assert "3237" in html


def test_a_duty_period_ending_before_it_starts_is_refused(pharmacy_a):
    duty = DutyPeriod(
        pharmacy=pharmacy_a,
        starts=datetime(2026, 3, 10, 19, 30, tzinfo=PARIS),
        ends=datetime(2026, 3, 10, 8, 0, tzinfo=PARIS),
    )
    with pytest.raises(ValidationError) as error:
        duty.full_clean()
    assert "La fin de la garde doit suivre son début." in error.value.message_dict["ends"]


# --- Search and sharing ----------------------------------------------------------------------


def test_titles_name_the_page_then_the_pharmacy_without_repetition(client_a, pharmacy_a):
    assert "<title>Pharmacie A</title>" in html_of(client_a.get("/"))
    assert "<title>Nos services · Pharmacie A</title>" in html_of(client_a.get("/nos-services/"))


def test_default_description_says_the_city_and_the_services(client_a, pharmacy_a):
    make_service(pharmacy_a, name="Vaccination antigrippale")
    html = html_of(client_a.get("/equipe/"))
    description = re.search(r'<meta name="description" content="([^"]+)"', html).group(1)
    assert "Paris (75002)" in description and "vaccination antigrippale" in description


def test_sharing_tags_use_the_photo(client_a, pharmacy_a):
    pharmacy_a.home_photo = get_image_model().objects.create(
        title="Vitrine",
        file=get_test_image_file(size=(1600, 900)),
        collection=pharmacy_a.collection,
    )
    pharmacy_a.home_photo_alt = "La vitrine"
    pharmacy_a.save()
    html = html_of(client_a.get("/"))
    image = re.search(r'<meta property="og:image" content="([^"]+)"', html).group(1)
    assert image.startswith("http://pharmacie-a.test/") and "fill-1200x630" in image
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert 'alt="La vitrine"' in html


# Wagtail opens a spooled temporary file for the rendition before it finds the source missing and
# never closes it (wagtail/images/models.py, generate_rendition_file): its ResourceWarning, not ours.
@pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <function SpooledTemporaryFile.__del__"
    ":pytest.PytestUnraisableExceptionWarning"
)
def test_a_photo_whose_file_is_missing_does_not_break_the_home(client_a, pharmacy_a):
    """A node without the shared media (or a restore without files) still serves the page."""
    photo = get_image_model().objects.create(
        title="Vitrine",
        file=get_test_image_file(size=(1600, 900)),
        collection=pharmacy_a.collection,
    )
    pharmacy_a.home_photo = photo
    pharmacy_a.home_photo_alt = "La vitrine"
    pharmacy_a.save()
    photo.file.storage.delete(photo.file.name)

    response = client_a.get("/")

    assert response.status_code == 200
    html = html_of(response)
    image = re.search(r'<meta property="og:image" content="([^"]+)"', html).group(1)
    assert image == "http://pharmacie-a.test/icon-512.png"
    assert "Pharmacie A" in html


def test_json_ld_describes_the_pharmacy_with_hours_closures_and_duty(client_a, pharmacy_a):
    pharmacy_a.latitude, pharmacy_a.longitude = Decimal("48.869"), Decimal("2.331")
    pharmacy_a.save()
    Closure.objects.create(pharmacy=pharmacy_a, start_date=datetime(2026, 3, 20).date())
    DutyPeriod.objects.create(
        pharmacy=pharmacy_a,
        starts=datetime(2026, 3, 15, 9, 0, tzinfo=PARIS),
        ends=datetime(2026, 3, 15, 20, 0, tzinfo=PARIS),
    )
    with time_machine.travel(TUESDAY_21H, tick=False):
        html = html_of(client_a.get("/"))
    data = json.loads(JSON_LD_RE.search(html).group(1))
    assert data["@type"] == "Pharmacy" and data["name"] == "Pharmacie A"
    assert data["url"] == "http://pharmacie-a.test/"
    assert data["telephone"] == "+33123456789"
    assert data["address"]["postalCode"] == "75002"
    assert data["geo"] == {"@type": "GeoCoordinates", "latitude": 48.869, "longitude": 2.331}
    monday = [s for s in data["openingHoursSpecification"] if s["dayOfWeek"].endswith("Monday")]
    assert [(s["opens"], s["closes"]) for s in monday] == [("09:00", "12:30"), ("14:00", "19:30")]
    special = data["specialOpeningHoursSpecification"]
    assert {"validFrom": "2026-03-20", "opens": "00:00", "closes": "00:00"}.items() <= special[
        0
    ].items()
    assert special[1]["validFrom"] == "2026-03-15" and special[1]["opens"] == "09:00"


def test_json_ld_cannot_be_closed_by_a_name(client_a, pharmacy_a):
    pharmacy_a.name = "Pharmacie </script><script>alert(1)</script>"
    pharmacy_a.save()
    html = html_of(client_a.get("/"))
    assert "<script>alert(1)" not in html
    assert json.loads(JSON_LD_RE.search(html).group(1))["name"] == pharmacy_a.name


# --- Caching ---------------------------------------------------------------------------------


def test_a_branding_change_purges_the_cached_pages(client_a, pharmacy_a, settings):
    settings.OFFICINE_PAGE_CACHE = True
    cache.clear()
    client_a.get("/nos-services/")
    assert client_a.get("/nos-services/")[HIT_HEADER] == "hit"
    pharmacy_a.primary_colour = "#1D3F8F"
    pharmacy_a.save()
    again = client_a.get("/nos-services/")
    assert again[HIT_HEADER] != "hit"
    assert 'content="#1D3F8F"' in html_of(again)
    DutyPeriod.objects.create(
        pharmacy=pharmacy_a,
        starts=datetime.now(PARIS) - timedelta(hours=1),
        ends=datetime.now(PARIS) + timedelta(hours=1),
    )
    assert client_a.get("/nos-services/")[HIT_HEADER] != "hit"


def test_the_admin_says_which_text_colour_the_accent_buttons_get(admin_client_a, pharmacy_a):
    pharmacy_a.accent_colour = "#FFBF47"
    pharmacy_a.save()
    html = html_of(admin_client_a.get(f"/admin/pharmacies/edit/{pharmacy_a.pk}/"))
    assert "Texte des boutons en noir (contraste" in html
    assert "Apparence du site" in html


def test_staff_read_their_messages_in_french_and_not_another_pharmacys(
    admin_client_a, pharmacy_a, pharmacy_b
):
    ContactMessage.objects.create(
        pharmacy=pharmacy_a, name="Jeanne", email="j@example.fr", subject="Fauteuil", message="?"
    )
    ContactMessage.objects.create(
        pharmacy=pharmacy_b, name="Autre", email="a@example.fr", subject="Secret B", message="?"
    )
    html = html_of(admin_client_a.get("/admin/messages/"))
    assert "Fauteuil" in html and "Non" in html
    assert "Secret B" not in html and "False" not in html
