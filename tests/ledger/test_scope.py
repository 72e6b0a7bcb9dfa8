"""Ledger scope reads the entry's own region code (no join to units); a unit's own staff see their
unit's entries by the unit id."""

from __future__ import annotations

from tongxin.ledger import queries
from tongxin.ledger.models import LedgerEntry
from tongxin.units import scope


def sql_of(user) -> str:
    return str(scope.restrict(LedgerEntry.objects.all(), user).query)


def test_a_bureaus_scope_is_a_range_on_the_entrys_region_code_without_a_join(world, entry):
    sql = sql_of(world.nanxian)
    assert "units_unit" not in sql and "region_code" in sql
    assert list(queries.visible_entries(world.nanxian)) == [entry]
    assert not queries.visible_entries(world.cili).exists()


def test_a_homes_staff_see_their_units_entries_by_unit_id(world, entry):
    sql = sql_of(world.home_reporter)
    assert "units_unit" not in sql and '"unit_id" IN' in sql
    assert list(queries.visible_entries(world.home_reporter)) == [entry]


def test_an_entry_recorded_in_another_region_is_scoped_by_its_own_code(world, entry):
    """What the entry says decides, not where its unit is now: a closed entry keeps its county."""
    LedgerEntry.objects.filter(pk=entry.pk).update(region_code="430821")
    assert list(queries.visible_entries(world.cili)) == [entry]
    assert not queries.visible_entries(world.nanxian).exists()
    assert list(queries.visible_entries(world.home_reporter)) == [entry]  # still their unit's
