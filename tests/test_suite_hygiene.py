"""The promises the suite makes to CI: the same examples on every run, no silent skip of services."""

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from .conftest import _missing, hypothesis_profile


def drawn(profile: str) -> list[int]:
    """The integers one Hypothesis run draws under `profile` (nothing saved, nothing replayed)."""
    seen = []

    @hypothesis_settings(hypothesis_settings.get_profile(profile), max_examples=30, database=None)
    @given(st.integers())
    def record(value):
        seen.append(value)

    record()
    return seen


def test_ci_draws_the_same_examples_on_every_run_and_local_runs_do_not():
    assert drawn("ci") == drawn("ci")
    assert drawn("dev") != drawn("dev")


@pytest.mark.parametrize(
    "environ, profile",
    [
        ({"CI": "true"}, "ci"),
        ({}, "dev"),
        ({"CI": "false"}, "dev"),
        ({"HYPOTHESIS_PROFILE": "ci"}, "ci"),
    ],
)
def test_ci_environment_selects_the_ci_profile(environ, profile):
    assert hypothesis_profile(environ) == profile


def test_missing_service_fails_in_ci_and_skips_elsewhere(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required when CI=true"):
        _missing("PostgreSQL (DATABASE_URL)")

    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        _missing("PostgreSQL (DATABASE_URL)")
