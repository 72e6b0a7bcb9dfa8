"""A campaign's summary workbook by region (专项行动汇总表, `inspections:campaign-export`), over the
ledger entries that name the campaign as their context: it adds up, and it is scoped."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.ledger import test_web as web
from tests.ledger.conftest import FOUND
from tests.ledger.test_export import workbook
from tongxin.inspections import services as inspections
from tongxin.regions.models import Region

freeze, ledger = web.freeze, web.ledger  # six entries (three of them in a province campaign), a frozen clock


def summary(response) -> tuple[list[str], dict[str, dict]]:
    ws = workbook(response).worksheets[0]
    headers = [c.value for c in ws[2]]
    lines = {r[0]: dict(zip(headers, r, strict=True)) for r in ws.iter_rows(min_row=3, values_only=True)}
    return ws, lines


def test_the_campaign_summary_adds_up_by_region(world, ledger, client_for):
    campaign = ledger["campaign"]
    ws, lines = summary(client_for(world.hunan).get(reverse("inspections:campaign-export", args=[campaign.pk])))
    assert ws["A1"].value.startswith("拉网式隐患大排查汇总表（湖南省")
    assert ws.freeze_panes == "A3"
    assert list(lines) == ["张家界市", "益阳市", "合计"]
    total = lines["合计"]
    for col in ("单位数", "已自查", "已督导", "督导目标", "发现问题", "已销号", "未销号", "逾期"):
        assert total[col] == lines["张家界市"][col] + lines["益阳市"][col]
    assert (lines["益阳市"]["单位数"], lines["益阳市"]["督导目标"]) == (2, 2)  # two 南县 elderly-care homes, 100 %
    assert (total["发现问题"], total["已销号"], total["未销号"], total["逾期"]) == (3, 1, 2, 2)


def test_a_county_gets_its_own_part_of_a_province_campaign(world, ledger, client_for):
    _ws, lines = summary(client_for(world.nanxian).get(reverse("inspections:campaign-export",
                                                               args=[ledger["campaign"].pk])))
    assert lines["合计"]["发现问题"] == 2 and lines["合计"]["逾期"] == 1


def test_a_campaign_out_of_sight_is_404(world, client_for, freeze):
    nanxian_campaign = inspections.create_campaign(
        world.nanxian, name="南县消防排查", issuer=world.nanxian_bureau, region=Region.objects.get(code="430921"),
        templates=[inspections.load_builtin_checklists()[1].template], start_date=FOUND,
        end_date=FOUND + dt.timedelta(days=10), self_inspection_deadline=FOUND + dt.timedelta(days=5))
    url = reverse("inspections:campaign-export", args=[nanxian_campaign.pk])
    assert client_for(world.cili).get(url).status_code == 404
    assert client_for(world.nanxian).get(url).status_code == 200
    assert client_for(world.hunan).get(reverse("inspections:campaign-export", args=[999999])).status_code == 404


@pytest.mark.parametrize("region", ["430821", "430000"])
def test_a_region_outside_the_users_scope_is_404(world, ledger, client_for, region):
    url = reverse("inspections:campaign-export", args=[ledger["campaign"].pk])
    assert client_for(world.nanxian).get(url, {"region": region}).status_code == 404
