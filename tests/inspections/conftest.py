"""Inspection fixtures: the built-in checklists, 南县's supervision team, photos."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.ledger.conftest import media, photo, second_officer  # noqa: F401  (shared fixtures)
from tongxin.inspections import services

DAY = dt.date(2021, 8, 1)


@pytest.fixture
def checklists(db):
    five, general = services.load_builtin_checklists()
    return five, general


@pytest.fixture
def team(world):
    return services.create_team(world.nanxian, name="南县督导组", bureau=world.nanxian_bureau, start_date=DAY,
                                end_date=DAY + dt.timedelta(days=1),
                                outside_members="县纪委监委驻县财政局纪检监察组 张三")


def answer_all(actor, inspection, *, fail=(), photo_for=None):
    """Answer every item as passing, except `fail` (keys); a photo goes with each failure if given."""
    for item in inspection.version.items():
        key = item["key"]
        failing = key in fail
        attachments = [photo_for()] if photo_for and (failing or item["type"] == "photo") else []
        if item["type"] == "number":
            services.answer(actor, inspection, item_key=key, value="3" if failing else "10", attachments=attachments)
        elif item["type"] == "photo":
            services.answer(actor, inspection, item_key=key, attachments=attachments)
        else:
            services.answer(actor, inspection, item_key=key, result="fail" if failing else "pass",
                            note="现场发现" if failing else "", attachments=attachments)
