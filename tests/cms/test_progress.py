"""The steps of a tracking page, on the prescription's path (whose "ready" step has three names)."""

from cms.progress import progress_steps
from ordonnances.models import PROGRESS, Status


def states(status):
    return [(step.label, step.state) for step in progress_steps(PROGRESS, status)]


def test_a_new_request_is_at_its_first_step():
    assert states(Status.RECEIVED) == [
        ("Reçue", "current"),
        ("En préparation", "todo"),
        ("Prête", "todo"),
        ("Retirée", "todo"),
    ]


def test_the_ready_step_says_which_ready():
    assert states(Status.READY_TOMORROW)[2] == ("Prête demain", "current")
    assert [state for _, state in states(Status.READY_TOMORROW)] == [
        "done",
        "done",
        "current",
        "todo",
    ]


def test_a_collected_request_has_every_step_done():
    assert {state for _, state in states(Status.COLLECTED)} == {"done"}


def test_a_cancelled_or_refused_request_shows_no_path():
    assert states(Status.CANCELLED) == [] and states(Status.REFUSED) == []
