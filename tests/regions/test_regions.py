"""GB/T 2260 divisions: loading, subtree queries, search."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tongxin.regions import queries
from tongxin.regions.models import Region
from tongxin.regions.services import load_divisions


def test_hunan_has_14_cities_and_122_counties(db):
    hunan = Region.objects.get(code="430000")
    below = queries.subtree(hunan, include_self=False)
    assert below.filter(level=2).count() == 14
    assert below.filter(level=3).count() == 122


def test_county_knows_its_parents(db):
    nanxian = Region.objects.get(code="430921")
    assert nanxian.name == "南县"
    assert nanxian.parent.name == "益阳市"
    assert nanxian.full_name() == "湖南省 益阳市 南县"
    assert [r.code for r in queries.ancestors(nanxian)] == ["430000", "430900"]
    assert nanxian.longitude is not None and nanxian.latitude is not None


def test_everything_under_zhangjiajie_is_one_query(db):
    zjj = Region.objects.get(code="430800")
    with CaptureQueriesContext(connection) as ctx:
        names = {r.name for r in queries.subtree(zjj, include_self=False)}
    assert names == {"永定区", "武陵源区", "慈利县", "桑植县"}
    assert len(ctx.captured_queries) == 1
    assert "LIKE" not in ctx.captured_queries[0]["sql"].upper()


def test_subtree_bounds_roll_over_correctly():
    assert queries.subtree_bounds("4309") == ("4309", "4310")
    assert queries.subtree_bounds("4399") == ("4399", "4400")
    assert queries.subtree_bounds("430921") == ("430921", "430922")
    with pytest.raises(ValueError):
        queries.subtree_bounds("43x")


@pytest.mark.parametrize("term", ["nx", "nanxian", "南县", "430921"])
def test_find_nanxian_by_pinyin_initials_name_or_code(db, term):
    assert "430921" in [r.code for r in queries.search(term)]


def test_loading_again_changes_nothing(db):
    assert load_divisions(["43"]) == {"created": 0, "updated": 0}


def test_whole_country_loads(db):
    counts = load_divisions()
    assert counts["created"] > 3000
    assert Region.objects.filter(level=1).count() == 34
    assert Region.objects.get(code="110000").name == "北京市"


def test_command_refuses_a_bad_province_code(db):
    with pytest.raises(CommandError, match="not a province code"):
        call_command("load_divisions", "4x")
    with pytest.raises(CommandError, match="unknown province"):
        call_command("load_divisions", "99")
    assert not Region.objects.filter(code__startswith="99").exists()
