"""What every new pharmacy gets from this app ("Prendre rendez-vous", its pharmacists as bookable
resources), and the demo's services and rooms."""

from datetime import time
from urllib.parse import urlencode

from wagtail.rich_text import RichText

from cms.models import ContentPage
from cms.provisioning import feature_page
from cms.public_forms import page_route_url

from .models import Resource, ResourceKind, Service, ServiceHours

VACCINATION_ROOM = "Box de vaccination"
# Services that take the room rather than a pharmacist's desk.
ROOM_CATEGORIES = {"vaccination", "depistage"}

# (name, slug, category, minutes, capacity, buffer, notice h, horizon d, max/day, description)
DEMO_SERVICES = [
    (
        "Vaccination antigrippale",
        "vaccination-antigrippale",
        "vaccination",
        10,
        1,
        5,
        2,
        30,
        None,
        "Pour les adultes et les enfants de plus de 11 ans. Apportez votre bon de prise en "
        "charge de l'Assurance maladie si vous en avez un.",
    ),
    (
        "Vaccination Covid-19",
        "vaccination-covid-19",
        "vaccination",
        15,
        1,
        0,
        2,
        30,
        None,
        "Rappel ou primo-vaccination, selon les recommandations en vigueur.",
    ),
    (
        "TROD angine",
        "trod-angine",
        "depistage",
        15,
        1,
        0,
        1,
        7,
        None,
        "Test rapide pour savoir si un antibiotique est utile (mal de gorge). Résultat en 10 minutes.",
    ),
    (
        "Test cystite",
        "test-cystite",
        "depistage",
        15,
        1,
        0,
        1,
        7,
        None,
        "Pour les femmes de 16 à 65 ans présentant des brûlures urinaires.",
    ),
    (
        "Entretien pharmaceutique",
        "entretien-pharmaceutique",
        "entretien",
        30,
        1,
        0,
        24,
        30,
        4,
        "Pour les patients sous anticoagulants, asthmatiques ou sous anticancéreux oraux.",
    ),
    (
        "Bilan partagé de médication",
        "bilan-partage-de-medication",
        "entretien",
        45,
        1,
        15,
        24,
        30,
        2,
        "Pour les patients de 65 ans et plus qui prennent au moins 5 médicaments. "
        "Apportez vos ordonnances et vos boîtes.",
    ),
    (
        "Aide au sevrage tabagique",
        "aide-au-sevrage-tabagique",
        "entretien",
        30,
        1,
        0,
        24,
        30,
        None,
        "Un premier entretien pour choisir ensemble les substituts nicotiniques adaptés.",
    ),
    (
        "Atelier soin de la peau",
        "atelier-soin-de-la-peau",
        "atelier",
        60,
        6,
        0,
        24,
        60,
        None,
        "Un atelier en petit groupe avec notre dermo-conseillère : routines et protection solaire.",
    ),
]

BOOKING_PAGE_BODY = [
    (
        "appointment_booking",
        {
            "title": "Prendre rendez-vous",
            "intro": RichText(
                "<p>Choisissez une prestation, puis un jour et un horaire. "
                "Vous recevez une confirmation et un rappel la veille.</p>"
            ),
            "categories": [],
        },
    )
]


def default_pages(home):
    """A "Prendre rendez-vous" page with the booking block, once per pharmacy."""
    return feature_page(
        home, title="Prendre rendez-vous", slug="rendez-vous", body=BOOKING_PAGE_BODY
    )


def pharmacy_provisioned(pharmacy, home):
    """One bookable resource per titular pharmacist (or a generic one), so services have one."""
    ensure_pharmacist_resources(pharmacy)


def ensure_pharmacist_resources(pharmacy) -> list[Resource]:
    resources = list(Resource._base_manager.filter(pharmacy=pharmacy, kind=ResourceKind.PHARMACIST))
    if resources:
        return resources
    for order, pharmacist in enumerate(pharmacy.pharmacists.all()):
        resources.append(
            Resource._base_manager.create(
                pharmacy=pharmacy,
                kind=ResourceKind.PHARMACIST,
                name=pharmacist.full_name,
                pharmacist=pharmacist,
                sort_order=order,
            )
        )
    return resources or [Resource.default_for(pharmacy)]


def booking_page(pharmacy):
    """The live page of the pharmacy's site that holds the booking block, if any."""
    root = pharmacy.site.root_page
    pages = ContentPage.objects.live().descendant_of(root).order_by("path")
    preferred = [p for p in pages if p.slug == "rendez-vous"] + list(pages)
    for page in preferred:
        for block in page.body:
            if block.block_type == "appointment_booking":
                return page, block.id
    return None, ""


def public_services(pharmacy, request=None) -> list[dict]:
    """The bookable services, each with the link that opens the booking block on that service."""
    services = list(Service.objects.filter(pharmacy=pharmacy, active=True))
    if not services:
        return []
    page, block_id = booking_page(pharmacy)
    rows = []
    for service in services:
        url = ""
        if page is not None:
            url = (
                page_route_url(page, request, "rdv", "steps")
                + "?"
                + urlencode({"block": block_id, "service": service.pk})
            )
        rows.append({"name": service.name, "description": service.description, "url": url})
    return rows


def seed_demo(pharmacy):
    """Realistic French services for a demo pharmacy; existing ones are left as they are.

    Vaccinations and tests take the vaccination room, interviews and workshops the first
    pharmacist: two tests never share the room, and an interview never overlaps a workshop.
    """
    pharmacist = ensure_pharmacist_resources(pharmacy)[0]
    room, _ = Resource._base_manager.get_or_create(
        pharmacy=pharmacy,
        kind=ResourceKind.ROOM,
        name=VACCINATION_ROOM,
        defaults={"sort_order": 10},
    )
    for order, row in enumerate(DEMO_SERVICES):
        name, slug, category, minutes, capacity, buffer, notice, horizon, per_day, text = row
        service, created = Service.objects.get_or_create(
            pharmacy=pharmacy,
            slug=slug,
            defaults={
                "name": name,
                "category": category,
                "description": text,
                "duration_minutes": minutes,
                "capacity": capacity,
                "buffer_after_minutes": buffer,
                "min_notice_hours": notice,
                "horizon_days": horizon,
                "max_per_day": per_day,
                "sort_order": order,
                "use_own_schedule": slug == "atelier-soin-de-la-peau",
                "resource": room if category in ROOM_CATEGORIES else pharmacist,
            },
        )
        if created and service.use_own_schedule:
            # The workshop runs on Wednesday and Saturday mornings only.
            for weekday in (2, 5):
                ServiceHours.objects.create(
                    service=service, weekday=weekday, opens=time(10), closes=time(11)
                )
    home = pharmacy.site.root_page.specific
    default_pages(home)
