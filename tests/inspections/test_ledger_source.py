"""An inspection raises its entries as their source, within its campaign, through the ledger's
generic references; the ledger shows them with the inspection's own label and link."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from tests.inspections.conftest import DAY, answer_all
from tongxin.inspections import services
from tongxin.ledger import queries
from tongxin.regions.models import Region


def test_an_entry_raised_by_an_inspection_links_to_it_and_its_campaign(world, checklists, team, photo,
                                                                       client_for):
    five, _general = checklists
    campaign = services.create_campaign(
        world.nanxian, name="南县消防排查", issuer=world.nanxian_bureau, region=Region.objects.get(code="430921"),
        templates=[five.template], start_date=DAY, end_date=DAY + dt.timedelta(days=10),
        self_inspection_deadline=DAY + dt.timedelta(days=5))
    inspection = services.start_inspection(world.nanxian, unit=world.nanxian_home, version=five, team=team,
                                           kind="supervision", day=DAY, campaign=campaign)
    answer_all(world.nanxian, inspection, fail={"visitor_register"}, photo_for=photo)
    (entry,) = services.finish_inspection(world.nanxian, inspection)
    assert (entry.source, entry.source_id) == ("supervision", inspection.pk)
    assert (entry.context_kind, entry.context_id) == ("campaign", campaign.pk)
    assert list(queries.raised_by(world.nanxian, ("supervision",), inspection.pk)) == [entry]
    assert list(queries.filter_entries(queries.visible_entries(world.nanxian), campaign=campaign.pk)) == [entry]

    html = client_for(world.nanxian).get(reverse("ledger:detail", args=[entry.pk])).content.decode()
    source = html.split('id="entry-source"')[1].split("</dd>")[0]
    assert "督导检查" in source and reverse("inspections:detail", args=[inspection.pk]) in source
    context = html.split('id="entry-context"')[1].split("</dd>")[0]
    assert "南县消防排查" in context and reverse("inspections:campaign-detail", args=[campaign.pk]) in context
    record = client_for(world.nanxian).get(reverse("inspections:detail", args=[inspection.pk])).content.decode()
    assert entry.number in record


def test_a_self_inspection_without_campaign_has_no_context(world, checklists, photo):
    five, _general = checklists
    inspection = services.start_inspection(world.home_reporter, unit=world.nanxian_home, version=five,
                                           kind="self", day=DAY)
    answer_all(world.home_reporter, inspection, fail={"visitor_register"}, photo_for=lambda: photo(
        world.home_reporter))
    (entry,) = services.finish_inspection(world.home_reporter, inspection)
    assert (entry.source, entry.source_id, entry.context_kind, entry.context_id) == (
        "self_inspection", inspection.pk, "", None)
