"""A patient who hits the public rate limit is told so in French; nothing is stored."""

from django.core.cache import cache
from django.test import override_settings

from ordonnances.models import Prescription


@override_settings(OFFICINE_RATE_LIMIT_PER_IP="2/h")
def test_third_upload_from_one_address_is_refused_with_a_french_message(patient_a):
    cache.clear()
    assert patient_a.send().status_code == 303
    assert patient_a.send().status_code == 303
    refused = patient_a.send(first_name="Paulette")
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "Trop de demandes" in html
    assert 'value="Paulette"' in html
    assert Prescription.objects.count() == 2


@override_settings(OFFICINE_RATE_LIMIT_PER_IP="1000/h", OFFICINE_RATE_LIMIT_PER_PHARMACY="1/h")
def test_per_pharmacy_limit_does_not_touch_the_other_pharmacy(patient_a, patient_b):
    cache.clear()
    assert patient_a.send().status_code == 303
    assert patient_a.send().status_code == 429
    assert patient_b.send().status_code == 303
