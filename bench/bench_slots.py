"""Cost of the appointment slot engine for one pharmacy, and whether it grows linearly.

Run with ``python -m bench.bench_slots``. The questions it answers: does computing the calendars
of a pharmacy's services stay linear in the number of days shown (a 120-day window must cost
about twice a 60-day one, whatever the number of bookings), and how much do the rules (daylight
saving, overlaps, notice, horizon, capacity, daily quotas) cost on top of the bare grid?

The baseline, measured in the same run on the same days, only lays out the raw wall-clock grid
of every opening range and localises it: no closures, no bookings, no checks. Times are the best
of several timeit repeats, so a shared machine's noise inflates them less.
"""

from __future__ import annotations

import random
import sys
import timeit
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

from rdv.slots import ServiceRules, available_slots

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=PARIS)  # a Monday; the window crosses the spring change
WINDOWS = (30, 60, 120)
BOOKINGS = 500
REPEATS = 5
SEED = 20260302

WEEKLY = {weekday: [(time(9), time(12, 30)), (time(14), time(19, 30))] for weekday in range(5)}
WEEKLY[5] = [(time(9), time(12, 30))]

# Horizons are longer than the largest window so every window is really computed in full.
SERVICES = {
    "entretien pharmaceutique": ServiceRules(duration=timedelta(minutes=30), horizon_days=180),
    "vaccination grippe": ServiceRules(
        duration=timedelta(minutes=10), capacity=2, horizon_days=180
    ),
    "vaccination covid": ServiceRules(
        duration=timedelta(minutes=15), capacity=3, max_per_day=40, horizon_days=180
    ),
    "test angine (TROD)": ServiceRules(
        duration=timedelta(minutes=15), buffer_after=timedelta(minutes=5), horizon_days=180
    ),
    "bilan de médication": ServiceRules(
        duration=timedelta(minutes=45), buffer_after=timedelta(minutes=15), horizon_days=180
    ),
    "atelier diabète": ServiceRules(
        duration=timedelta(hours=1), capacity=8, step=timedelta(hours=2), horizon_days=180
    ),
    "prise de tension": ServiceRules(
        duration=timedelta(minutes=10), step=timedelta(minutes=15), horizon_days=180
    ),
    "dépistage cystite": ServiceRules(
        duration=timedelta(minutes=20), min_notice=timedelta(hours=24), horizon_days=180
    ),
}


def calendar(days: int) -> dict:
    """Closures and special hours a caller would pass: public holidays, a holiday week, a Saturday."""
    first = NOW.date()
    closed = {
        day for day in holidays.France(years=[2026]) if first <= day <= first + timedelta(days)
    }
    closed |= {date(2026, 4, 20) + timedelta(days=offset) for offset in range(5)}
    exceptions = {date(2026, 3, 14): [(time(10), time(12))], date(2026, 5, 16): []}
    return {"closed_dates": closed, "exceptions": exceptions}


def make_bookings() -> dict[str, list[tuple[datetime, int]]]:
    """500 bookings spread over the longest window, each on a real slot of its service."""
    rng = random.Random(SEED)
    last = NOW.date() + timedelta(days=max(WINDOWS))
    grids = {
        name: available_slots(
            replace(rules, min_notice=timedelta(0), max_per_day=None),
            WEEKLY,
            now=NOW,
            date_from=NOW.date(),
            date_to=last,
            **calendar(max(WINDOWS)),
        )
        for name, rules in SERVICES.items()
    }
    bookings: dict[str, list[tuple[datetime, int]]] = {name: [] for name in SERVICES}
    names = list(SERVICES)
    for _ in range(BOOKINGS):
        name = rng.choice(names)
        bookings[name].append((rng.choice(grids[name]).start, 1))
    return bookings


def engine_run(days: int, bookings: dict, extra: dict) -> int:
    """Every service's calendar for the window, as the booking page would ask for it."""
    last = NOW.date() + timedelta(days=days - 1)
    return sum(
        len(
            available_slots(
                rules,
                WEEKLY,
                now=NOW,
                date_from=NOW.date(),
                date_to=last,
                bookings=bookings[name],
                **extra,
            )
        )
        for name, rules in SERVICES.items()
    )


def baseline_run(days: int) -> int:
    """The floor: raw wall-clock grid of every range, localised, nothing filtered."""
    count = 0
    for rules in SERVICES.values():
        step, duration = rules.grid_step, rules.duration
        for offset in range(days):
            day = NOW.date() + timedelta(days=offset)
            for opens, closes in WEEKLY.get(day.weekday(), ()):
                wall, end = datetime.combine(day, opens), datetime.combine(day, closes)
                grid = []
                while wall + duration <= end:
                    grid.append(wall.replace(tzinfo=PARIS))
                    wall += step
                count += len(grid)
    return count


def best_of(fn, *args) -> float:
    """Seconds per call, best of REPEATS, with enough calls per repeat to time reliably."""
    timer = timeit.Timer(lambda: fn(*args))
    number, _ = timer.autorange()
    number = max(1, number // 4)
    return min(timer.repeat(repeat=REPEATS, number=number)) / number


def main() -> None:
    bookings = make_bookings()
    rows = []
    for days in WINDOWS:
        extra = calendar(days)
        slots = engine_run(days, bookings, extra)
        engine = best_of(engine_run, days, bookings, extra)
        baseline = best_of(baseline_run, days)
        rows.append((days, engine, baseline, slots, baseline_run(days)))

    print(
        f"One pharmacy, {len(SERVICES)} services, {BOOKINGS} bookings, "
        f"best of {REPEATS} (timeit), Python {sys.version.split()[0]}"
    )
    print()
    header = f"{'window':>8} {'engine ms':>10} {'grid ms':>9} {'engine/grid':>12}"
    print(header + f" {'slots':>7} {'raw grid':>9} {'µs/slot':>8}")
    print("-" * (len(header) + 27))
    for days, engine, baseline, slots, raw in rows:
        print(
            f"{days:>6} d {engine * 1000:>10.2f} {baseline * 1000:>9.2f} "
            f"{engine / baseline:>11.2f}x {slots:>7} {raw:>9} {engine / max(slots, 1) * 1e6:>8.2f}"
        )
    print()
    by_days = {days: engine for days, engine, *_ in rows}
    for small, large in zip(WINDOWS, WINDOWS[1:], strict=False):
        print(
            f"linearity {large}d/{small}d: {by_days[large] / by_days[small]:.2f} "
            f"(ideal {large / small:.2f})"
        )
    pure = "django.db" not in sys.modules
    print(f"queries: 0 (pure engine{', django.db never imported' if pure else ''})")


if __name__ == "__main__":
    main()
