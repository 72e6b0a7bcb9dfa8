"""The story's daily report: the built-in form, assigned by 湖南省民政厅 to every elderly-care home."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tongxin.regions.models import Region
from tongxin.reports import services
from tongxin.units.models import Kind

START, END = dt.date(2021, 7, 26), dt.date(2021, 8, 9)
TZ = timezone.get_fixed_timezone(8 * 60)


def at(day: dt.date, hh: int, mm: int = 0, ss: int = 0) -> dt.datetime:
    """A Beijing-time moment (the clock users read)."""
    return dt.datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=TZ)


def good_values(**overrides):
    values = {
        "residents_in_care": 86, "staff_on_site": 21, "closed_management": True, "closure_exception_reason": "",
        "visits_refused": 3, "temperature_checks_done": True, "fever_or_symptoms": 0, "suspected_residents": 0,
        "suspected_staff": 0, "confirmed_residents": 0, "confirmed_staff": 0, "residents_vaccinated": 70,
        "staff_vaccinated": 20, "eligible_not_vaccinated": 5, "nucleic_acid_tests": 107, "mask_days": 30,
        "disinfectant_days": 25, "items_disinfected": 12, "problems_found": "", "notes": "",
    }
    values.update(overrides)
    return values


@pytest.fixture
def daily(world):
    (version,) = services.load_builtin_forms()
    return services.create_assignment(
        world.hunan, form=version.form, issuer=world.province, region=Region.objects.get(code="430000"),
        name="养老机构疫情防控日报", deadline=dt.time(10, 0), start_date=START, end_date=END,
        unit_kinds=[Kind.ELDERLY_CARE],
    )
