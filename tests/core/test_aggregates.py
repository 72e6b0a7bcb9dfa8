"""A median read from `GROUP BY value` counts is the median of the values themselves, and the days
between two dates are whole days on both databases."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter

import pytest
from django.db.models import DateField, Value
from hypothesis import given
from hypothesis import strategies as st

from tongxin.core.aggregates import DaysBetween, median_of_counts
from tongxin.regions.models import Region


@given(st.lists(st.integers(-5, 60), min_size=1, max_size=40))
def test_the_median_of_counts_is_the_median_of_the_values(values):
    median = median_of_counts(Counter(values))
    assert median == statistics.median(values) and type(median) is type(statistics.median(values))


def test_no_values_have_no_median():
    assert median_of_counts({}) is None and median_of_counts({3: 0}) is None


def test_an_even_count_takes_the_mean_of_the_two_middle_values():
    assert median_of_counts({1: 1, 4: 1}) == 2.5 and median_of_counts({2: 2, 9: 2}) == 5.5


def date(day: dt.date) -> Value:
    return Value(day, output_field=DateField())


@pytest.mark.django_db
def test_days_between_two_dates_are_whole_days_either_way():
    Region.objects.get_or_create(code="430000", defaults={"name": "湖南省", "level": Region.Level.PROVINCE})
    row = Region.objects.annotate(
        ahead=DaysBetween(date(dt.date(2020, 3, 1)), date(dt.date(2020, 2, 28))),  # over 29 February
        behind=DaysBetween(date(dt.date(2020, 12, 31)), date(dt.date(2021, 1, 1))),
    ).filter(code="430000").values("ahead", "behind").get()
    assert row == {"ahead": 2, "behind": -1}
