"""专项行动 pages: the campaigns a user sees, issuing one, its progress by region and the summary workbook."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core import audit
from tongxin.core.types import Actor
from tongxin.core.views_base import ScopedExportView, ScopedRegionView, ScopedView, as_scoped_view
from tongxin.inspections import excel, queries, services
from tongxin.inspections.forms import model_field
from tongxin.inspections.models import Campaign, ChecklistTemplate
from tongxin.regions.models import Region
from tongxin.regions.queries import chain, in_subtree
from tongxin.units import scope
from tongxin.units.models import Category, Kind, Unit

INSTITUTION_KINDS = [(k, label) for k, label in Kind.choices if k in {
    Kind.ELDERLY_CARE, Kind.CHILD_WELFARE, Kind.RESCUE_STATION, Kind.MENTAL_HEALTH, Kind.FUNERAL,
    Kind.COMMUNITY_CENTRE}]


class CampaignForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100)
    issuer = forms.ModelChoiceField(label=gettext_lazy("发起单位"), queryset=Unit.objects.none())
    region = forms.ModelChoiceField(label=gettext_lazy("范围"), queryset=Region.objects.none(), to_field_name="code")
    templates = forms.ModelMultipleChoiceField(label=gettext_lazy("检查表"), queryset=ChecklistTemplate.objects.all(),
                                               widget=forms.CheckboxSelectMultiple)
    unit_kinds = forms.MultipleChoiceField(label=gettext_lazy("检查单位类型"), choices=INSTITUTION_KINDS,
                                           widget=forms.CheckboxSelectMultiple, initial=[Kind.ELDERLY_CARE])
    start_date = forms.DateField(label=gettext_lazy("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=gettext_lazy("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    self_inspection_deadline = forms.DateField(label=gettext_lazy("自查截止日期"),
                                               widget=forms.DateInput(attrs={"type": "date"}))
    supervision_target = forms.IntegerField(label=gettext_lazy("督导覆盖目标（%）"), min_value=0, max_value=100,
                                            initial=100)
    description = forms.CharField(label=gettext_lazy("要求"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        s = scope.scope_of(user)
        model_field(self, "issuer", Unit).queryset = scope.restrict(Unit.objects.filter(category=Category.BUREAU), user,
                                                        mode=scope.FILE).select_related("region")
        region_q = Q(pk__in=[])
        for prefix in s.prefixes.get(scope.FILE, ()):
            region_q |= in_subtree("code", prefix)
        model_field(self, "region", Region).queryset = Region.objects.filter(region_q).filter(
            level__lte=3).order_by("code")
        for field in self.fields.values():
            if not isinstance(field.widget, forms.CheckboxSelectMultiple):
                field.widget.attrs.setdefault("class", "form-select" if isinstance(field.widget, forms.Select)
                                              else "form-control")


class CampaignListView(ScopedView):
    queryset = Campaign.objects.select_related("issuer", "region")

    def get(self, request: HttpRequest) -> HttpResponse:
        return campaign_list(request, self.get_queryset())


def campaign_list(request: HttpRequest, campaigns: QuerySet[Campaign]) -> HttpResponse:
    campaigns = campaigns.order_by("-start_date")
    can_create = bool(scope.scope_of(request.user).prefixes.get(scope.FILE))
    return render(request, "inspections/campaign_list.html", {"campaigns": campaigns, "can_create": can_create})


@as_scoped_view(methods=("get", "post"))
def campaign_create(request: HttpRequest) -> HttpResponse | HttpResponseRedirect:
    if not scope.scope_of(request.user).prefixes.get(scope.FILE):
        raise PermissionDenied(_("只有民政部门的业务人员可以发起专项行动"))
    form = CampaignForm(request.POST or None, user=request.user,
                        initial={"start_date": timezone.localdate(), "templates": ChecklistTemplate.objects.all()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.create_campaign(
                request.user, name=data["name"], issuer=data["issuer"], region=data["region"],
                templates=list(data["templates"]), unit_kinds=data["unit_kinds"], start_date=data["start_date"],
                end_date=data["end_date"], self_inspection_deadline=data["self_inspection_deadline"],
                supervision_target=data["supervision_target"], description=data["description"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("已发起专项行动：%(name)s") % {"name": campaign.name})
            return redirect("inspections:campaign-detail", pk=campaign.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "inspections/campaign_form.html", {"form": form}, status=status)


class CampaignDetailView(ScopedRegionView):
    queryset = Campaign.objects.select_related("issuer", "region")

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return campaign_detail(request, self.get_campaign_and_region())

    def get_campaign_and_region(self) -> tuple[Campaign, Region]:
        campaign = self.get_object()
        # Default: the highest region the user covers inside the campaign (its own for its issuers).
        region = self.get_region(within=campaign.region,
                                 default=lambda: scope.default_region_within(self.request.user, campaign.region))
        if region is None:
            raise Http404(_("找不到该记录，或您无权查看"))
        return campaign, region


def campaign_detail(request: HttpRequest, found: tuple[Campaign, Region]) -> HttpResponse:
    campaign, region = found
    s = scope.scope_of(request.user)
    total, rows = queries.progress(campaign, region)
    above = [r for r in Region.objects.filter(code__in=chain(region.code))
             if r.code.startswith(campaign.region.prefix) and r.code != region.code and s.covers_region(r.code)]
    return render(request, "inspections/campaign_detail.html", {
        "campaign": campaign, "region": region, "total": total, "rows": rows,
        "chain": sorted(above, key=lambda r: r.code), "templates": campaign.templates.all(),
    })


class CampaignExportView(ScopedExportView):
    """The summary workbook (专项行动汇总表) for `?region=` (a region the user's bureau covers inside the
    campaign), by default the campaign's own region or the user's part of it."""

    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        campaign = self.get_object(queries.visible_campaigns(request.user).select_related("region"))
        region = self.get_region(within=campaign.region,
                                 default=lambda: scope.default_region_within(request.user, campaign.region))
        if region is None:
            raise Http404(_("找不到该记录，或您无权查看"))
        today = timezone.localdate()
        total, rows = queries.progress(campaign, region, today=today)
        audit.record(audit.Action.EXPORT, actor=request.user, obj=campaign, object_repr=f"{campaign} {region.name}")
        return excel.campaign_summary_response(campaign, region, total, rows, today=today)


urlpatterns = [
    path("campaigns/", CampaignListView.as_view(), name="campaigns"),
    path("campaigns/new/", campaign_create, name="campaign-create"),
    path("campaigns/<int:pk>/", CampaignDetailView.as_view(), name="campaign-detail"),
    path("campaigns/<int:pk>/summary.xlsx", CampaignExportView.as_view(), name="campaign-export"),
]
