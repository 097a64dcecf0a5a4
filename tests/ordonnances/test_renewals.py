"""Renewable prescriptions: the patient says so, the pharmacist sets the schedule, each month's
preparation appears in the "à préparer" list, is announced with its number, and the patient can
skip, delay or stop from the tracking link."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from notifications import sms
from ordonnances import renewals, services
from ordonnances.models import (
    Dispensing,
    Prescription,
    RenewalSchedule,
    RenewalSettings,
    RenewalStatus,
    Status,
)
from ordonnances.pickup import pickup_hours_text
from ordonnances.tasks import create_due_dispensings
from pharmacies import gdpr
from pharmacies.models import AuditAction, AuditEvent
from tests.rdv.conftest import PARIS

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=PARIS)


class Clock:
    """The frozen clock; moving it weeks ahead logs the pharmacist in again (sessions expire)."""

    def __init__(self, time_machine, admin_client, staff):
        self.time_machine, self.admin_client, self.staff = time_machine, admin_client, staff

    def move_to(self, when, tick=False):
        self.time_machine.move_to(when, tick=tick)
        self.admin_client.force_login(self.staff)


@pytest.fixture
def frozen(time_machine, admin_client_a, staff_a):
    time_machine.move_to(MONDAY, tick=False)
    admin_client_a.force_login(staff_a)
    return Clock(time_machine, admin_client_a, staff_a)


@pytest.fixture
def renewable(frozen, patient_a):
    response = patient_a.send(renewable="on", renewal_months="3")
    assert response.status_code == 303
    return Prescription.objects.get(pharmacy=patient_a.pharmacy)


def set_schedule(admin_client, prescription, **overrides):
    data = {"dispensings_total": "3", "interval": "28", "first_date": "2026-03-02"}
    data.update(overrides)
    return admin_client.post(reverse("prescriptions:renewal", args=[prescription.pk]), data)


def detail(admin_client, prescription):
    response = admin_client.get(reverse("prescriptions:inspect", args=[prescription.pk]))
    assert response.status_code == 200
    return response.content.decode()


def track_url(prescription):
    return reverse("ordonnances:track", args=[services.tracking_token(prescription)])


# --- Upload form ------------------------------------------------------------------------


def test_patient_says_the_prescription_is_renewable(renewable, admin_client_a):
    schedule = renewable.renewal
    assert schedule.status == RenewalStatus.REQUESTED and schedule.requested_months == 3
    html = detail(admin_client_a, renewable)
    assert "À confirmer" in html and "3 mois" in html and "Confirmer le renouvellement" in html


def test_leaving_the_duration_to_the_pharmacist(frozen, patient_a):
    assert patient_a.send(renewable="on", renewal_months="").status_code == 303
    schedule = RenewalSchedule.objects.get()
    assert schedule.requested_months is None and schedule.dispensings_total is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"renewal_months": "3"}, "Cochez « Ordonnance renouvelable »"),
        ({"renewable": "on", "renewal_months": "99"}, "Choisissez une durée entre 2 et 12 mois."),
    ],
)
def test_bad_renewal_answers_are_explained(frozen, patient_a, data, message):
    response = patient_a.send(**data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Prescription.objects.exists()


def test_a_one_off_prescription_has_no_schedule(frozen, patient_a, admin_client_a):
    assert patient_a.send().status_code == 303
    prescription = Prescription.objects.get()
    assert not RenewalSchedule.objects.exists()
    assert "n'a pas indiqué d'ordonnance renouvelable" in detail(admin_client_a, prescription)


# --- Pharmacist sets the schedule -------------------------------------------------------


def test_pharmacist_confirms_the_schedule(renewable, admin_client_a):
    response = set_schedule(admin_client_a, renewable)
    assert response.status_code == 302
    schedule = RenewalSchedule.objects.get()
    assert schedule.status == RenewalStatus.ACTIVE
    assert schedule.end_date == date(2026, 4, 27)  # 2 March, 30 March, 27 April
    html = detail(admin_client_a, renewable)
    assert "Renouvellement enregistré : 3 délivrances, jusqu&#x27;au 27 avril 2026." in html
    assert "lundi 27 avril 2026" in html  # end date
    assert 'class="renewal-remaining"><strong>3</strong>' in html
    event = AuditEvent.objects.filter(object_type="ordonnances.renewalschedule").get()
    assert event.action == AuditAction.STATUS_CHANGE and event.detail["total"] == 3


def test_custom_interval(renewable, admin_client_a):
    set_schedule(admin_client_a, renewable, interval="custom", custom_days="45")
    assert RenewalSchedule.objects.get().interval_days == 45


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"dispensings_total": "1"}, "Au moins 2 délivrances"),
        ({"dispensings_total": "40"}, "Au plus 13 délivrances."),
        ({"dispensings_total": "trois"}, "Indiquez un nombre entier."),
        ({"interval": "custom", "custom_days": ""}, "Indiquez l&#x27;intervalle en jours."),
        ({"interval": "custom", "custom_days": "2"}, "Au moins 7 jours."),
        ({"interval": "hebdo"}, "Choisissez un intervalle."),
        ({"first_date": "31/02/2026"}, "Indiquez une date valide."),
        (
            {"first_date": "2031-01-01"},
            "La date de première délivrance doit être dans l&#x27;année.",
        ),
    ],
)
def test_bad_schedules_are_refused_in_french(renewable, admin_client_a, data, message):
    response = set_schedule(admin_client_a, renewable, **data)
    assert response.status_code == 302
    assert message in detail(admin_client_a, renewable)
    assert RenewalSchedule.objects.get().status == RenewalStatus.REQUESTED


def test_another_pharmacy_cannot_touch_the_schedule(renewable, admin_client_b):
    assert set_schedule(admin_client_b, renewable).status_code == 404
    assert RenewalSchedule.objects.get().status == RenewalStatus.REQUESTED


# --- Due preparations (beat job) --------------------------------------------------------


@pytest.fixture
def active(renewable, admin_client_a):
    set_schedule(admin_client_a, renewable)
    return RenewalSchedule.objects.get()


def index_html(admin_client):
    response = admin_client.get(reverse("prescriptions:index"))
    assert response.status_code == 200
    return response.content.decode()


def test_due_preparation_appears_three_days_ahead_once(
    active, frozen, admin_client_a, django_capture_on_commit_callbacks
):
    # Dispensing 2 is due on 30 March: nothing on 26 March, created on 27 (3 days ahead).
    frozen.move_to(datetime(2026, 3, 26, 6, 0, tzinfo=PARIS), tick=False)
    assert create_due_dispensings() == 0
    assert "Aucun renouvellement à préparer" in index_html(admin_client_a)
    frozen.move_to(datetime(2026, 3, 27, 6, 0, tzinfo=PARIS), tick=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert create_due_dispensings() == 1
        assert create_due_dispensings() == 0  # running twice creates nothing twice
    dispensing = Dispensing.objects.get()
    assert (dispensing.number, dispensing.due_date, dispensing.status) == (
        2,
        date(2026, 3, 30),
        Status.RECEIVED,
    )
    html = index_html(admin_client_a)
    assert active.prescription.reference in html and "2/3" in html and "30/03/2026" in html
    [pharmacy_mail] = mail.outbox
    assert "Renouvellement 2/3 à préparer" in pharmacy_mail.subject
    dashboard = admin_client_a.get(reverse("wagtailadmin_home")).content.decode()
    assert "1 renouvellement à préparer" in dashboard


def test_lead_time_is_a_pharmacy_setting(active, frozen, admin_client_a, pharmacy_a):
    response = admin_client_a.post(
        reverse("prescriptions:lead_days", args=[pharmacy_a.pk]), {"lead_days": "10"}
    )
    assert response.status_code == 302
    frozen.move_to(datetime(2026, 3, 20, 6, 0, tzinfo=PARIS), tick=False)
    assert create_due_dispensings() == 1
    assert "Réglage enregistré." in index_html(admin_client_a)


@pytest.mark.parametrize("value", ["-1", "31", "dix", ""])
def test_bad_lead_time_is_explained(active, admin_client_a, pharmacy_a, value):
    response = admin_client_a.post(
        reverse("prescriptions:lead_days", args=[pharmacy_a.pk]), {"lead_days": value}
    )
    assert response.status_code == 302
    html = index_html(admin_client_a)
    assert "Indiquez" in html and "Réglage enregistré" not in html


def test_lead_time_of_another_pharmacy_is_out_of_reach(admin_client_a, pharmacy_b):
    response = admin_client_a.post(
        reverse("prescriptions:lead_days", args=[pharmacy_b.pk]), {"lead_days": "9"}
    )
    assert response.status_code == 404
    assert renewals.lead_days(pharmacy_b) == 3


def test_a_missed_run_catches_up_without_duplicates(active, frozen):
    frozen.move_to(datetime(2026, 4, 30, 6, 0, tzinfo=PARIS), tick=False)
    assert create_due_dispensings() == 2
    assert create_due_dispensings() == 0
    assert sorted(Dispensing.objects.values_list("number", flat=True)) == [2, 3]


def test_stopped_or_unconfirmed_schedules_create_nothing(renewable, frozen):
    frozen.move_to(datetime(2026, 6, 1, 6, 0, tzinfo=PARIS), tick=False)
    assert create_due_dispensings() == 0


# --- Workflow and messages --------------------------------------------------------------


@pytest.fixture
def due(active, frozen, django_capture_on_commit_callbacks):
    frozen.move_to(datetime(2026, 3, 27, 6, 0, tzinfo=PARIS), tick=False)
    create_due_dispensings()
    sms.outbox.clear()
    mail.outbox.clear()
    return Dispensing.objects.get()


def post_status(admin_client, dispensing, status, note=""):
    return admin_client.post(
        reverse("prescriptions:dispensing_status", args=[dispensing.pk]),
        {"status": status, "note": note},
    )


def test_ready_message_says_which_dispensing(
    due, admin_client_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert post_status(admin_client_a, due, "preparing").status_code == 302
        assert post_status(admin_client_a, due, "ready").status_code == 302
    due.refresh_from_db()
    assert due.status == Status.READY
    [text] = [m.body for m in sms.outbox]
    assert f"{due.prescription.reference} (2/3) est disponible" in text
    assert "Dernier renouvellement" not in text
    assert pickup_hours_text(due.prescription.pharmacy) in text
    [email] = [m for m in mail.outbox if m.to == [due.prescription.email]]
    assert "(2/3)" in email.subject and "ordonnance originale" in email.body
    assert "Délivrance 2/3 de" in detail(admin_client_a, due.prescription)


def test_last_dispensing_reminds_to_see_the_prescriber(
    due, admin_client_a, django_capture_on_commit_callbacks
):
    post_status(admin_client_a, due, "collected")  # not allowed straight from received
    assert "Impossible de passer" in detail(admin_client_a, due.prescription)
    post_status(admin_client_a, due, "ready")
    post_status(admin_client_a, due, "collected")
    renewals.create_due_dispensings(today=date(2026, 4, 27))
    last = Dispensing.objects.get(number=3)
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post_status(admin_client_a, last, "ready")
    [text] = [m.body for m in sms.outbox]
    assert "(3/3)" in text and "Dernier renouvellement" in text
    assert sms.segment_count(text) <= 2
    last_email = [m for m in mail.outbox if "(3/3)" in m.subject][0]
    assert "prenez rendez-vous avec votre médecin" in last_email.body


def test_refusing_needs_a_message(due, admin_client_a):
    post_status(admin_client_a, due, "refused")
    assert "Indiquez un message pour le patient." in detail(admin_client_a, due.prescription)
    due.refresh_from_db()
    assert due.status == Status.RECEIVED


def test_another_pharmacy_cannot_act_on_a_dispensing(due, admin_client_b):
    assert post_status(admin_client_b, due, "ready").status_code == 404
    due.refresh_from_db()
    assert due.status == Status.RECEIVED


def test_schedule_finishes_with_its_last_dispensing(active, admin_client_a):
    services.change_status(active.prescription, Status.READY)
    services.change_status(active.prescription, Status.COLLECTED)
    renewals.create_due_dispensings(today=date(2026, 4, 30))
    for dispensing in Dispensing.objects.order_by("number"):
        renewals.change_dispensing_status(dispensing, Status.READY)
        renewals.change_dispensing_status(dispensing, Status.COLLECTED)
    active.refresh_from_db()
    assert active.status == RenewalStatus.FINISHED and active.remaining == 0


# --- The patient's side -----------------------------------------------------------------


def test_tracking_page_shows_remaining_and_end_date(due, client_a):
    html = client_a.get(track_url(due.prescription)).content.decode()
    assert "Délivrances restantes" in html and "<strong>3</strong> / 3" in html
    assert "lundi 27 avril 2026" in html  # end date
    assert "Délivrance 2/3" in html and "prévue le lundi 30 mars 2026" in html
    for label in (
        "Sauter cette délivrance",
        "Décaler d&#x27;une semaine",
        "Arrêter le renouvellement",
    ):
        assert label in html


def ask(client, prescription, action, **extra):
    url = reverse(
        "ordonnances:renewal_request", args=[services.tracking_token(prescription), action]
    )
    return client.get(url), client.post(url, **extra)


def test_patient_skips_and_the_pharmacist_applies(due, client_a, admin_client_a):
    confirm, response = ask(client_a, due.prescription, "sauter")
    assert confirm.status_code == 200
    assert "ne pas recevoir la délivrance 2/3 prévue le lundi 30 mars 2026" in (
        confirm.content.decode()
    )
    assert response.status_code == 303
    followed = client_a.get(response["Location"]).content.decode()
    assert "Votre demande a été transmise à la pharmacie" in followed
    assert "en attente de la pharmacie" in followed
    assert "Sauter cette délivrance" in index_html(admin_client_a)
    html = detail(admin_client_a, due.prescription)
    assert "Demande du patient le" in html and "Appliquer" in html
    admin_client_a.post(
        reverse("prescriptions:dispensing_request", args=[due.pk]), {"answer": "accept"}
    )
    due.refresh_from_db()
    assert due.status == Status.CANCELLED and due.patient_request == ""
    assert "Demande appliquée : Sauter cette délivrance." in detail(
        admin_client_a, due.prescription
    )


def test_patient_delays_a_week(due, client_a, admin_client_a, frozen):
    ask(client_a, due.prescription, "decaler")
    admin_client_a.post(
        reverse("prescriptions:dispensing_request", args=[due.pk]), {"answer": "accept"}
    )
    due.refresh_from_db()
    schedule = due.schedule
    schedule.refresh_from_db()
    assert due.due_date == date(2026, 4, 6) and schedule.end_date == date(2026, 5, 4)
    assert (
        "prévue le lundi 6 avril 2026" in client_a.get(track_url(due.prescription)).content.decode()
    )


def test_patient_stops_and_the_pharmacist_can_refuse(due, client_a, admin_client_a):
    ask(client_a, due.prescription, "arreter")
    admin_client_a.post(
        reverse("prescriptions:dispensing_request", args=[due.pk]), {"answer": "dismiss"}
    )
    due.refresh_from_db()
    assert due.patient_request == "" and due.schedule.status == RenewalStatus.ACTIVE
    ask(client_a, due.prescription, "arreter")
    admin_client_a.post(
        reverse("prescriptions:dispensing_request", args=[due.pk]), {"answer": "accept"}
    )
    due.refresh_from_db()
    assert due.schedule.status == RenewalStatus.STOPPED and due.status == Status.CANCELLED
    html = client_a.get(track_url(due.prescription)).content.decode()
    assert "Le renouvellement est arrêté" in html
    _confirm, again = ask(client_a, due.prescription, "sauter")
    assert again.status_code == 409 and "Cette demande n&#x27;est plus possible" in (
        again.content.decode()
    )


def test_a_prepared_dispensing_can_no_longer_be_skipped(due, client_a, admin_client_a):
    post_status(admin_client_a, due, "ready")
    html = client_a.get(track_url(due.prescription)).content.decode()
    assert "Sauter cette délivrance" not in html and "Arrêter le renouvellement" in html
    _confirm, response = ask(client_a, due.prescription, "sauter")
    assert response.status_code == 409
    assert Dispensing.objects.get().patient_request == ""


def test_patient_request_before_the_preparation_exists(active, client_a):
    _confirm, response = ask(client_a, active.prescription, "decaler")
    assert response.status_code == 303
    dispensing = Dispensing.objects.get()
    assert (dispensing.number, dispensing.patient_request) == (2, "delay")


def test_cross_origin_or_foreign_site_requests_change_nothing(due, client_a, client_b):
    url = reverse(
        "ordonnances:renewal_request", args=[services.tracking_token(due.prescription), "sauter"]
    )
    response = client_a.post(url, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert client_b.post(url).status_code == 404
    assert client_a.get(url.replace("sauter", "annuler-tout")).status_code == 404
    assert Dispensing.objects.get().patient_request == ""


# --- Retention and GDPR -----------------------------------------------------------------


def test_a_running_renewal_is_not_purged(active, frozen):
    services.change_status(active.prescription, Status.READY)
    services.change_status(active.prescription, Status.COLLECTED)
    frozen.move_to(timezone.now() + timedelta(days=400), tick=False)
    assert services.purge_expired() == 0
    renewals.stop_schedule(active)
    assert services.purge_expired() == 1
    assert Prescription.objects.get().purged_at is not None


def test_gdpr_export_holds_the_schedule(due):
    records = gdpr.find_patient_records(due.prescription.pharmacy, email=due.prescription.email)
    [part] = [p for p in records.parts if p.key == "prescriptions"]
    [exported] = part.export()
    renewal = exported["renewal"]
    assert renewal["dispensings_total"] == 3 and renewal["status"] == "active"
    assert renewal["dispensings"][0]["number"] == 2


# --- Fail-closed tenancy ----------------------------------------------------------------


@pytest.fixture
def scoped_rows(active):
    renewals.create_due_dispensings(today=date(2026, 3, 30))
    renewals.set_lead_days(active.prescription.pharmacy, 5)
    return active


@pytest.mark.scoped
@pytest.mark.parametrize("model", [RenewalSchedule, Dispensing, RenewalSettings])
def test_renewal_rows_need_a_scope(scoped_rows, model, pharmacy_b):
    from django_scopes import ScopeError

    from pharmacies.tenancy import all_pharmacies, pharmacy_scope

    with pytest.raises(ScopeError):
        list(model.objects.all())
    with pharmacy_scope(pharmacy_b):
        assert not model.objects.exists()
    with all_pharmacies():
        assert model.objects.count() == 1


@pytest.mark.scoped
def test_beat_job_declares_its_cross_pharmacy_scope(active, frozen):
    frozen.move_to(datetime(2026, 3, 27, 6, 0, tzinfo=PARIS), tick=False)
    assert create_due_dispensings() == 1  # the Celery task, started with no scope
