"""The form and news blocks are rendered once per site and reused, without a visitor noticing.

What must hold: every visitor still gets their own working form token and booking nonce; what one
patient typed is never shown to the next one; a change the pharmacy or the agency makes (a renamed
service, a new post, a new block title) is visible at once; a cache outage only costs speed.
"""

import re
from datetime import datetime

import pytest
from django.core import signing
from django.test import Client, override_settings

from cms import forms_guard
from cms.fragments import hole
from cms.public_forms import feature_url
from ordonnances.models import Prescription
from rdv.models import Booking
from tests.blog.conftest import make_post, news_index
from tests.ordonnances.conftest import PatientBrowser, jpeg, valid_data
from tests.rdv.conftest import PARIS, book_url, booking_form_data, booking_page, make_service
from tests.rdv.conftest import frozen_now as frozen_now  # shared fixture

pytestmark = pytest.mark.django_db

MONDAY_14H = datetime(2026, 3, 9, 14, 0, tzinfo=PARIS)


def _token_page(token: str) -> int:
    return signing.loads(token, salt=forms_guard.SALT)["p"]


def test_every_visitor_gets_a_fresh_working_token(
    client_a, pharmacy_a, django_capture_on_commit_callbacks
):
    patient = PatientBrowser(client_a, pharmacy_a)
    first_html, first_token, _ = patient.open()
    second_html, second_token, action = patient.open()
    assert first_token != second_token
    assert _token_page(first_token) == _token_page(second_token) == patient.page.pk
    assert "officine-hole" not in second_html
    data = {**valid_data(), "form_token": second_token, "files": [jpeg()]}
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(action, data)
    assert response.status_code == 303
    assert Prescription.objects.filter(pharmacy=pharmacy_a).count() == 1


def test_what_a_patient_typed_is_never_shown_to_the_next_visitor(client_a, pharmacy_a):
    patient = PatientBrowser(client_a, pharmacy_a)
    patient.open()
    refused = patient.send(files=[], first_name="Bérénice", last_name="Secrète")
    assert refused.status_code == 200
    assert "Bérénice" in refused.content.decode()
    stranger = Client(HTTP_HOST=pharmacy_a.site.hostname)
    html = stranger.get(patient.page.url).content.decode()
    assert "Bérénice" not in html and "Secrète" not in html
    assert 'class="error-summary"' not in html


@pytest.mark.usefixtures("frozen_now")
def test_booking_nonce_is_new_each_visit_and_booking_works(
    client_a, pharmacy_a, django_capture_on_commit_callbacks
):
    service = make_service(pharmacy_a)
    page = booking_page(pharmacy_a)
    first = booking_form_data(client_a, page, service, MONDAY_14H)
    second = booking_form_data(client_a, page, service, MONDAY_14H)
    assert first["nonce"] != second["nonce"]
    assert _token_page(second["form_token"]) == page.pk
    assert hole("nonce") not in second["nonce"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(book_url(page), second)
    assert response.status_code == 303
    assert Booking.objects.filter(pharmacy=pharmacy_a).count() == 1


def test_a_renamed_or_new_service_shows_at_once(client_a, pharmacy_a):
    service = make_service(pharmacy_a)
    page = booking_page(pharmacy_a)
    assert "Vaccination antigrippale" in client_a.get(page.url).content.decode()
    service.name = "Vaccination contre la grippe"
    service.save()
    make_service(pharmacy_a, name="Test angine (TROD)", slug="trod", category="depistage")
    html = client_a.get(page.url).content.decode()
    assert "Vaccination contre la grippe" in html and "Vaccination antigrippale" not in html
    assert "Test angine (TROD)" in html
    service.delete()
    assert "Vaccination contre la grippe" not in client_a.get(page.url).content.decode()


def test_a_booking_step_in_progress_is_not_served_to_others(client_a, pharmacy_a):
    service = make_service(pharmacy_a)
    page = booking_page(pharmacy_a)
    client_a.get(page.url)
    block = next(b.id for b in page.body if b.block_type == "appointment_booking")
    step = client_a.get(feature_url(page, "rdv", "steps"), {"block": block, "service": service.pk})
    assert "2. Choisissez un jour" in step.content.decode()
    html = Client(HTTP_HOST=pharmacy_a.site.hostname).get(page.url).content.decode()
    assert "1. Choisissez une prestation" in html and "2. Choisissez un jour" not in html


def test_a_new_block_title_is_shown_after_publishing(client_a, pharmacy_a):
    patient = PatientBrowser(client_a, pharmacy_a)
    patient.open()
    page = patient.page.specific
    for block in page.body:
        if block.block_type == "prescription_upload":
            block.value["title"] = "Préparez ma commande"
    page.save_revision().publish()
    assert "Préparez ma commande" in patient.open()[0]


def test_news_block_shows_a_new_agency_post_and_a_new_own_post(
    agency_blog, client_a, pharmacy_a, pharmacy_b
):
    home = pharmacy_a.site.root_page.specific
    home.body = [("latest_news", {"title": "Actualités", "count": 3})]
    home.save_revision().publish()
    client_a.get("/")
    make_post(agency_blog, "Campagne de vaccination antigrippale")
    client_a.get("/")  # the news as it was; the block is rendered again after this response
    assert "Campagne de vaccination antigrippale" in client_a.get("/").content.decode()
    make_post(news_index(pharmacy_a), "Nos nouveaux horaires d'été")
    html = client_a.get("/").content.decode()
    assert "Nos nouveaux horaires d&#x27;été" in html or "Nos nouveaux horaires d'été" in html
    html_b = Client(HTTP_HOST=pharmacy_b.site.hostname).get("/").content.decode()
    assert "horaires d" not in html_b


def test_the_same_block_on_two_sites_keeps_each_sites_own_content(
    client_a, client_b, pharmacy_a, pharmacy_b
):
    make_service(pharmacy_a, name="Atelier soins de peau", slug="atelier", category="atelier")
    html_a = client_a.get(booking_page(pharmacy_a).url).content.decode()
    html_b = client_b.get(booking_page(pharmacy_b).url).content.decode()
    assert "Atelier soins de peau" in html_a
    assert "Atelier soins de peau" not in html_b


def test_repeat_render_skips_the_blocks_queries(client_a, pharmacy_a):
    """The second visit does not query the services again (and renders the same form)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_service(pharmacy_a)
    page = booking_page(pharmacy_a)
    with CaptureQueriesContext(connection) as cold:
        first = client_a.get(page.url).content.decode()
    with CaptureQueriesContext(connection) as warm:
        second = client_a.get(page.url).content.decode()
    assert not any("rdv_service" in q["sql"] for q in warm.captured_queries)
    assert any("rdv_service" in q["sql"] for q in cold.captured_queries)
    strip = re.compile(r'(name="(?:form_token|nonce)" value=")[^"]*')
    assert strip.sub(r"\1", first) == strip.sub(r"\1", second)


@override_settings(
    CACHES={
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "pages": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    },
    OFFICINE_PAGE_CACHE_ALIAS="pages",
)
def test_cache_outage_still_renders_the_forms(pharmacy_a):
    patient = PatientBrowser(Client(HTTP_HOST=pharmacy_a.site.hostname), pharmacy_a)
    html, token, _ = patient.open()
    assert _token_page(token) == patient.page.pk
    assert "officine-hole" not in html


def test_fragment_cache_off_by_setting(settings, client_a, pharmacy_a):
    settings.OFFICINE_FRAGMENT_CACHE = False
    make_service(pharmacy_a)
    page = booking_page(pharmacy_a)
    client_a.get(page.url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as warm:
        client_a.get(page.url)
    assert any("rdv_service" in q["sql"] for q in warm.captured_queries)
