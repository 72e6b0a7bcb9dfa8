"""A unit that moves county takes its open ledger entries with it (units.signals.unit_moved, sent
inside the move's transaction); closed entries stay where they were closed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ledger.conftest import FOUND
from tongxin.core.models import AuditEvent
from tongxin.ledger import queries, services
from tongxin.ledger.models import LedgerEntry
from tongxin.units.models import Unit
from tongxin.units.signals import unit_moved

NANXIAN, CILI = "430921", "430821"


def put(actor, unit, description):
    return services.open_entry(actor, unit=unit, source="other", category="fire", severity="general",
                               description=description, found_on=FOUND, deadline=FOUND + dt.timedelta(days=7))


@pytest.fixture
def entries(world, photo, second_officer):
    open_one = put(world.nanxian, world.nanxian_home, "灭火器过期")
    fixing = put(world.nanxian, world.nanxian_home, "疏散通道堵塞")
    services.transition(world.home_reporter, fixing, "start")
    closed = services.fix_on_spot(world.nanxian, unit=world.nanxian_home, source="other", category="gas",
                                  severity="general", description="燃气软管老化", found_on=FOUND,
                                  attachments=[photo()])
    neighbour = put(world.nanxian, world.nanxian_home_2, "留样不全")
    return {"open": open_one, "fixing": fixing, "closed": closed, "neighbour": neighbour}


def move(actor, unit: Unit, new_region: str) -> None:
    """What the unit registry's move service does: save the new region, then tell the followers."""
    old = unit.region_id
    unit.region_id = new_region
    unit.save(update_fields=["region"])
    unit_moved.send(sender=Unit, actor=actor, unit=unit, old_region_code=old, new_region_code=new_region,
                    day=dt.date(2021, 8, 10))


def region_of(entry: LedgerEntry) -> str:
    return LedgerEntry.objects.get(pk=entry.pk).region_code


def test_a_moved_units_open_entries_move_and_closed_ones_stay(world, entries):
    with transaction.atomic():
        move(world.hunan, world.nanxian_home, CILI)
    assert region_of(entries["open"]) == region_of(entries["fixing"]) == CILI
    assert region_of(entries["closed"]) == NANXIAN
    assert region_of(entries["neighbour"]) == NANXIAN  # another unit's entry is not touched


def test_the_new_county_now_chases_them_and_the_old_one_keeps_its_closed_record(world, entries):
    with transaction.atomic():
        move(world.hunan, world.nanxian_home, CILI)
    cili = set(queries.visible_entries(world.cili).values_list("pk", flat=True))
    nanxian = set(queries.visible_entries(world.nanxian).values_list("pk", flat=True))
    assert cili == {entries["open"].pk, entries["fixing"].pk}
    assert nanxian == {entries["closed"].pk, entries["neighbour"].pk}
    # The home's own staff still see every entry of their unit, wherever it is recorded.
    home = set(queries.visible_entries(world.home_reporter).values_list("pk", flat=True))
    assert home == {entries["open"].pk, entries["fixing"].pk, entries["closed"].pk}


def test_each_moved_entry_is_audited_with_before_and_after(world, entries):
    with transaction.atomic():
        move(world.hunan, world.nanxian_home, CILI)
    events = AuditEvent.objects.filter(object_type="ledger.ledgerentry", action="update",
                                       changes__has_key="region_code")
    assert {(e.object_id, tuple(e.changes["region_code"]), e.actor_id) for e in events} == {
        (str(entries["open"].pk), (NANXIAN, CILI), world.hunan.pk),
        (str(entries["fixing"].pk), (NANXIAN, CILI), world.hunan.pk)}


def test_a_failing_follower_rolls_the_whole_move_back(world, entries):
    seen = []

    def refuse(sender, **kwargs):
        seen.append(region_of(entries["open"]))  # the ledger has followed already, in this transaction
        raise RuntimeError("a later follower refuses the move")

    unit_moved.connect(refuse, dispatch_uid="test.refuse")
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            move(world.hunan, world.nanxian_home, CILI)
    finally:
        unit_moved.disconnect(dispatch_uid="test.refuse")
    assert Unit.objects.get(pk=world.nanxian_home.pk).region_id == NANXIAN
    assert region_of(entries["open"]) == region_of(entries["fixing"]) == NANXIAN
    assert seen == [CILI]
    assert not AuditEvent.objects.filter(object_type="ledger.ledgerentry", action="update",
                                         changes__has_key="region_code").exists()


def test_moving_back_brings_them_home(world, entries):
    with transaction.atomic():
        move(world.hunan, world.nanxian_home, CILI)
    with transaction.atomic():
        move(world.hunan, world.nanxian_home, NANXIAN)
    assert region_of(entries["open"]) == region_of(entries["closed"]) == NANXIAN


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(st.sampled_from(["open", "rectifying", "closed"]), min_size=1, max_size=5))
def test_exactly_the_entries_not_closed_follow_and_every_entry_stays_counted(world, photo, kinds):
    with transaction.atomic():
        made = []
        for n, kind in enumerate(kinds):
            if kind == "closed":
                made.append(services.fix_on_spot(world.nanxian, unit=world.nanxian_home, source="other",
                                                 category="fire", severity="general", description=f"问题{n}",
                                                 found_on=FOUND, attachments=[photo()]))
                continue
            made.append(put(world.nanxian, world.nanxian_home, f"问题{n}"))
            if kind == "rectifying":
                services.transition(world.home_reporter, made[-1], "start")
        move(world.hunan, world.nanxian_home, CILI)
        where = {e.pk: region_of(e) for e in made}
        assert {pk for pk, code in where.items() if code == CILI} == {
            e.pk for e, kind in zip(made, kinds, strict=True) if kind != "closed"}
        assert set(where.values()) <= {NANXIAN, CILI}
        cili = queries.visible_entries(world.cili).filter(pk__in=where).count()
        nanxian = queries.visible_entries(world.nanxian).filter(pk__in=where).count()
        assert cili + nanxian == len(made)  # nothing lost, nothing seen twice by the two counties
        transaction.set_rollback(True)
    world.nanxian_home.refresh_from_db()


def test_moving_a_unit_through_the_registry_carries_its_open_entries_in_the_same_call(world, entries):
    """The registry's own move service, not a hand-sent signal: the ledger follows inside its transaction."""
    from tongxin.units import services as units

    units.move_unit(world.hunan, world.nanxian_home, region_code=CILI)
    assert region_of(entries["open"]) == region_of(entries["fixing"]) == CILI
    assert region_of(entries["closed"]) == NANXIAN
    assert Unit.objects.get(pk=world.nanxian_home.pk).region_id == CILI


def test_a_refused_move_leaves_the_unit_and_its_entries_where_they_were(world, entries):
    from django.core.exceptions import PermissionDenied

    from tongxin.units import services as units

    with pytest.raises(PermissionDenied):  # 南县's officer cannot move a home into 慈利县
        units.move_unit(world.nanxian, world.nanxian_home, region_code=CILI)
    assert region_of(entries["open"]) == NANXIAN
    assert Unit.objects.get(pk=world.nanxian_home.pk).region_id == NANXIAN
