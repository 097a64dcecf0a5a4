"""Tenancy fails closed: a query on a pharmacy's patient data needs a scope, and gets only its rows.

A view that forgot its `pharmacy=` filter, a task that forgot to say which pharmacy it works for,
a link opened on the wrong site: each one either sees one pharmacy's rows or raises, never leaks.
"""

import pytest
from celery import shared_task
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django_scopes import ScopeError

from notifications.models import OutboxMessage
from ordonnances.models import Prescription, PrescriptionFile
from ordonnances.services import tracking_token
from pharmacies.middleware import CurrentSiteMiddleware, TenantScopeMiddleware
from pharmacies.tenancy import all_pharmacies, pharmacy_scope
from rdv.models import Booking

from ..factories import BookingFactory, PrescriptionFactory, make_pharmacy, make_staff

SCOPED_MODELS = [Prescription, PrescriptionFile, Booking, OutboxMessage]


@pytest.fixture
def rows(pharmacy_a, pharmacy_b):
    PrescriptionFactory(pharmacy=pharmacy_a)
    PrescriptionFactory.create_batch(2, pharmacy=pharmacy_b)
    BookingFactory(pharmacy=pharmacy_a)
    return pharmacy_a, pharmacy_b


@pytest.mark.scoped
@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m.__name__)
def test_a_query_outside_any_scope_raises(model, rows):
    with pytest.raises(ScopeError):
        model.objects.count()
    with pytest.raises(ScopeError):
        list(model.objects.all())


@pytest.mark.scoped
def test_a_pharmacy_scope_sees_its_rows_only_and_the_agency_scope_sees_all(rows):
    pharmacy_a, pharmacy_b = rows
    with pharmacy_scope(pharmacy_a):
        assert [p.pharmacy_id for p in Prescription.objects.all()] == [pharmacy_a.pk]
        other = Prescription._base_manager.filter(pharmacy=pharmacy_b).first()
        with pytest.raises(Prescription.DoesNotExist):
            Prescription.objects.get(pk=other.pk)
        assert pharmacy_b.prescriptions.count() == 0  # related managers are scoped too
        assert Booking.objects.count() == 1
    with pharmacy_scope(pharmacy_b):
        assert Prescription.objects.count() == 2
        assert Booking.objects.count() == 0
    with all_pharmacies():
        assert Prescription.objects.count() == 3


def _through_middleware(request):
    seen = {}

    def view(req):
        seen["prescriptions"] = sorted(Prescription.objects.values_list("pharmacy_id", flat=True))
        return None

    CurrentSiteMiddleware(TenantScopeMiddleware(view))(request)
    return seen["prescriptions"]


@pytest.mark.scoped
def test_a_public_request_reads_the_rows_of_its_site_pharmacy_only(rows):
    pharmacy_a, pharmacy_b = rows
    request = RequestFactory().get("/", HTTP_HOST=pharmacy_b.site.hostname)
    assert _through_middleware(request) == [pharmacy_b.pk, pharmacy_b.pk]
    assert request.pharmacy == pharmacy_b and request.pharmacy_id == pharmacy_b.pk


@pytest.mark.scoped
def test_the_admin_reads_the_rows_of_the_user_pharmacies(rows, superuser):
    pharmacy_a, pharmacy_b = rows
    request = RequestFactory().get("/admin/", HTTP_HOST=pharmacy_b.site.hostname)
    request.user = make_staff(pharmacy_a)
    assert _through_middleware(request) == [pharmacy_a.pk]
    request = RequestFactory().get("/admin/", HTTP_HOST=pharmacy_b.site.hostname)
    request.user = superuser
    assert _through_middleware(request) == [pharmacy_a.pk, pharmacy_b.pk, pharmacy_b.pk]


@pytest.mark.scoped
def test_a_request_on_a_site_without_pharmacy_cannot_read_any(rows):
    request = RequestFactory().get("/", HTTP_HOST="agence.test")
    with pytest.raises(ScopeError):
        _through_middleware(request)


def test_a_pharmacy_link_opened_on_the_agency_site_is_a_404_not_a_500(rows):
    prescription = Prescription.objects.filter(pharmacy=rows[0]).get()
    response = Client(HTTP_HOST="agence.test").get(
        f"/ordonnances/suivi/{tracking_token(prescription)}/"
    )
    assert response.status_code == 404


@shared_task(name="tests.count_prescriptions")
def count_prescriptions_without_saying_for_whom():
    return Prescription.objects.count()


@shared_task(name="tests.count_prescriptions_of")
def count_prescriptions_of(pharmacy_id):
    with pharmacy_scope(pharmacy_id):
        return Prescription.objects.count()


def test_a_task_starts_with_no_pharmacy_even_when_run_from_a_request_scope(rows):
    pharmacy_a, pharmacy_b = rows
    with pharmacy_scope(pharmacy_a):
        result = count_prescriptions_without_saying_for_whom.apply()
    assert isinstance(result.result, ScopeError)
    assert count_prescriptions_of.apply(args=[pharmacy_b.pk]).get() == 2


def test_the_request_pharmacy_id_comes_from_the_cached_site_without_a_query(rows):
    pharmacy_a, _ = rows
    CurrentSiteMiddleware(lambda r: None)(RequestFactory().get("/", HTTP_HOST="pharmacie-a.test"))
    request = RequestFactory().get("/", HTTP_HOST="pharmacie-a.test")
    with CaptureQueriesContext(connection) as queries:
        CurrentSiteMiddleware(lambda r: None)(request)
        assert request.pharmacy_id == pharmacy_a.pk
    assert len(queries) == 0
    with CaptureQueriesContext(connection) as first:
        assert request.pharmacy.name == pharmacy_a.name
        list(request.pharmacy.opening_hours.all())
    with CaptureQueriesContext(connection) as again:
        assert request.pharmacy.name == pharmacy_a.name
        list(request.pharmacy.opening_hours.all())
    assert len(first) > 0 and len(again) == 0  # loaded with its hours once, then kept


def test_a_pharmacy_created_on_a_known_host_is_found_at_once(db):
    warm = RequestFactory().get("/", HTTP_HOST="nouvelle.test")
    CurrentSiteMiddleware(lambda r: None)(warm)
    assert not warm.pharmacy_id
    pharmacy = make_pharmacy(hostname="nouvelle.test")
    request = RequestFactory().get("/", HTTP_HOST="nouvelle.test")
    CurrentSiteMiddleware(lambda r: None)(request)
    assert request.pharmacy_id == pharmacy.pk
