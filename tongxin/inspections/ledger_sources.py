"""What the inspections tell the ledger: the source kinds they raise entries as, and campaigns as
the work entries belong to. Registered in `InspectionsConfig.ready()`; the ledger asks
`ledger.sources` for labels and links and never imports this app."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from tongxin.core.types import Actor
from tongxin.inspections.models import Campaign, Inspection
from tongxin.inspections.queries import visible_campaigns
from tongxin.ledger import sources
from tongxin.units import scope
from tongxin.units.models import Unit

SELF = "self_inspection"
SUPERVISION = "supervision"
KINDS = (SELF, SUPERVISION)


def source_kind(inspection: Inspection) -> str:
    return SELF if inspection.kind == Inspection.Kind.SELF else SUPERVISION


def inspection_link(pk: int) -> sources.Link | None:
    found = Inspection.objects.filter(pk=pk).values_list("day", flat=True).first()
    if found is None:
        return None
    return sources.Link(_("检查记录（%(day)s）") % {"day": found.isoformat()}, reverse("inspections:detail", args=[pk]))


def campaign_link(pk: int) -> sources.Link | None:
    name = Campaign.objects.filter(pk=pk).values_list("name", flat=True).first()
    if name is None:
        return None
    return sources.Link(name, reverse("inspections:campaign-detail", args=[pk]))


def campaign_choices(user: Actor) -> list[tuple[int, str]]:
    return list(visible_campaigns(user).order_by("-start_date", "name").values_list("pk", "name"))


def campaign_check(user: Actor, pk: int, unit: Unit) -> str:
    """Http404 for a campaign the user does not see; a refusal for a unit outside its range."""
    campaign = visible_campaigns(user).filter(pk=pk).first()
    if campaign is None:
        raise Http404(_("找不到该专项行动，或您无权查看"))
    if not unit.region_id.startswith(campaign.region.prefix):
        return _("该单位不在专项行动范围内")
    return ""


def campaign_summary_url(user: Actor, pk: int, region_code: str) -> str | None:
    """The campaign's summary workbook for the region on screen, for a bureau covering it."""
    campaign = Campaign.objects.filter(pk=pk).select_related("region").first()
    if campaign is None or not scope.scope_of(user).covers_region(region_code):
        return None
    url = reverse("inspections:campaign-export", args=[pk])
    return f"{url}?region={region_code}" if region_code.startswith(campaign.region.prefix) else url


def register() -> None:
    sources.register_source(SELF, label=gettext_lazy("自查"), link=inspection_link)
    sources.register_source(SUPERVISION, label=gettext_lazy("督导检查"), link=inspection_link)
    sources.register_context(sources.CAMPAIGN, label=pgettext_lazy("campaign", "专项行动"), link=campaign_link,
                             choices=campaign_choices, check=campaign_check, summary_url=campaign_summary_url)
