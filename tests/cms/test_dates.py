"""Dates and instants from a URL (`cms.dates`): garbage falls back, the calendar's ends are clamped."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cms.dates import (
    SANE_SPAN,
    DateFromToRangeFilter,
    clamp_date,
    parse_date_param,
    parse_instant_param,
)

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 3, 9)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime(2026, 3, 9, 8, 0, tzinfo=PARIS), tick=False):
        yield


@pytest.mark.parametrize(
    "value",
    [
        "",
        None,
        "demain",
        "2026-02-30",
        "2026-13-01",
        "09/03/2026",
        "-1",
        "1e309",
        "\x00",
        "9" * 500,
    ],
)
def test_missing_or_garbage_gives_the_default(value):
    assert parse_date_param(value, default=TODAY) == TODAY
    assert parse_date_param(value, default=None) is None


def test_a_plain_date_is_read_as_is():
    assert parse_date_param(" 2026-03-12 ", default=None) == date(2026, 3, 12)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("9999-12-31", TODAY + SANE_SPAN), ("0001-01-01", TODAY - SANE_SPAN)],
)
def test_the_ends_of_the_calendar_are_clamped_to_a_window_where_arithmetic_is_safe(value, expected):
    day = parse_date_param(value, default=None)
    assert day == expected
    # What the agenda does with it, without OverflowError: a week later, midnight in UTC.
    assert day + timedelta(days=7) - day == timedelta(days=7)
    midnight = datetime.combine(day, datetime.min.time(), tzinfo=PARIS)
    assert midnight.astimezone(ZoneInfo("UTC")).date() == day - timedelta(days=1)


def test_the_callers_window_is_applied_inside_the_sane_one():
    first, last = date(2026, 3, 9), date(2026, 4, 8)
    assert parse_date_param("2026-01-01", default=None, earliest=first, latest=last) == first
    assert parse_date_param("9999-12-31", default=None, earliest=first, latest=last) == last
    assert parse_date_param("2026-03-20", default=None, earliest=first, latest=last) == date(
        2026, 3, 20
    )


def test_an_empty_window_gives_its_first_day():
    assert clamp_date(date(2026, 5, 1), date(2026, 4, 1), date(2026, 3, 1)) == date(2026, 4, 1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-10T09:15:00+01:00", datetime(2026, 3, 10, 9, 15, tzinfo=PARIS)),
        # A "+" not encoded in a query string arrives as a space.
        ("2026-03-10T09:15:00 01:00", datetime(2026, 3, 10, 9, 15, tzinfo=PARIS)),
    ],
)
def test_an_instant_with_its_offset_is_read(value, expected):
    assert parse_instant_param(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        None,
        "2026-03-10T09:15:00",  # no offset: which 9h15?
        "demain",
        "9999-12-31T23:50:00-12:00",
        "0001-01-01T00:00:00+14:00",
        "2046-03-10T09:15:00+01:00",
    ],
)
def test_an_instant_without_offset_garbage_or_outside_the_window_is_none(value):
    assert parse_instant_param(value) is None


@pytest.mark.parametrize(
    ("data", "expected_start", "expected_stop"),
    [
        ({"start_after": "0001-01-01"}, TODAY - SANE_SPAN, None),
        ({"start_before": "9999-12-31"}, None, TODAY + SANE_SPAN),
        (
            {"start_after": "2026-03-01", "start_before": "2026-03-31"},
            date(2026, 3, 1),
            date(2026, 3, 31),
        ),
    ],
)
def test_the_admin_date_range_filter_clamps_both_ends(data, expected_start, expected_stop):
    field = DateFromToRangeFilter(field_name="start").field
    value = field.clean([data.get("start_after"), data.get("start_before")])
    if expected_start is not None:
        assert value.start.date() == expected_start
    if expected_stop is not None:
        assert value.stop.date() == expected_stop
    assert value.start is None or value.start.tzinfo is not None
