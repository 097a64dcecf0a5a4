"""schema.org `Pharmacy` of a pharmacy's site, for search engines (rendered as JSON-LD in base.html).

Weekly hours become `openingHoursSpecification`; dated closures, special hours and duty periods
become `specialOpeningHoursSpecification` (closed is opens = closes = 00:00, as schema.org says).
"""

from __future__ import annotations

from django.utils import timezone

from pharmacies.hours import PARIS

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _hm(value) -> str:
    return value.strftime("%H:%M")


def pharmacy(pharmacy, *, url: str, image: str = "", services=(), now=None) -> dict:
    now = now or timezone.now()
    today = now.astimezone(PARIS).date()
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Pharmacy",
        "name": pharmacy.name,
        "url": url,
        "telephone": pharmacy.phone_uri.removeprefix("tel:"),
        "email": pharmacy.email,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": pharmacy.street,
            "postalCode": pharmacy.postal_code,
            "addressLocality": pharmacy.city,
            "addressCountry": "FR",
        },
        "openingHoursSpecification": [
            {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": f"https://schema.org/{DAYS[row.weekday]}",
                "opens": _hm(row.opens),
                "closes": _hm(row.closes),
            }
            for row in sorted(pharmacy.opening_hours.all(), key=lambda r: (r.weekday, r.opens))
        ],
    }
    if image:
        data["image"] = image
    if pharmacy.latitude is not None and pharmacy.longitude is not None:
        data["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": float(pharmacy.latitude),
            "longitude": float(pharmacy.longitude),
        }
    special = []
    for closure in pharmacy.upcoming_closures(today):
        special.append(
            {
                "@type": "OpeningHoursSpecification",
                "validFrom": closure.start_date.isoformat(),
                "validThrough": (closure.end_date or closure.start_date).isoformat(),
                "opens": _hm(closure.opens) if closure.opens else "00:00",
                "closes": _hm(closure.closes) if closure.closes else "00:00",
            }
        )
    for duty in pharmacy.upcoming_duties(now, limit=10):
        starts, ends = duty.starts.astimezone(PARIS), duty.ends.astimezone(PARIS)
        special.append(
            {
                "@type": "OpeningHoursSpecification",
                "name": "Garde",
                "validFrom": starts.date().isoformat(),
                "validThrough": ends.date().isoformat(),
                "opens": _hm(starts),
                "closes": _hm(ends),
            }
        )
    if special:
        data["specialOpeningHoursSpecification"] = special
    if services:
        data["makesOffer"] = [
            {"@type": "Offer", "itemOffered": {"@type": "Service", "name": name}}
            for name in services
        ]
    return data
