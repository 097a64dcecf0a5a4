"""Opening status as the header shows it: across midnight, closures, holidays and DST days."""

from datetime import date, datetime, time, timedelta

import pytest

from pharmacies.hours import PARIS, DayOverride, Schedule, describe_status

WEEK = {d: [(time(9), time(12, 30)), (time(14), time(19, 30))] for d in range(5)}
WEEK[5] = [(time(9), time(12, 30))]


def at(*args):
    return datetime(*args, tzinfo=PARIS)


def test_open_now_says_until_when():
    status = Schedule(WEEK).status_at(at(2026, 11, 24, 10, 0))  # Tuesday
    assert status.is_open
    assert describe_status(status, at(2026, 11, 24, 10, 0)) == "Ouvert jusqu'à 12h30"


def test_lunch_break_says_opens_today():
    now = at(2026, 11, 24, 13, 0)
    assert describe_status(Schedule(WEEK).status_at(now), now) == "Fermé, ouvre aujourd'hui à 14h"


def test_evening_says_opens_tomorrow():
    now = at(2026, 11, 24, 20, 0)
    assert describe_status(Schedule(WEEK).status_at(now), now) == "Fermé, ouvre demain à 9h"


def test_saturday_afternoon_skips_sunday_to_monday():
    now = at(2026, 11, 28, 15, 0)
    assert describe_status(Schedule(WEEK).status_at(now), now) == "Fermé, ouvre lundi à 9h"


def test_range_past_midnight_is_open_after_midnight():
    night = {4: [(time(20), time(2))]}  # Friday 20h → Saturday 2h
    schedule = Schedule(night)
    after_midnight = at(2026, 11, 28, 1, 0)
    status = schedule.status_at(after_midnight)
    assert status.is_open and status.closes_at == at(2026, 11, 28, 2, 0)
    assert describe_status(status, after_midnight) == "Ouvert jusqu'à 2h"
    assert not schedule.status_at(at(2026, 11, 28, 2, 30)).is_open


def test_touching_ranges_read_as_one_opening():
    schedule = Schedule({0: [(time(8), time(20)), (time(20), time(23))]})
    assert schedule.status_at(at(2026, 11, 23, 19, 0)).closes_at == at(2026, 11, 23, 23, 0)


def test_dated_closure_and_special_hours():
    schedule = Schedule(
        WEEK,
        overrides=[
            DayOverride(date(2026, 11, 24), date(2026, 11, 26), (), "Inventaire"),
            DayOverride(date(2026, 11, 27), date(2026, 11, 27), ((time(10), time(12)),)),
        ],
    )
    now = at(2026, 11, 24, 10, 0)
    status = schedule.status_at(now)
    assert not status.is_open
    assert status.next_opening == at(2026, 11, 27, 10, 0)
    assert describe_status(status, now) == "Fermé, ouvre vendredi à 10h"
    assert schedule.closed_dates(date(2026, 11, 23), date(2026, 11, 29)) == {
        date(2026, 11, 24),
        date(2026, 11, 25),
        date(2026, 11, 26),
        date(2026, 11, 29),
    }


def test_public_holiday_closes_unless_the_pharmacy_opens():
    christmas = at(2026, 12, 25, 10, 0)  # a Friday
    assert not Schedule(WEEK).status_at(christmas).is_open
    assert Schedule(WEEK, closed_on_holidays=False).status_at(christmas).is_open
    assert Schedule(WEEK).holiday_name(date(2026, 5, 1))
    # Good Friday is a holiday only in Alsace-Moselle.
    good_friday = date(2026, 4, 3)
    assert not Schedule(WEEK).holiday_name(good_friday)
    assert Schedule(WEEK, holiday_subdivision="57").holiday_name(good_friday)


@pytest.mark.parametrize(
    "day, utc_offset_before, utc_offset_after",
    [(date(2026, 3, 29), 1, 2), (date(2026, 10, 25), 2, 1)],
)
def test_daylight_saving_days(day, utc_offset_before, utc_offset_after):
    """A Sunday range 0h–5h straddles the change: opening and closing keep their wall times."""
    schedule = Schedule({6: [(time(0), time(5))]}, closed_on_holidays=False)
    ((start, end),) = schedule.intervals(day)
    assert start.astimezone(PARIS).utcoffset() == timedelta(hours=utc_offset_before)
    assert end.astimezone(PARIS).utcoffset() == timedelta(hours=utc_offset_after)
    assert (start.astimezone(PARIS).hour, end.astimezone(PARIS).hour) == (0, 5)
    assert (end - start) == timedelta(hours=5 - (utc_offset_after - utc_offset_before))
    inside = datetime.combine(day, time(4, 30), tzinfo=PARIS)
    status = schedule.status_at(inside)
    assert status.is_open and status.closes_at.astimezone(PARIS).hour == 5
    evening_before = datetime.combine(day - timedelta(days=1), time(22), tzinfo=PARIS)
    nxt = schedule.status_at(evening_before).next_opening
    assert nxt.astimezone(PARIS).hour == 0 and nxt.astimezone(PARIS).date() == day


def test_pharmacy_record_feeds_the_schedule(pharmacy_a):
    from pharmacies.models import Closure

    Closure.objects.create(pharmacy=pharmacy_a, start_date=date(2026, 11, 24), label="Travaux")
    pharmacy_a.refresh_from_db()
    pharmacy_a.__dict__.pop("schedule", None)
    assert pharmacy_a.schedule.is_closed_day(date(2026, 11, 24))
    assert not pharmacy_a.schedule.is_closed_day(date(2026, 11, 23))
    now = at(2026, 11, 24, 10, 0)
    assert pharmacy_a.opening_status_text(now) == "Fermé, ouvre demain à 9h"
