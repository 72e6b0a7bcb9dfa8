"""`tongxin synth` (tongxin.perf.synth): every module filled, totals equal rows, one seed one country,
and a database that is not empty is refused with nothing written."""

from __future__ import annotations

import datetime as dt
from collections import Counter as Tally

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models

from tests.commands import tongxin
from tongxin.accounts.models import User
from tongxin.core import audit
from tongxin.donations.models import Stock
from tongxin.donations.services import stock
from tongxin.ledger.models import LedgerEntry, Status
from tongxin.mobilization.models import DeploymentDay
from tongxin.mobilization.services import rollup as mobilization_rollup
from tongxin.perf import synth
from tongxin.reports import rollups
from tongxin.reports.models import FieldRollup, FilingRollup, Report
from tongxin.units.models import Kind, Membership, Role, Unit

TINY = {"institutions": 60, "days": 3, "ledger": 300}
# salted hashes and wall-clock moments of the services
VOLATILE = {"password", "last_login", "date_joined", "password_changed_at"}


def _immediate() -> None:
    """TRUNCATE (flush on PostgreSQL) inside the test's transaction needs no deferred checks pending."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _tables() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m._meta.app_label in
            {"units", "accounts", "reports", "ledger", "command", "mobilization", "donations"}]


def fingerprint() -> dict[str, list[tuple]]:
    """Every row of the synthetic tables, ids replaced by their rank in their table (so two builds
    into databases whose sequences differ compare equal), volatile columns left out."""
    tables = _tables()
    ranks: dict[type[models.Model], dict] = {}
    rows: dict[type[models.Model], list[tuple]] = {}
    for model in tables:
        fields = [f for f in model._meta.concrete_fields if f.name not in VOLATILE
                  and not getattr(f, "auto_now", False) and not getattr(f, "auto_now_add", False)]
        values = list(model.objects.order_by("pk").values_list(*[f.attname for f in fields]))
        pk_index = [f.primary_key for f in fields].index(True)
        ranks[model] = {row[pk_index]: i for i, row in enumerate(values)}
        rows[model] = [(fields, row) for row in values]  # type: ignore[misc]
    out = {}
    for model in tables:
        ranked = []
        for fields, row in rows[model]:  # type: ignore[misc]
            ranked.append(tuple(
                ranks[model][v] if f.primary_key else
                ranks.get(f.related_model, {}).get(v, v) if f.is_relation and f.related_model in ranks and v is not None
                else str(v) for f, v in zip(fields, row, strict=True)))
        # sorted: a roll-up rebuild may write its rows in another order (a GROUP BY's), with the same content
        pk_at = [f.primary_key for f in fields].index(True)
        out[model._meta.db_table] = sorted(r[:pk_at] + r[pk_at + 1:] for r in ranked)
    return out


@pytest.mark.django_db
def test_a_small_build_fills_every_module_with_realistic_spreads():
    summary = synth.build(seed=3, **TINY)
    assert all(n > 0 for n in summary.counts.values()), summary.counts
    # every county of Hunan has an institution before any has two
    per_county = Tally(Unit.objects.filter(category="institution").values_list("region_id", flat=True))
    assert len(per_county) == 60 and set(per_county.values()) == {1}
    # one officer per level and a home reporter, who sign in with the printed password
    assert (summary.province, summary.city, summary.county) == ("430000", "430800", "430821")
    for level, code in (("province", "430000"), ("city", "430800"), ("county", "430821")):
        user = User.objects.get(username=summary.officers[level])
        assert user.check_password(synth.PASSWORD) and user.is_active
        assert Membership.objects.filter(user=user, role=Role.OFFICER, unit__kind=Kind.BUREAU,
                                         unit__region_id=code).exists()
    reporter = User.objects.get(username=summary.home_reporter)
    assert reporter.check_password(synth.PASSWORD)
    assert Membership.objects.get(user=reporter, role=Role.REPORTER).unit_id == summary.home_id
    # the reports: the planned filings of the elderly-care homes, late and zero ones among them
    homes = Unit.objects.filter(kind=Kind.ELDERLY_CARE).count()
    filed = Report.objects.count()
    assert 0.9 * homes * 3 <= filed <= homes * 3
    assert Report.objects.filter(is_zero=True).exists() and Report.objects.filter(is_late=False).count() > filed / 2
    # the ledger: most closed, the rest (old enough) overdue at the end of the period
    closed = LedgerEntry.objects.filter(status=Status.CLOSED).count()
    assert closed > 0.6 * 300
    assert LedgerEntry.objects.exclude(status=Status.CLOSED).filter(deadline__lt=summary.last_day).exists()


@pytest.mark.django_db
def test_totals_equal_rows_and_the_rollups_equal_a_rebuild_from_scratch():
    summary = synth.build(seed=4, **TINY)

    def kept():
        return (sorted(FieldRollup.objects.values_list("assignment_id", "region_code", "day", "key", "total", "count")),
                sorted(FilingRollup.objects.values_list("assignment_id", "region_code", "day", "on_time", "late",
                                                        "zero")),
                sorted(DeploymentDay.objects.values_list("unit_id", "region_code", "day", "people", "hours", "shifts")),
                sorted(Stock.objects.values_list("unit_id", "appeal_id", "item_id", "received", "quantity")))

    before = kept()
    FieldRollup.objects.all().delete()
    FilingRollup.objects.all().delete()
    DeploymentDay.objects.all().delete()
    rollups.rebuild()
    mobilization_rollup.rebuild()
    stock.rebuild()
    assert kept() == before
    # the province's filing counts of each day are the reports on file that day
    for day in (summary.first_day + dt.timedelta(days=i) for i in range(3)):
        row = FilingRollup.objects.get(region_code=summary.province, day=day)
        assert row.on_time + row.late == Report.objects.filter(day=day).count()
        assert row.late == Report.objects.filter(day=day, is_late=True).count()
        assert row.zero == Report.objects.filter(day=day, is_zero=True).count()


@pytest.mark.django_db
def test_the_same_seed_builds_the_same_country():
    synth.build(seed=5, **TINY)  # on top of what the migrations put in (a catalogue item, ...)
    _immediate()
    synth.build(seed=5, reset=True, **TINY)  # so both compared builds start from the same empty tables
    first = fingerprint()
    _immediate()
    synth.build(seed=5, reset=True, **TINY)
    assert fingerprint() == first
    _immediate()
    synth.build(seed=6, reset=True, **TINY)
    assert fingerprint() != first


def _counts() -> dict[str, int]:
    return {m._meta.db_table: m.objects.count() for m in apps.get_models()}


@pytest.mark.django_db
def test_a_database_holding_units_is_refused_and_left_as_it_was(world):
    before = _counts()
    with pytest.raises(CommandError, match="already holds .* units.*--reset"):
        call_command("synth", "--institutions", "60", "--days", "3", "--ledger", "300")
    assert _counts() == before





@pytest.mark.django_db
def test_audit_records_are_refused_without_the_flag_even_with_reset(real_database, capsys):
    audit.record(audit.Action.LOGIN_FAILED, actor_name="nobody")
    before = _counts()
    assert tongxin("synth", "--institutions", "60", "--days", "3") == 1
    assert "audit records" in capsys.readouterr().err
    assert tongxin("synth", "--reset", "--institutions", "60", "--days", "3") == 1
    assert "--allow-audit-loss" in capsys.readouterr().err
    assert _counts() == before


@pytest.mark.django_db
def test_bad_sizes_are_refused_before_anything_is_written():
    before = _counts()
    with pytest.raises(CommandError, match="at least 1"):
        call_command("synth", "--institutions", "0")
    with pytest.raises(CommandError, match="unknown province"):
        call_command("synth", "--provinces", "99", "--institutions", "5")
    assert _counts() == before
