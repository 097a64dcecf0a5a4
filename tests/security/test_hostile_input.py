"""Whatever a browser or a bot sends to a public URL, the answer is never a server error.

Hypothesis throws random text (NUL bytes, surrogates' neighbours, very long or empty values, dates
that do not exist, numbers that overflow) at every public route that reads input: query strings,
form fields, uploaded bytes and the tokens inside links. A patient who mistypes gets a message; a
bot gets a 4xx; nobody gets a 500, and the database (PostgreSQL in CI, which refuses NUL bytes in
text) is never handed something it chokes on.
"""

from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms.public_forms import feature_url
from tests.blog.conftest import news_index
from tests.ordonnances.conftest import upload_page_of
from tests.rdv.conftest import block_id_of, booking_page, make_service

pytestmark = pytest.mark.django_db

HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
DATEISH = st.one_of(
    TEXT,
    st.dates().map(str),
    st.sampled_from(["2026-02-30", "9999-12-31", "0001-01-01", "2026-13-01", "-1", "1e309"]),
)
NUMBERISH = st.one_of(
    TEXT, st.integers().map(str), st.sampled_from(["99999999999999999999", "-1", "0x10", "1.5"])
)
TOKEN = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=120)


def _ok(response):
    assert response.status_code < 500, response.status_code


@pytest.fixture
def pages(pharmacy_a):
    service = make_service(pharmacy_a)
    rdv = booking_page(pharmacy_a)
    upload = upload_page_of(pharmacy_a)
    block = next(b.id for b in upload.body if b.block_type == "prescription_upload")
    return {
        "service": service,
        "rdv": rdv,
        "rdv_block": block_id_of(rdv),
        "submit": feature_url(upload, "ordonnance", "submit", block_id=block),
        "news": news_index(pharmacy_a).url,
    }


@HYPOTHESIS
@given(tag=TEXT, page=NUMBERISH, q=TEXT, other=TEXT)
def test_news_listing_and_search(client_a, pages, tag, page, q, other):
    _ok(client_a.get(pages["news"], {"tag": tag, "page": page, "x": other}))
    _ok(client_a.get(pages["news"] + "recherche/", {"q": q, "page": page}))
    _ok(client_a.get("/", {"q": q, other: tag}))


@HYPOTHESIS
@given(block=TEXT, service=NUMBERISH, day=DATEISH, start=DATEISH, first=DATEISH, last=DATEISH)
def test_booking_steps_and_slots(client_a, pages, block, service, day, start, first, last):
    rdv = pages["rdv"]
    steps = feature_url(rdv, "rdv", "steps")
    for block_id in (block, pages["rdv_block"]):
        _ok(client_a.get(steps, {"block": block_id, "service": service, "jour": day}))
        _ok(
            client_a.get(steps, {"block": block_id, "service": pages["service"].pk, "start": start})
        )
        _ok(
            client_a.get(steps, {"block": block_id, "service": pages["service"].pk, "attente": day})
        )
    slots = feature_url(rdv, "rdv", "slots")
    _ok(client_a.get(slots, {"service": service, "calendrier": "1"}))
    _ok(client_a.get(slots, {"service": service, "from": first, "to": last}))
    _ok(client_a.get(slots, {"service": pages["service"].pk, "from": first, "to": last}))


@HYPOTHESIS
@given(
    fields=st.dictionaries(
        st.sampled_from(
            [
                "block",
                "form_token",
                "nonce",
                "service",
                "start",
                "first_name",
                "last_name",
                "phone",
                "email",
                "comment",
                "notify_by",
                "consent",
                "website",
            ]
        ),
        TEXT,
        max_size=13,
    ),
    start=DATEISH,
)
def test_booking_post(client_a, pages, fields, start):
    data = {"block": pages["rdv_block"], "service": str(pages["service"].pk), "start": start}
    data.update(fields)
    _ok(client_a.post(feature_url(pages["rdv"], "rdv", "book"), data))
    waiting = {"block": pages["rdv_block"], "service": str(pages["service"].pk), "day": start}
    waiting.update(fields)
    _ok(client_a.post(feature_url(pages["rdv"], "rdv", "waitlist"), waiting))


@HYPOTHESIS
@given(
    fields=st.dictionaries(
        st.sampled_from(
            [
                "form_token",
                "first_name",
                "last_name",
                "phone",
                "email",
                "birth_date",
                "comment",
                "pickup",
                "notify_by",
                "consent",
                "website",
                "renewable",
                "renewal_months",
                "kept_files",
                "kept_remove",
            ]
        ),
        st.one_of(TEXT, NUMBERISH),
        max_size=15,
    ),
    pickup=DATEISH,
    birth=DATEISH,
    blob=st.binary(max_size=2048),
    name=TEXT,
)
def test_prescription_post(client_a, pages, fields, pickup, birth, blob, name):
    data = {"first_name": "Jeanne", "consent": "on", "pickup": pickup, "birth_date": birth}
    data.update(fields)
    data["files"] = [SimpleUploadedFile(name or "x", blob, "image/jpeg")]
    _ok(client_a.post(pages["submit"], data))


@HYPOTHESIS
@given(token=TOKEN, action=TEXT, day=DATEISH, start=DATEISH)
def test_links_with_any_token(client_a, pages, token, action, day, start):
    quoted = quote(token, safe="")
    for path in (
        f"/ordonnances/suivi/{quoted}/",
        f"/rdv/gerer/{quoted}/",
        f"/rdv/attente/{quoted}/",
    ):
        _ok(client_a.get(path, {"jour": day}))
        _ok(client_a.get(path, {"etape": action, "start": start}))
        _ok(client_a.post(path, {"action": action, "start": start}))
        _ok(client_a.post(path, {"action": action, "start": start, "confirme": "oui"}))
    _ok(client_a.post(f"/ordonnances/suivi/{quoted}/annuler/", {"x": action}))
    for renewal_action in ("sauter", "decaler", "arreter", quote(action or "x", safe="")):
        renewal = f"/ordonnances/suivi/{quoted}/renouvellement/{renewal_action}/"
        _ok(client_a.get(renewal))
        _ok(client_a.post(renewal, {"x": action}))
    _ok(client_a.get(f"/rdv/gerer/{quoted}/rendez-vous.ics"))
    _ok(client_a.get(f"/rdv/agenda/{quoted}/agenda.ics"))
    _ok(client_a.get(feature_url(pages["rdv"], "rdv", "steps") + f"confirmation/{quoted}/"))


ADMIN_LISTINGS = [
    "prescriptions:index",
    "prescriptions:index_results",
    "rdv_bookings:index",
    "rdv_bookings:index_results",
    "rdv_services:index_results",
    "reservations:index_results",
    "collect_offers:index_results",
    "collect_offers:bulk",
    "collect_own_products:index_results",
    "rdv_agenda:agenda",
    "rdv_agenda:phone_booking",
    "rdv_agenda:feed",
    "rdv_resources:index_results",
    "outbox:index_results",
    "audit:index_results",
    "pharmacies_patient_data",
    "pharmacies_hours",
]
PARAMS = st.sampled_from(
    [
        "q",
        "p",
        "status",
        "service",
        "jour",
        "vue",
        "export",
        "ordering",
        "created_at_from",
        "created_at_to",
        "start_from",
        "start_to",
        "pharmacy",
        "email",
        "phone",
        "action",
        "pharmacie",
        "annules",
        "noms_complets",
        "d0_0_opens",
        "d0_0_closes",
        "closures-TOTAL_FORMS",
        "closures-0-start_date",
    ]
)


@HYPOTHESIS
@given(query=st.dictionaries(PARAMS, st.one_of(TEXT, DATEISH, NUMBERISH), max_size=5))
def test_admin_listings_and_forms_with_any_query(titular_client_a, world_a, query):
    """A tampered or hand-edited admin URL or form gets a page or a message, not a 500."""
    from django.urls import reverse

    for name in ADMIN_LISTINGS:
        url = reverse(name)
        _ok(titular_client_a.get(url, query))
        if name in (
            "rdv_agenda:phone_booking",
            "rdv_agenda:feed",
            "pharmacies_patient_data",
            "pharmacies_hours",
        ):
            _ok(titular_client_a.post(url, query))


OWN_PRODUCT_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "own_pharmacy": NUMBERISH,
        "code": st.one_of(TEXT, NUMBERISH),
        "name": TEXT,
        "brand": TEXT,
        "category": NUMBERISH,
        "pack_size": TEXT,
        "description": TEXT,
        "photo": NUMBERISH,
        "is_medicine": TEXT,
    },
)


@HYPOTHESIS
@given(fields=OWN_PRODUCT_FIELDS)
def test_own_product_form_with_any_input(titular_client_a, world_a, fields):
    """A pharmacy's own product form answers a page with French errors, or saves: never a 500."""
    from django.urls import reverse

    _ok(titular_client_a.post(reverse("collect_own_products:add"), fields))
    edit = reverse("collect_own_products:edit", args=[world_a.own_product.pk])
    _ok(titular_client_a.post(edit, fields))


RENEWAL_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "dispensings_total": NUMBERISH,
        "interval": st.one_of(TEXT, st.sampled_from(["28", "30", "custom"])),
        "custom_days": NUMBERISH,
        "first_date": DATEISH,
        "action": st.one_of(TEXT, st.just("stop")),
        "status": st.one_of(TEXT, st.sampled_from(["ready", "refused", "collected"])),
        "note": TEXT,
        "answer": st.one_of(TEXT, st.sampled_from(["accept", "dismiss"])),
        "lead_days": NUMBERISH,
    },
)


@pytest.fixture
def renewal_a(world_a):
    from ordonnances import renewals

    schedule = renewals.set_schedule(
        world_a.prescription,
        dispensings_total=3,
        interval_days=28,
        first_date=world_a.prescription.created_at.date(),
    )
    dispensing = renewals.ensure_dispensing(schedule, 2)[0]
    renewals.ask(world_a.prescription, "skip")
    return world_a, dispensing


@HYPOTHESIS
@given(data=RENEWAL_FIELDS)
def test_renewal_forms_with_any_input(titular_client_a, renewal_a, data):
    """The schedule, a status and its note (first or renewal), the request's answer, the lead time."""
    from django.urls import reverse

    world, dispensing = renewal_a
    for url in (
        reverse("prescriptions:status", args=[world.prescription.pk]),
        reverse("prescriptions:renewal", args=[world.prescription.pk]),
        reverse("prescriptions:dispensing_status", args=[dispensing.pk]),
        reverse("prescriptions:dispensing_request", args=[dispensing.pk]),
        reverse("prescriptions:lead_days", args=[world.pharmacy.pk]),
    ):
        _ok(titular_client_a.post(url, data))


@pytest.fixture
def shop(pharmacy_a):
    from collect.models import PharmacyProduct, Product
    from tests.collect.conftest import catalogue_url, code

    product = Product.objects.create(code=code(1), name="Crème", brand="Avène")
    offer = PharmacyProduct.objects.create(pharmacy=pharmacy_a, product=product, price="9.90")
    return {"base": catalogue_url(pharmacy_a), "offer": offer}


@HYPOTHESIS
@given(
    q=TEXT,
    category=TEXT,
    number=NUMBERISH,
    selection=st.lists(st.one_of(TEXT, NUMBERISH), max_size=40),
    fields=st.dictionaries(
        st.sampled_from(["first_name", "phone", "email", "pickup_date", "notify_by", "comment"]),
        st.one_of(TEXT, DATEISH),
        max_size=6,
    ),
    token=TOKEN,
)
def test_click_and_collect_routes(client_a, shop, q, category, number, selection, fields, token):
    base = shop["base"]
    _ok(client_a.get(base, {"q": q, "categorie": category, "page": number, "p": selection}))
    _ok(client_a.get(f"{base}produit/{shop['offer'].pk}/", {"p": selection}))
    _ok(client_a.get(f"{base}reserver/", {"p": selection}))
    _ok(client_a.post(f"{base}reserver/", {**fields, "selection": selection, "consent": "on"}))
    _ok(client_a.get(f"{base}reservee/", {"t": token}))
    quoted = quote(token, safe="")
    _ok(client_a.get(f"/retrait/suivi/{quoted}/"))
    _ok(client_a.post(f"/retrait/suivi/{quoted}/annuler/"))


COLLECT_ADMIN_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "offer": st.lists(st.one_of(NUMBERISH, st.sampled_from(["²", "٣", "1" * 30])), max_size=4),
        "status": st.one_of(TEXT, st.sampled_from(["preparing", "ready", "expired", "replaced"])),
        "note": TEXT,
        "q": TEXT,
    },
)


@HYPOTHESIS
@given(fields=COLLECT_ADMIN_FIELDS, price=NUMBERISH, availability=TEXT)
def test_click_and_collect_admin_actions_with_any_input(
    titular_client_a, world_a, fields, price, availability
):
    """The bulk edit, a reservation's status and a line's availability, posted by hand."""
    from django.urls import reverse

    offer = world_a.offer.pk
    bulk = {**fields, f"price-{offer}": price, f"availability-{offer}": availability}
    _ok(titular_client_a.post(reverse("collect_offers:bulk"), bulk))
    _ok(
        titular_client_a.post(reverse("reservations:status", args=[world_a.reservation.pk]), fields)
    )
    _ok(titular_client_a.post(reverse("reservations:line", args=[world_a.line.pk]), fields))


@pytest.mark.parametrize("offer", ["²", "1" * 30, "٣"])
def test_bulk_edit_with_a_digit_python_cannot_count_is_refused_quietly(
    titular_client_a, world_a, offer
):
    """ "²" passes str.isdigit() and not int(): a hand-edited bulk form is a page, not a 500."""
    from django.urls import reverse

    response = titular_client_a.post(reverse("collect_offers:bulk"), {"offer": [offer]})
    assert response.status_code in (200, 302, 400)
