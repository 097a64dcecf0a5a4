"""The pure slot engine: one test per rule, then properties checked against a reference grid.

Nothing here imports Django, so the file runs with or without the pytest-django plugin.
Instants are always compared in UTC: Python compares two Europe/Paris datetimes by wall time,
which would hide exactly the daylight-saving mistakes these tests are after.
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_left
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rdv.slots import ServiceRules, available_slots, days_with_slots, slot_is_offered

PARIS = ZoneInfo("Europe/Paris")
TUESDAY = date(2026, 6, 9)
SPRING = date(2026, 3, 29)
AUTUMN = date(2026, 10, 25)
USUAL = {weekday: [(time(9), time(12, 30)), (time(14), time(19, 30))] for weekday in range(6)}
NIGHT = {6: [(time(0), time(5))]}


def minutes(value: int) -> timedelta:
    return timedelta(minutes=value)


def at(day: date, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS).replace(fold=fold)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def walls(slots) -> list[str]:
    return [slot.start.astimezone(PARIS).strftime("%H:%M") for slot in slots]


def slots_on(day, rules, weekly=USUAL, *, now=None, **kwargs):
    now = now or at(day - timedelta(days=1), 12)
    return available_slots(rules, weekly, now=now, date_from=day, date_to=day, **kwargs)


def quarter_hours(first: time, last: time) -> list[str]:
    """Every quarter hour from first to last inclusive, as HH:MM."""
    moment, end, result = datetime.combine(TUESDAY, first), datetime.combine(TUESDAY, last), []
    while moment <= end:
        result.append(moment.strftime("%H:%M"))
        moment += minutes(15)
    return result


QUARTER = ServiceRules(duration=minutes(15))


# --- one rule at a time ---------------------------------------------------------------------


def test_tuesday_with_two_ranges_offers_every_quarter_that_ends_in_time():
    slots = slots_on(TUESDAY, QUARTER)

    assert walls(slots) == quarter_hours(time(9), time(12, 15)) + quarter_hours(
        time(14), time(19, 15)
    )
    assert all(slot.remaining == 1 for slot in slots)
    assert all(utc(slot.end) - utc(slot.start) == minutes(15) for slot in slots)
    assert all(slot.start.tzinfo == PARIS and slot.end.tzinfo == PARIS for slot in slots)
    assert utc(slots[0].start) == datetime(2026, 6, 9, 7, 0, tzinfo=UTC)


def test_remaining_counts_seats_booked_at_that_exact_start_whatever_its_zone():
    rules = ServiceRules(duration=minutes(15), capacity=3)
    bookings = [(at(TUESDAY, 10), 1), (utc(at(TUESDAY, 10)), 1), (at(TUESDAY, 11, 5), 1)]

    slots = slots_on(TUESDAY, rules, bookings=bookings)
    remaining = dict(zip(walls(slots), (slot.remaining for slot in slots), strict=True))

    assert remaining["10:00"] == 1
    assert remaining["09:45"] == remaining["10:15"] == remaining["11:00"] == 3
    assert len(remaining) == 36


def test_full_slot_is_not_offered_but_its_neighbours_are():
    slots = slots_on(TUESDAY, QUARTER, bookings=[(at(TUESDAY, 10), 1), (at(TUESDAY, 15), 2)])

    assert "10:00" not in walls(slots)
    assert "15:00" not in walls(slots)
    assert {"09:45", "10:15", "14:45", "15:15"} <= set(walls(slots))
    assert len(slots) == 34


def test_bookings_may_be_a_one_shot_iterator():
    bookings = iter([(at(TUESDAY, 10), 1)])

    assert "10:00" not in walls(slots_on(TUESDAY, QUARTER, bookings=bookings))


def test_min_notice_hides_slots_starting_too_soon():
    assert walls(slots_on(TUESDAY, QUARTER, now=at(TUESDAY, 9, 50)))[0] == "12:00"
    assert walls(slots_on(TUESDAY, QUARTER, now=at(TUESDAY, 10)))[0] == "12:00"
    assert walls(slots_on(TUESDAY, QUARTER, now=at(TUESDAY, 10, 1)))[0] == "12:15"
    assert walls(slots_on(TUESDAY, QUARTER, now=at(TUESDAY, 17, 15))) == ["19:15"]
    assert slots_on(TUESDAY, QUARTER, now=at(TUESDAY, 17, 16)) == []


def test_min_notice_reaches_into_the_next_day():
    rules = ServiceRules(duration=minutes(15), min_notice=timedelta(hours=20))
    now = at(TUESDAY - timedelta(days=1), 14)

    assert walls(slots_on(TUESDAY, rules, now=now))[0] == "10:00"


def test_horizon_includes_today_plus_horizon_days_and_nothing_after():
    every_day = {weekday: [(time(9), time(10))] for weekday in range(7)}
    rules = ServiceRules(duration=minutes(30), horizon_days=7, min_notice=timedelta(0))

    days = days_with_slots(
        rules, every_day, now=at(TUESDAY, 8), date_from=TUESDAY, date_to=TUESDAY + timedelta(60)
    )

    assert days == [TUESDAY + timedelta(days=offset) for offset in range(8)]


def test_horizon_zero_means_today_only():
    rules = ServiceRules(duration=minutes(30), horizon_days=0, min_notice=timedelta(0))
    days = days_with_slots(
        rules, USUAL, now=at(TUESDAY, 8), date_from=TUESDAY, date_to=TUESDAY + timedelta(3)
    )

    assert days == [TUESDAY]


def test_closed_date_has_no_slot_and_its_neighbours_keep_theirs():
    monday, wednesday = TUESDAY - timedelta(days=1), TUESDAY + timedelta(days=1)
    days = days_with_slots(
        QUARTER,
        USUAL,
        now=at(monday - timedelta(days=2), 12),
        date_from=monday,
        date_to=wednesday,
        closed_dates={TUESDAY},
    )

    assert days == [monday, wednesday]


def test_exception_replaces_the_weekly_hours_of_that_day_only():
    special = {TUESDAY: [(time(10), time(11))]}

    assert walls(slots_on(TUESDAY, QUARTER, exceptions=special)) == [
        "10:00",
        "10:15",
        "10:30",
        "10:45",
    ]
    assert len(slots_on(TUESDAY + timedelta(days=1), QUARTER, exceptions=special)) == 36


def test_exception_with_no_range_closes_the_day():
    assert slots_on(TUESDAY, QUARTER, exceptions={TUESDAY: []}) == []


def test_exception_can_open_a_day_the_week_keeps_closed():
    sunday = TUESDAY + timedelta(days=5)
    assert slots_on(sunday, QUARTER) == []

    opened = slots_on(sunday, QUARTER, exceptions={sunday: [(time(9), time(10))]})

    assert walls(opened) == ["09:00", "09:15", "09:30", "09:45"]


def test_closed_date_wins_over_special_hours():
    assert (
        slots_on(
            TUESDAY,
            QUARTER,
            closed_dates={TUESDAY},
            exceptions={TUESDAY: [(time(10), time(11))]},
        )
        == []
    )


def test_max_per_day_caps_remaining_then_closes_the_day():
    rules = ServiceRules(duration=minutes(15), capacity=3, max_per_day=4)
    three = [(at(TUESDAY, 9), 2), (at(TUESDAY, 15), 1)]

    capped = slots_on(TUESDAY, rules, bookings=three)
    assert len(capped) == 36
    assert {slot.remaining for slot in capped} == {1}

    full_day = slots_on(TUESDAY, rules, bookings=[*three, (at(TUESDAY, 17, 5), 1)])
    assert full_day == []

    wednesday = slots_on(
        TUESDAY + timedelta(days=1), rules, bookings=[*three, (at(TUESDAY, 17), 1)]
    )
    assert len(wednesday) == 36
    assert {slot.remaining for slot in wednesday} == {3}


def test_max_per_day_zero_offers_nothing():
    assert slots_on(TUESDAY, ServiceRules(duration=minutes(15), max_per_day=0)) == []


def test_buffer_after_spaces_slots_and_slots_still_end_in_the_range():
    rules = ServiceRules(duration=minutes(20), buffer_after=minutes(10))
    slots = slots_on(TUESDAY, rules)

    assert walls(slots) == [
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
        "11:30",
        "12:00",
        "14:00",
        "14:30",
        "15:00",
        "15:30",
        "16:00",
        "16:30",
        "17:00",
        "17:30",
        "18:00",
        "18:30",
        "19:00",
    ]
    for previous, following in zip(slots, slots[1:], strict=False):
        assert utc(following.start) >= utc(previous.end) + minutes(10)


def test_step_shorter_than_the_slot_never_yields_overlapping_slots():
    rules = ServiceRules(duration=minutes(30), step=minutes(15))

    assert walls(slots_on(TUESDAY, rules, {1: [(time(9), time(11))]})) == [
        "09:00",
        "09:30",
        "10:00",
        "10:30",
    ]


def test_buffer_applies_even_when_the_step_is_shorter_than_slot_plus_buffer():
    rules = ServiceRules(duration=minutes(20), buffer_after=minutes(10), step=minutes(25))

    assert walls(slots_on(TUESDAY, rules, {1: [(time(9), time(10, 30))]})) == ["09:00", "09:50"]


def test_grid_of_a_date_does_not_depend_on_the_window_asking_for_it():
    """A 24-hour range and a night range chain slots across two midnights (step < slot)."""
    sunday, tuesday = date(2026, 6, 7), date(2026, 6, 9)
    rules = ServiceRules(duration=timedelta(hours=1), step=minutes(30))
    weekly = {6: [(time(20, 30), time(20, 30))], 0: [(time(20), time(2))]}
    now = at(sunday, 12)

    alone = available_slots(rules, weekly, now=now, date_from=tuesday, date_to=tuesday)
    wide = available_slots(rules, weekly, now=now, date_from=sunday, date_to=tuesday)

    assert walls(alone) == ["00:30"]
    assert [utc(slot.start) for slot in wide[-1:]] == [utc(alone[0].start)]
    assert slot_is_offered(rules, weekly, at(tuesday, 0, 30), now=now)
    assert not slot_is_offered(rules, weekly, at(tuesday, 0), now=now)


def test_step_longer_than_the_slot_leaves_gaps():
    rules = ServiceRules(duration=minutes(15), step=timedelta(hours=1))

    assert walls(slots_on(TUESDAY, rules, {1: [(time(9), time(12, 30))]})) == [
        "09:00",
        "10:00",
        "11:00",
        "12:00",
    ]


def test_overlapping_or_repeated_ranges_give_each_start_once_and_never_overlap():
    rules = ServiceRules(duration=minutes(30))
    weekly = {1: [(time(9), time(11)), (time(10, 10), time(12)), (time(9), time(11))]}

    assert walls(slots_on(TUESDAY, rules, weekly)) == ["09:00", "09:30", "10:00", "10:30", "11:10"]


def test_night_range_belongs_to_the_day_it_opens_but_slots_are_dated_by_their_start():
    saturday, sunday = date(2026, 6, 13), date(2026, 6, 14)
    rules = ServiceRules(duration=timedelta(hours=1))
    weekly = {5: [(time(20), time(2))]}
    now = at(saturday, 8)

    both = available_slots(rules, weekly, now=now, date_from=saturday, date_to=sunday)
    assert walls(both) == ["20:00", "21:00", "22:00", "23:00", "00:00", "01:00"]
    assert [slot.start.date() for slot in both[-2:]] == [sunday, sunday]

    assert walls(slots_on(sunday, rules, weekly, now=now)) == ["00:00", "01:00"]
    assert slots_on(sunday, rules, weekly, now=now, closed_dates={saturday}) == []
    assert walls(slots_on(sunday, rules, weekly, now=now, closed_dates={sunday})) == [
        "00:00",
        "01:00",
    ]


def test_range_ending_at_midnight_and_a_whole_day_range():
    hourly = ServiceRules(duration=timedelta(hours=1), min_notice=timedelta(0))

    evening = slots_on(TUESDAY, hourly, {1: [(time(20), time(0))]})
    assert walls(evening) == ["20:00", "21:00", "22:00", "23:00"]

    whole_day = slots_on(TUESDAY, hourly, {1: [(time(0), time(0))], 2: [(time(0), time(0))]})
    assert len(whole_day) == 24


def test_empty_or_reversed_window_and_closed_weekday():
    now = at(TUESDAY, 8)
    assert (
        available_slots(QUARTER, USUAL, now=now, date_from=TUESDAY, date_to=TUESDAY - timedelta(1))
        == []
    )
    assert slots_on(TUESDAY + timedelta(days=5), QUARTER) == []


def test_days_with_slots_lists_dates_that_have_something_left():
    monday = TUESDAY - timedelta(days=1)
    rules = ServiceRules(duration=timedelta(hours=1), max_per_day=1)
    days = days_with_slots(
        rules,
        USUAL,
        now=at(monday, 7),
        date_from=monday,
        date_to=monday + timedelta(days=6),
        bookings=[(at(TUESDAY, 9), 1)],
    )

    assert days == [
        monday,
        monday + timedelta(2),
        monday + timedelta(3),
        monday + timedelta(4),
        monday + timedelta(5),
    ]


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        slots_on(TUESDAY, QUARTER, now=datetime(2026, 6, 8, 12))
    with pytest.raises(ValueError):
        slots_on(TUESDAY, QUARTER, bookings=[(datetime(2026, 6, 9, 10), 1)])
    with pytest.raises(ValueError):
        slot_is_offered(QUARTER, USUAL, datetime(2026, 6, 9, 10), now=at(TUESDAY, 7))


@pytest.mark.parametrize(
    "settings_",
    [
        {"duration": timedelta(0)},
        {"duration": minutes(15), "capacity": 0},
        {"duration": minutes(15), "buffer_after": minutes(-5)},
        {"duration": minutes(15), "min_notice": minutes(-1)},
        {"duration": minutes(15), "horizon_days": -1},
        {"duration": minutes(15), "max_per_day": -1},
        {"duration": minutes(15), "step": timedelta(0)},
    ],
)
def test_nonsensical_rules_are_refused(settings_):
    with pytest.raises(ValueError):
        ServiceRules(**settings_)


def test_default_step_is_duration_plus_buffer():
    assert ServiceRules(duration=minutes(20), buffer_after=minutes(5)).grid_step == minutes(25)
    assert ServiceRules(duration=minutes(20), step=minutes(30)).grid_step == minutes(30)


# --- slot_is_offered: validating a POSTed start ----------------------------------------------


def offered(start, rules=QUARTER, weekly=USUAL, now=None, **kwargs) -> bool:
    now = now or at(TUESDAY - timedelta(days=1), 12)
    return slot_is_offered(rules, weekly, start, now=now, **kwargs)


def test_every_listed_slot_is_offered_in_any_zone():
    slots = slots_on(TUESDAY, QUARTER)

    assert len(slots) == 36
    for slot in slots:
        assert offered(slot.start)
        assert offered(utc(slot.start))


@pytest.mark.parametrize(
    "start",
    [
        at(TUESDAY, 10, 5),  # off the grid
        at(TUESDAY, 12, 30),  # would end after the range
        at(TUESDAY, 13),  # lunch break
        at(TUESDAY + timedelta(days=5), 10),  # Sunday, closed
    ],
)
def test_start_outside_the_grid_or_the_hours_is_refused(start):
    assert not offered(start)


def test_start_refused_when_full_too_soon_beyond_horizon_or_closed():
    start = at(TUESDAY, 10)
    assert offered(start)
    assert not offered(start, bookings=[(start, 1)])
    assert not offered(start, now=at(TUESDAY, 8, 1))
    assert offered(start, now=at(TUESDAY, 8))
    assert not offered(start, now=at(TUESDAY - timedelta(days=31), 12))
    assert not offered(start, closed_dates={TUESDAY})
    assert not offered(start, exceptions={TUESDAY: [(time(14), time(15))]})
    assert not offered(
        start,
        rules=ServiceRules(duration=minutes(15), max_per_day=1),
        bookings=[(at(TUESDAY, 16), 1)],
    )


# --- daylight saving ---------------------------------------------------------------------------


def test_spring_day_never_offers_the_skipped_hour():
    rules = ServiceRules(duration=minutes(30), min_notice=timedelta(0))
    slots = slots_on(SPRING, rules, NIGHT)

    assert walls(slots) == ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30", "04:00", "04:30"]
    assert all(slot.start.astimezone(PARIS).hour != 2 for slot in slots)
    assert all(utc(slot.end) - utc(slot.start) == minutes(30) for slot in slots)
    assert utc(slots[3].end) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert slots[3].end.astimezone(PARIS).strftime("%H:%M%z") == "03:00+0200"


def test_spring_day_slot_straddling_the_jump_blocks_the_next_one():
    rules = ServiceRules(duration=minutes(45), min_notice=timedelta(0))
    slots = slots_on(SPRING, rules, NIGHT)

    assert walls(slots) == ["00:00", "00:45", "01:30", "03:45"]
    assert slots[2].end.astimezone(PARIS).strftime("%H:%M%z") == "03:15+0200"
    for previous, following in zip(slots, slots[1:], strict=False):
        assert utc(following.start) >= utc(previous.end)


def test_spring_day_range_closing_in_the_skipped_hour_closes_at_the_jump():
    rules = ServiceRules(duration=minutes(30), min_notice=timedelta(0))
    weekly = {6: [(time(0, 15), time(2, 30))]}

    assert walls(slots_on(SPRING, rules, weekly)) == ["00:15", "00:45", "01:15"]


def test_spring_day_skipped_wall_time_is_refused_even_if_it_reads_as_an_offered_instant():
    rules = ServiceRules(duration=minutes(30), min_notice=timedelta(0))
    now = at(SPRING - timedelta(days=1), 12)

    assert utc(at(SPRING, 2, 30)) == utc(at(SPRING, 3, 30))
    assert offered(at(SPRING, 3, 30), rules, NIGHT, now=now)
    assert not offered(at(SPRING, 2, 30), rules, NIGHT, now=now)


def test_spring_and_autumn_whole_day_ranges_count_real_hours():
    hourly = ServiceRules(duration=timedelta(hours=1), min_notice=timedelta(0))
    whole_sunday = {6: [(time(0), time(0))]}

    spring = slots_on(SPRING, hourly, whole_sunday)
    autumn = slots_on(AUTUMN, hourly, whole_sunday)

    assert len(spring) == 23
    assert len(autumn) == 24
    for slots in (spring, autumn):
        assert all(utc(slot.end) - utc(slot.start) == timedelta(hours=1) for slot in slots)
        assert len({utc(slot.start) for slot in slots}) == len(slots)


def test_autumn_day_offers_each_repeated_wall_time_once_at_its_first_occurrence():
    rules = ServiceRules(duration=minutes(30), min_notice=timedelta(0))
    slots = slots_on(AUTUMN, rules, NIGHT)

    assert walls(slots) == [
        "00:00",
        "00:30",
        "01:00",
        "01:30",
        "02:00",
        "02:30",
        "03:00",
        "03:30",
        "04:00",
        "04:30",
    ]
    assert len({utc(slot.start) for slot in slots}) == len(slots)
    assert all(slot.start.astimezone(PARIS).fold == 0 for slot in slots)
    assert slots[5].start.astimezone(PARIS).utcoffset() == timedelta(hours=2)
    assert all(utc(slot.end) - utc(slot.start) == minutes(30) for slot in slots)
    assert utc(slots[6].start) - utc(slots[5].end) == timedelta(hours=1)


def test_autumn_day_second_occurrence_is_neither_offered_nor_filling_the_first():
    rules = ServiceRules(duration=minutes(30), min_notice=timedelta(0))
    now = at(AUTUMN - timedelta(days=1), 12)
    first, second = at(AUTUMN, 2, 30), at(AUTUMN, 2, 30, fold=1)

    assert utc(second) - utc(first) == timedelta(hours=1)
    assert offered(first, rules, NIGHT, now=now)
    assert not offered(second, rules, NIGHT, now=now)
    assert "02:30" in walls(slots_on(AUTUMN, rules, NIGHT, bookings=[(second, 1)]))
    assert "02:30" not in walls(slots_on(AUTUMN, rules, NIGHT, bookings=[(first, 1)]))


def test_autumn_day_slot_crossing_the_change_lasts_its_real_duration():
    rules = ServiceRules(duration=minutes(45), min_notice=timedelta(0))
    slots = slots_on(AUTUMN, rules, NIGHT)

    crossing = next(slot for slot in slots if walls([slot]) == ["02:15"])
    assert crossing.end.astimezone(PARIS).strftime("%H:%M%z") == "02:00+0100"
    assert utc(crossing.end) - utc(crossing.start) == minutes(45)


# --- properties against a reference grid ---------------------------------------------------

BOUNDS = [time(hour, minute) for hour in range(24) if hour != 2 for minute in (0, 15, 30, 45)]
DAY_RANGES = st.tuples(st.sampled_from(BOUNDS), st.sampled_from(BOUNDS)).filter(
    lambda pair: pair[0] < pair[1]
)
NIGHT_RANGES = st.tuples(
    st.sampled_from([bound for bound in BOUNDS if bound >= time(18)]),
    st.sampled_from([bound for bound in BOUNDS if bound <= time(6)]),
)
RANGES = st.lists(st.one_of(DAY_RANGES, NIGHT_RANGES), max_size=3)
RULES = st.builds(
    ServiceRules,
    duration=st.sampled_from([10, 15, 20, 30, 45, 60, 90]).map(minutes),
    capacity=st.integers(1, 4),
    buffer_after=st.sampled_from([0, 5, 10, 15]).map(minutes),
    min_notice=st.sampled_from([0, 30, 120, 26 * 60]).map(minutes),
    horizon_days=st.integers(0, 12),
    max_per_day=st.none() | st.integers(0, 6),
    step=st.none() | st.sampled_from([10, 15, 20, 30, 45, 60]).map(minutes),
)


@st.composite
def windows(draw):
    """A few days around a daylight-saving Sunday or an ordinary week, and a `now` near them."""
    anchor = draw(st.sampled_from([SPRING, AUTUMN, TUESDAY]))
    date_from = anchor - timedelta(days=draw(st.integers(0, 4)))
    date_to = date_from + timedelta(days=draw(st.integers(0, 5)))
    now_day = date_from + timedelta(days=draw(st.integers(-3, 2)))
    now = at(now_day, draw(st.integers(0, 23)), draw(st.sampled_from([0, 5, 20, 30, 55])))
    return date_from, date_to, now


def skipped(wall: datetime) -> bool:
    """A wall time the spring change jumps over: its two readings disagree the wrong way round."""
    return (
        wall.replace(tzinfo=PARIS, fold=1).utcoffset()
        > wall.replace(tzinfo=PARIS, fold=0).utcoffset()
    )


def reference_grid(rules, weekly, closed, exceptions, first_day, last_day):
    """Every start the schedule allows, overlaps included: UTC start -> (opening wall, closing)."""
    step = rules.step or rules.duration + rules.buffer_after
    grid = {}
    day = first_day
    while day <= last_day:
        ranges = [] if day in closed else exceptions.get(day, weekly.get(day.weekday(), []))
        for opens, closes in ranges:
            opening = datetime.combine(day, opens)
            closing_wall = datetime.combine(day + timedelta(days=opens >= closes), closes)
            closing = closing_wall.replace(tzinfo=PARIS).astimezone(UTC)
            wall = opening
            while wall < closing_wall:
                if not skipped(wall):
                    start = wall.replace(tzinfo=PARIS).astimezone(UTC)
                    if start + rules.duration <= closing:
                        grid.setdefault(start, (opening, closing))
                wall += step
        day += timedelta(days=1)
    return grid


def local_day(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()


def check_well_formed(slots, rules):
    """Sorted, unique, first occurrence of every wall time, real durations, buffer honoured."""
    for slot in slots:
        assert slot.start.tzinfo == PARIS and slot.end.tzinfo == PARIS
        assert utc(slot.end) - utc(slot.start) == rules.duration
        assert slot.start.astimezone(PARIS).fold == 0
        assert 0 < slot.remaining <= rules.capacity
    for previous, following in zip(slots, slots[1:], strict=False):
        assert utc(following.start) >= utc(previous.end) + rules.buffer_after
    local_walls = [slot.start.astimezone(PARIS).replace(tzinfo=None) for slot in slots]
    assert len(set(local_walls)) == len(local_walls)


@settings(max_examples=200, deadline=None)
@given(
    rules=RULES,
    weekly=st.dictionaries(st.integers(0, 6), RANGES),
    window=windows(),
    closed_offsets=st.sets(st.integers(-2, 5), max_size=3),
    exception_days=st.dictionaries(st.integers(-2, 5), RANGES, max_size=3),
    data=st.data(),
)
def test_slots_are_exactly_the_free_grid_starts(
    rules, weekly, window, closed_offsets, exception_days, data
):
    """The grid is a maximal non-overlapping subset of the reference starts; the slots are the
    grid starts that are far enough ahead, within the horizon and not full."""
    date_from, date_to, now = window
    closed = {date_from + timedelta(days=offset) for offset in closed_offsets}
    exceptions = {date_from + timedelta(days=offset): r for offset, r in exception_days.items()}
    earliest = utc(now) + rules.min_notice
    first = max(date_from, local_day(earliest))
    last = min(date_to, local_day(now) + timedelta(days=rules.horizon_days))
    reference = reference_grid(rules, weekly, closed, exceptions, first - timedelta(days=3), last)
    in_window = sorted(start for start in reference if first <= local_day(start) <= last)
    booked = data.draw(
        st.lists(
            st.tuples(st.sampled_from(in_window), st.integers(1, 3), st.sampled_from([UTC, PARIS])),
            max_size=12,
        )
        if in_window
        else st.just([])
    )
    bookings = [(start.astimezone(zone), seats) for start, seats, zone in booked]
    bookings.append((utc(now) + timedelta(hours=30, minutes=7), 1))
    calendar = dict(closed_dates=closed, exceptions=exceptions)

    slots = available_slots(
        rules, weekly, now=now, date_from=date_from, date_to=date_to, bookings=bookings, **calendar
    )

    check_well_formed(slots, rules)
    for slot in slots:
        assert utc(slot.start) >= earliest
        assert date_from <= local_day(slot.start) <= date_to
        assert local_day(slot.start) <= local_day(now) + timedelta(days=rules.horizon_days)
    if first > last:
        assert slots == []
        return

    # The grid alone: same window, nothing booked, no notice, no horizon, no quota.
    open_rules = dataclasses.replace(
        rules, min_notice=timedelta(0), horizon_days=400, max_per_day=None
    )
    grid = available_slots(
        open_rules,
        weekly,
        now=at(first - timedelta(days=30), 0),
        date_from=first,
        date_to=last,
        **calendar,
    )
    check_well_formed(grid, rules)
    grid_starts = [utc(slot.start) for slot in grid]
    for slot in grid:
        assert first <= local_day(slot.start) <= last
        assert slot.remaining == rules.capacity
        opening, closing = reference[utc(slot.start)]
        assert slot.start.astimezone(PARIS).replace(tzinfo=None) >= opening
        assert utc(slot.end) <= closing
    quiet_from = utc(at(first, 0)) + rules.duration + rules.buffer_after
    for start in in_window:
        if start in grid_starts or start < quiet_from:
            continue
        index = bisect_left(grid_starts, start)
        assert index > 0 and start - grid_starts[index - 1] < rules.duration + rules.buffer_after

    seats_at, seats_on = {}, {}
    for start, seats in bookings:
        seats_at[utc(start)] = seats_at.get(utc(start), 0) + seats
        seats_on[local_day(start)] = seats_on.get(local_day(start), 0) + seats
    expected = []
    for slot in grid:
        remaining = rules.capacity - seats_at.get(utc(slot.start), 0)
        if rules.max_per_day is not None:
            quota = rules.max_per_day - seats_on.get(local_day(slot.start), 0)
            remaining = min(remaining, quota)
        if utc(slot.start) >= earliest and remaining > 0:
            expected.append((utc(slot.start), utc(slot.end), remaining))
    assert [(utc(slot.start), utc(slot.end), slot.remaining) for slot in slots] == expected


QUIET_WEEKLY = st.fixed_dictionaries(
    {
        weekday: st.lists(
            DAY_RANGES.filter(lambda pair: time(6) <= pair[0] and pair[1] <= time(22)),
            max_size=2,
        )
        for weekday in range(4)
    }
    | {weekday: RANGES for weekday in (4, 5)}
)


@settings(max_examples=100, deadline=None)
@given(
    rules=RULES,
    weekly=QUIET_WEEKLY,
    window=windows(),
    closed_offsets=st.sets(st.integers(-2, 5), max_size=2),
)
def test_a_date_gets_the_same_slots_whatever_the_window_and_post_validation_agrees(
    rules, weekly, window, closed_offsets
):
    """With a quiet night each week, asking day by day, for the whole window or through
    slot_is_offered gives the same answer: a POSTed start is checked against what was shown."""
    date_from, date_to, now = window
    closed = {date_from + timedelta(days=offset) for offset in closed_offsets}
    booking = (utc(now) + timedelta(hours=28), 1)
    common = dict(now=now, closed_dates=closed, bookings=[booking])

    slots = available_slots(rules, weekly, date_from=date_from, date_to=date_to, **common)
    open_rules = dataclasses.replace(
        rules, min_notice=timedelta(0), horizon_days=400, max_per_day=None
    )
    grid = available_slots(
        open_rules,
        weekly,
        now=at(date_from - timedelta(days=30), 0),
        date_from=date_from,
        date_to=date_to,
        closed_dates=closed,
    )

    day = date_from
    while day <= date_to:
        alone = available_slots(rules, weekly, date_from=day, date_to=day, **common)
        assert [utc(s.start) for s in alone] == [
            utc(s.start) for s in slots if s.start.date() == day
        ]
        day += timedelta(days=1)
    offered_starts = {utc(slot.start) for slot in slots}
    for slot in grid[:: max(1, len(grid) // 20)]:
        assert slot_is_offered(rules, weekly, slot.start, **common) == (
            utc(slot.start) in offered_starts
        )
        nudged = slot.start + timedelta(minutes=5)
        if utc(nudged) not in offered_starts:
            assert not slot_is_offered(rules, weekly, nudged, **common)
    assert days_with_slots(rules, weekly, date_from=date_from, date_to=date_to, **common) == sorted(
        {slot.start.date() for slot in slots}
    )
