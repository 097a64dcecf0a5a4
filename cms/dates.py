"""Dates and instants read from a URL: garbage or absurd values never raise, they fall back.

A date typed in a query string goes on into date arithmetic (the next day, the Monday of its
week, the bounds of a day in Paris converted to UTC for the database). At the ends of Python's
calendar that arithmetic overflows: `?jour=9999-12-31` or year 1 shifted to UTC is an
OverflowError, so a 500, wherever a view forgot to guard against it. Every view that reads a date
or an instant from a URL goes through here instead, and gets a value inside a window where any
arithmetic a page does is safe; the admin listings' date-range filters do the same.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.fields import DateRangeField

# Ten years either side of today: wider than any booking horizon or record retention, and far
# enough from date.min/date.max that a week or a time zone more never overflows.
SANE_SPAN = timedelta(days=3653)


def sane_window() -> tuple[date, date]:
    """The dates a view accepts at all, around today."""
    today = timezone.localdate()
    return today - SANE_SPAN, today + SANE_SPAN


def in_sane_window(day: date) -> bool:
    low, high = sane_window()
    return low <= day <= high


def clamp_date(day: date, earliest: date | None = None, latest: date | None = None) -> date:
    """`day` moved into [earliest, latest], itself kept inside the sane window."""
    low, high = sane_window()
    low, high = max(low, earliest or low), min(high, latest or high)
    return min(max(day, low), max(low, high))


def parse_date_param(
    value: str | None,
    *,
    default: date | None,
    earliest: date | None = None,
    latest: date | None = None,
) -> date | None:
    """A YYYY-MM-DD query value clamped to [earliest, latest]; `default` when missing or garbage.

    `default` is returned as given (None lets the caller tell "no usable date" apart).
    """
    if not value:
        return default
    try:
        day = date.fromisoformat(str(value).strip())
    except ValueError:
        return default
    return clamp_date(day, earliest, latest)


def parse_instant_param(value: str | None) -> datetime | None:
    """An ISO-8601 instant with its offset ("2026-03-10T09:15:00+01:00"); None when it has no
    offset, does not parse, or lies outside the sane window (no slot exists there)."""
    if not value:
        return None
    try:
        # A "+" in a query string arrives as a space when the sender did not encode it.
        parsed = datetime.fromisoformat(str(value).strip().replace(" ", "+"))
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return None
    return parsed if in_sane_window(parsed.date()) else None


class DateTimeField(forms.DateTimeField):
    """A form's date and time, refused (not a 500 further on) outside the sane window."""

    default_error_messages = {"out_of_range": _("Cette date n'est pas valide.")}

    def to_python(self, value):
        result = super().to_python(value)
        if result is not None and not in_sane_window(result.date()):
            raise forms.ValidationError(self.error_messages["out_of_range"], code="out_of_range")
        return result


class SaneDateRangeField(DateRangeField):
    """django-filter's from/to date pair, each end clamped before it becomes a UTC datetime."""

    def compress(self, data_list):
        if data_list:
            data_list = [clamp_date(day) if day else day for day in data_list]
        return super().compress(data_list)


class DateFromToRangeFilter(django_filters.DateFromToRangeFilter):
    """The admin listings' date-range filter: `?start_after=0001-01-01` filters, never a 500."""

    field_class = SaneDateRangeField
