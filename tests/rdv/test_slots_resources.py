"""The slot engine with a shared resource: one pharmacist or one room is never in two places.

Pure arithmetic like `test_slots.py`: services are rules and schedules, bookings are instants.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rdv.slots import ServiceRules, available_slots, held_by, slot_is_offered

from .test_slots import PARIS, RANGES, RULES, TUESDAY, USUAL, at, minutes, walls, windows

VACCINATION = ServiceRules(duration=minutes(10), buffer_after=minutes(5))
TROD = ServiceRules(duration=minutes(15))


def day_slots(rules, *, day=TUESDAY, weekly=USUAL, **kwargs):
    now = at(day - timedelta(days=1), 12)
    return available_slots(rules, weekly, now=now, date_from=day, date_to=day, **kwargs)


def test_a_vaccination_at_ten_takes_the_pharmacist_away_from_a_trod_at_ten():
    busy = [held_by(at(TUESDAY, 10), VACCINATION)]

    offered = walls(day_slots(TROD, resource_busy=busy))

    assert "10:00" not in offered
    # The vaccination and its clean-up hold 10:00-10:15: the TROD ending at 10:00 and the one
    # starting at 10:15 both fit around it.
    assert "09:45" in offered and "10:15" in offered


def test_a_long_booking_of_another_service_blocks_every_slot_it_covers():
    interview = ServiceRules(duration=minutes(45), buffer_after=minutes(15))
    busy = [held_by(at(TUESDAY, 9, 30), interview)]

    offered = walls(day_slots(TROD, resource_busy=busy))

    assert [w for w in offered if "09:00" <= w < "10:45"] == ["09:00", "09:15", "10:30"]


def test_busy_intervals_in_any_zone_and_order_count_the_same():
    busy = [
        (at(TUESDAY, 11).astimezone(UTC), at(TUESDAY, 11, 30).astimezone(UTC)),
        held_by(at(TUESDAY, 9), TROD),
    ]

    offered = walls(day_slots(TROD, resource_busy=iter(busy)))

    assert "09:00" not in offered and "11:00" not in offered and "11:15" not in offered
    assert "09:15" in offered and "11:30" in offered


def test_resource_hours_narrow_the_service_hours():
    mornings = {weekday: [(time(9), time(11))] for weekday in range(5)}

    offered = walls(day_slots(TROD, resource_weekly=mornings))

    assert offered[0] == "09:00" and offered[-1] == "10:45"


def test_resource_absent_that_weekday_offers_nothing():
    mondays_only = {0: [(time(8), time(20))]}

    assert day_slots(TROD, resource_weekly=mondays_only) == []


def test_back_to_back_resource_ranges_read_as_one_stretch():
    split = {1: [(time(9), time(10, 5)), (time(10, 5), time(12))]}

    offered = walls(day_slots(TROD, resource_weekly=split))

    assert "10:00" in offered


def test_empty_resource_hours_mean_no_narrowing_but_none_means_unknown():
    assert day_slots(TROD, resource_weekly={}) == []
    assert walls(day_slots(TROD, resource_weekly=None)) == walls(day_slots(TROD))


def test_posted_start_is_refused_when_the_resource_is_taken_and_naive_busy_is_refused():
    busy = [held_by(at(TUESDAY, 10), VACCINATION)]
    now = at(TUESDAY - timedelta(days=1), 12)

    assert not slot_is_offered(TROD, USUAL, at(TUESDAY, 10), now=now, resource_busy=busy)
    assert slot_is_offered(TROD, USUAL, at(TUESDAY, 10, 15), now=now, resource_busy=busy)
    with pytest.raises(ValueError):
        day_slots(TROD, resource_busy=[(datetime(2026, 6, 9, 10), datetime(2026, 6, 9, 11))])


# --- property: whatever the services, the resource is never booked twice at once -------------


WEEKS = st.one_of(st.just(USUAL), st.dictionaries(st.integers(0, 6), RANGES, min_size=4))


@settings(max_examples=100, deadline=None)
@given(
    services=st.lists(st.tuples(RULES, WEEKS), min_size=2, max_size=3),
    resource_weekly=st.none() | WEEKS,
    window=windows(),
    data=st.data(),
)
def test_no_two_overlapping_bookings_on_one_resource_whatever_the_services(
    services, resource_weekly, window, data
):
    """Patients book the offered slots of services sharing one resource in any order: two
    bookings of the resource either share a session (same service, same start, within its
    seats) or do not overlap, and each lies within the resource's hours."""
    date_from, date_to, now = window
    booked: list[tuple[int, datetime]] = []

    def offered(index):
        rules, weekly = services[index]
        own = [(start, 1) for i, start in booked if i == index]
        busy = [held_by(start, services[i][0]) for i, start in booked if i != index]
        return available_slots(
            rules,
            weekly,
            now=now,
            date_from=date_from,
            date_to=date_to,
            bookings=own,
            resource_busy=busy,
            resource_weekly=resource_weekly,
        )

    for _ in range(data.draw(st.integers(1, 12), label="attempts")):
        index = data.draw(st.integers(0, len(services) - 1), label="service")
        choices = offered(index)
        if not choices:
            continue
        slot = data.draw(st.sampled_from(choices), label="slot")
        booked.append((index, slot.start.astimezone(UTC)))
    assume(booked)

    for n, (i, start) in enumerate(booked):
        rules = services[i][0]
        same_session = sum(1 for j, other in booked if (j, other) == (i, start))
        assert same_session <= rules.capacity
        held = held_by(start, rules)
        for j, other in booked[n + 1 :]:
            if (j, other) == (i, start):
                continue
            other_held = held_by(other, services[j][0])
            assert held[1] <= other_held[0] or other_held[1] <= held[0], (i, start, j, other)
        if resource_weekly is not None:
            assert covered(resource_weekly, start, start + rules.duration)


def covered(weekly, start: datetime, end: datetime) -> bool:
    """Reference: the resource's ranges of that day and the day before cover [start, end)."""
    day = start.astimezone(PARIS).date()
    ranges = []
    for opening_day in (day - timedelta(days=1), day):
        for opens, closes in weekly.get(opening_day.weekday(), []):
            closing_day = opening_day + timedelta(days=opens >= closes)
            ranges.append(
                (
                    datetime.combine(opening_day, opens, tzinfo=PARIS).astimezone(UTC),
                    datetime.combine(closing_day, closes, tzinfo=PARIS).astimezone(UTC),
                )
            )
    reached = start
    progress = True
    while reached < end and progress:
        progress = False
        for opens, closes in ranges:
            if opens <= reached < closes:
                reached, progress = closes, True
    return reached >= end
