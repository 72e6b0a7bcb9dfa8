"""Working days in China: weekdays, less public holidays, plus the weekend days worked in lieu (调休),
from the State Council's yearly schedule as published in `chinesecalendar`. A year the package does
not know yet (it is updated each November for the next year) falls back to Monday to Friday."""

from __future__ import annotations

import datetime as dt

import chinese_calendar


def is_workday(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year outside the published schedules
        return day.weekday() < 5


def add_workdays(day: dt.date, count: int) -> dt.date:
    """The `count`-th working day after `day` (`day` itself not counted): 10 working days after an
    activity on Friday 2021-07-30 is Friday 2021-08-13."""
    current = day
    left = count
    while left > 0:
        current += dt.timedelta(days=1)
        if is_workday(current):
            left -= 1
    return current


def workdays_between(start: dt.date, end: dt.date) -> int:
    """How many working days lie after `start` up to and including `end` (0 when end <= start)."""
    count, current = 0, start
    while current < end:
        current += dt.timedelta(days=1)
        count += is_workday(current)
    return count
