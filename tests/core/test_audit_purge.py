"""Audit records are kept at least 180 days: `tongxin audit purge` never removes younger ones, records
itself, and leaves the chain verifiable from where it now starts (issue #12)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.commands import tongxin as _tongxin
from tongxin.core import audit, audit_chain
from tongxin.core.models import AuditEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI)  # 180 days before: 2025-12-03


def _at(moment: dt.datetime, name: str) -> AuditEvent:
    with time_machine.travel(moment, tick=False):
        return audit.record(audit.Action.LOGIN_FAILED, actor_name=name)


@pytest.fixture
def trail(db):
    """Records of 2025-09, 2025-11 (both past the retention at NOW) and 2026-03 (within it)."""
    return [_at(dt.datetime(2025, 9, 1, 9, tzinfo=SHANGHAI), "old-1"),
            _at(dt.datetime(2025, 9, 2, 9, tzinfo=SHANGHAI), "old-2"),
            _at(dt.datetime(2025, 11, 20, 9, tzinfo=SHANGHAI), "older-than-retention"),
            _at(dt.datetime(2026, 3, 1, 9, tzinfo=SHANGHAI), "young")]


def _names() -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("actor_name", flat=True))


def test_purge_refuses_a_date_within_the_retention(trail, capsys):
    with time_machine.travel(NOW, tick=False):
        assert _tongxin("audit", "purge", "--before", "2026-01-01") == 1
    err = capsys.readouterr().err
    assert "180 days" in err and "2025-12-03" in err
    assert _names() == ["old-1", "old-2", "older-than-retention", "young"]


def test_purge_removes_the_old_records_records_itself_and_the_chain_still_verifies(trail, capsys):
    with time_machine.travel(NOW, tick=False):
        assert _tongxin("audit", "purge", "--before", "2025-10-01") == 0
    assert "Purged 2 audit records" in capsys.readouterr().out
    assert _names() == ["older-than-retention", "young", "tongxin audit purge"]
    purge = AuditEvent.objects.get(action=AuditEvent.Action.PURGE)
    assert purge.changes["removed"] == 2 and purge.changes["before"] == "2025-10-01"
    assert (purge.changes["from_seq"], purge.changes["to_seq"]) == (trail[0].seq, trail[1].seq)
    assert purge.changes["first_seq"] == trail[2].seq and purge.changes["anchor"] == trail[1].hash
    assert audit_chain.verify().ok
    assert _tongxin("audit", "verify") == 0

    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):  # a second purge, up to the retention
        call_command("audit", "purge", "--before", "2025-12-03", verbosity=0)
    assert _names() == ["young", "tongxin audit purge", "tongxin audit purge"]
    verdict = audit_chain.verify()
    assert verdict.ok, verdict.problem


def test_after_a_purge_a_removed_record_is_still_noticed(trail):
    with time_machine.travel(NOW, tick=False):
        call_command("audit", "purge", "--before", "2025-10-01", verbosity=0)
    from tests.core.test_auditchain import behind_the_triggers

    with behind_the_triggers() as cursor:  # the first record the purge kept, removed by hand
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [trail[2].pk])
    verdict = audit_chain.verify()
    assert verdict.problem is not None and verdict.problem.id == trail[3].pk


def test_a_purge_with_nothing_old_enough_changes_nothing(trail, capsys):
    with time_machine.travel(NOW, tick=False):
        assert _tongxin("audit", "purge", "--before", "2025-08-01") == 0
    assert "nothing purged" in capsys.readouterr().out
    assert len(_names()) == 4


def test_a_purge_of_everything_old_starts_the_chain_at_its_own_record(db):
    old = [_at(dt.datetime(2025, 1, d, 9, tzinfo=SHANGHAI), f"old-{d}") for d in (1, 2)]
    with time_machine.travel(NOW, tick=False):
        call_command("audit", "purge", "--before", "2025-12-01", verbosity=0)
    purge = AuditEvent.objects.get()
    assert purge.changes["first_seq"] == purge.seq == old[-1].seq + 1
    assert audit_chain.verify().ok


def test_bad_dates_get_words(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("audit", "purge", "--before", "1 June")


@pytest.mark.parametrize("days", ["179", "30"])
def test_a_retention_under_180_days_is_refused(days):
    env = {**os.environ, "TONGXIN_AUDIT_RETENTION_DAYS": days, "DJANGO_SETTINGS_MODULE": "tongxin.settings"}
    done = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "at least 180" in done.stderr
