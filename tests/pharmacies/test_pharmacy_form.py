"""The pharmacy record's rows (opening hours, titular pharmacists) are its own, each pharmacist once."""

import pytest
from django.urls import reverse
from django.utils.html import escape
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from pharmacies.models import OpeningHours, TitularPharmacist

FOREIGN_ROW = "Cette ligne n'appartient pas à cette fiche."
TWICE = "Ce pharmacien titulaire figure déjà dans la liste."


def pharmacy_form(pharmacy, *, hours=(), pharmacists=None):
    """The edit form as the admin shows it; `hours` rows (id, weekday, opens, closes) appended."""
    rows = [
        {"id": row.pk, "weekday": row.weekday, "opens": f"{row.opens:%H:%M}"}
        | {"closes": f"{row.closes:%H:%M}", "ORDER": index, "DELETE": ""}
        for index, row in enumerate(pharmacy.opening_hours.all())
    ]
    rows += [
        {"id": pk, "weekday": weekday, "opens": opens, "closes": closes}
        | {"ORDER": len(rows) + index, "DELETE": ""}
        for index, (pk, weekday, opens, closes) in enumerate(hours)
    ]
    if pharmacists is None:
        pharmacists = [(p.pk, p.full_name, p.rpps) for p in pharmacy.pharmacists.all()]
    pharmacist_rows = [
        {"id": pk, "full_name": name, "rpps": rpps, "ORDER": index, "DELETE": ""}
        for index, (pk, name, rpps) in enumerate(pharmacists)
    ]
    fields = {
        name: getattr(pharmacy, name)
        for name in (
            "name legal_name street postal_code city phone email licence_number siret ars "
            "health_data_host web_host holiday_subdivision notification_email sms_sender "
            "prescription_retention_days primary_colour accent_colour layout font_pair"
        ).split()
    }
    return nested_form_data(
        fields
        | {"closed_on_public_holidays": "on", "email_enabled": "on", "sms_enabled": "on"}
        | {
            # Every row posted with an id counts as an existing row, as a tampered form would.
            "pharmacists": inline_formset(
                pharmacist_rows, initial=_with_id(pharmacist_rows), min=1
            ),
            "opening_hours": inline_formset(rows, initial=_with_id(rows)),
            "closures": inline_formset([]),
            "duty_periods": inline_formset([]),
        }
    )


def _with_id(rows) -> int:
    return sum(1 for row in rows if row["id"] != "")


def _rows(model, pharmacy):
    return sorted(model.objects.filter(pharmacy=pharmacy).values_list())


def test_own_record_saves(admin_client_a, pharmacy_a):
    url = reverse("pharmacies:edit", args=[pharmacy_a.pk])
    response = admin_client_a.post(
        url, pharmacy_form(pharmacy_a, hours=[("", 6, "10:00", "12:00")])
    )
    assert response.status_code == 302
    assert pharmacy_a.opening_hours.filter(weekday=6).count() == 1


@pytest.mark.parametrize("relation", ["opening_hours", "pharmacists"])
def test_a_row_of_another_pharmacy_is_refused(relation, admin_client_a, pharmacy_a, pharmacy_b):
    before = (
        _rows(OpeningHours, pharmacy_a),
        _rows(OpeningHours, pharmacy_b),
        _rows(TitularPharmacist, pharmacy_a),
        _rows(TitularPharmacist, pharmacy_b),
    )
    if relation == "opening_hours":
        foreign = pharmacy_b.opening_hours.first()
        data = pharmacy_form(pharmacy_a, hours=[(foreign.pk, 6, "10:00", "12:00")])
    else:
        foreign = pharmacy_b.pharmacists.first()
        own = [(p.pk, p.full_name, p.rpps) for p in pharmacy_a.pharmacists.all()]
        data = pharmacy_form(pharmacy_a, pharmacists=[*own, (foreign.pk, "Intrus", "10199999999")])

    response = admin_client_a.post(reverse("pharmacies:edit", args=[pharmacy_a.pk]), data)

    assert response.status_code == 200
    assert escape(FOREIGN_ROW) in response.content.decode()
    errors = [form.non_field_errors() for form in response.context["form"].formsets[relation]]
    assert errors[-1] == [FOREIGN_ROW]
    after = (
        _rows(OpeningHours, pharmacy_a),
        _rows(OpeningHours, pharmacy_b),
        _rows(TitularPharmacist, pharmacy_a),
        _rows(TitularPharmacist, pharmacy_b),
    )
    assert after == before


def test_the_same_titular_pharmacist_twice_is_refused_on_the_row(admin_client_a, pharmacy_a):
    titular = pharmacy_a.pharmacists.get()
    data = pharmacy_form(
        pharmacy_a,
        pharmacists=[
            (titular.pk, titular.full_name, titular.rpps),
            ("", titular.full_name, titular.rpps),
        ],
    )
    response = admin_client_a.post(reverse("pharmacies:edit", args=[pharmacy_a.pk]), data)
    assert response.status_code == 200
    forms = response.context["form"].formsets["pharmacists"].forms
    assert forms[1].errors["rpps"] == [TWICE]
    assert not forms[0].errors
    assert pharmacy_a.pharmacists.count() == 1
