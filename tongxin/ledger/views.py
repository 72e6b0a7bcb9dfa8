"""Pages of the ledger (问题台账): the list, an entry and its life, a new entry, statistics by
region and the Excel export. Evidence files are served by `units.attachments`; a campaign's
summary workbook by the app that runs campaigns (its URL comes through `ledger.sources`).

Every entry, region and campaign is looked up inside the user's scope: outside it the
answer is 404. Every write goes through `ledger.services` (files through
`core.uploads.store_attachment`) inside one transaction; a refused move or a bad file re-shows
the page with the service's own words (status 400) and changes nothing. Overdue is judged on
the local (Beijing) date.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core import audit
from tongxin.core.errors import Conflict
from tongxin.core.models import Attachment
from tongxin.core.types import Actor
from tongxin.core.uploads import store_attachments
from tongxin.core.views_base import ScopedCreateView, ScopedExportView, ScopedRegionView, ScopedView, as_scoped_view
from tongxin.ledger import excel, queries, services, sources
from tongxin.ledger.forms import EVIDENCE_ACCEPT, EntryForm, LedgerFilterForm, filing_units
from tongxin.ledger.models import LedgerEntry, Status
from tongxin.regions.models import Region
from tongxin.regions.queries import ancestors
from tongxin.units import scope
from tongxin.units.models import Unit

PAGE_SIZE = 25


def _url(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _messages_of(exc: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(exc, ValidationError):
        return exc.messages
    return [str(exc) or _("您无权进行此操作")]


# --- the list and its export ---------------------------------------------------------------------

def _filtered(request: HttpRequest) -> tuple[LedgerFilterForm, QuerySet[LedgerEntry], Unit | None]:
    """(filter form, scoped and filtered queryset, the unit filtered on or None)."""
    data = request.GET.copy()
    if data.get("unit") and "status" not in data:
        data["status"] = queries.UNCLOSED  # a unit page's link: that unit's entries not yet struck off
    form = LedgerFilterForm(data, user=request.user)
    filters = form.filters()
    unit = None
    if filters["unit"]:
        unit = scope.restrict(Unit.objects.all(), request.user).filter(pk=filters["unit"]).first()
    return form, queries.filter_entries(queries.visible_entries(request.user), **filters), unit


def _query_string(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@as_scoped_view
def entry_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form, qs, unit = _filtered(request)
    page = Paginator(queries.ordered(qs, today), PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page:
        entry.late_days = queries.overdue_days(entry, today)
    return render(request, "ledger/entry_list.html", {
        "form": form, "page_obj": page, "counts": queries.list_counts(qs, today), "filter_unit": unit,
        "query_string": _query_string(request), "today": today,
        "active_filters": sum(1 for k, v in request.GET.items() if k not in ("page", "unit") and v),
        "can_create": filing_units(request.user).exists()})


def _place(request: HttpRequest, form: LedgerFilterForm, unit: Unit | None) -> str:
    if unit is not None:
        return unit.name
    code = form.cleaned_data.get("region") if hasattr(form, "cleaned_data") else ""
    region = Region.objects.filter(code=code).first() if code else None
    if region is None:
        tops = scope.top_regions(request.user)
        region = tops[0] if len(tops) == 1 else None
    return region.name if region else _("本单位")


@as_scoped_view(base=ScopedExportView)
def export(request: HttpRequest) -> FileResponse:
    today = timezone.localdate()
    form, qs, unit = _filtered(request)
    entries = queries.ordered(qs, today).iterator(chunk_size=2000)
    audit.record(audit.Action.EXPORT, actor=request.user,
                 object_repr=(_("问题台账导出") + " " + request.GET.urlencode())[:200])
    return excel.ledger_response(entries, place=_place(request, form, unit), viewer=request.user, today=today)


# --- one entry ---------------------------------------------------------------------------------

class EntryView(ScopedView):
    """A page about one entry (`pk` in the URL), found in the user's scope by `get_object`."""

    queryset = LedgerEntry.objects.select_related("unit__region", "created_by",
                                                  "fixed_by", "closed_by")


def _detail(request: HttpRequest, entry: LedgerEntry, *, error: list[str] | None = None, action: str = "",
            comment: str = "", status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    workflow = services.WORKFLOW
    transitions = (entry.transitions.select_related("actor")
                   .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id"))))
    for t in transitions:
        t.label = workflow.label(t.name)
        t.from_label = workflow.state_label(t.from_status) if t.from_status else ""
        t.to_label = workflow.state_label(t.to_status)
    return render(request, "ledger/entry_detail.html", {
        "entry": entry, "late_days": queries.overdue_days(entry, today), "today": today,
        "photos": entry.attachments.order_by("id"), "transitions": transitions,
        # The buttons are the workflow's answer for this user; the guards' words explain the rest.
        "actions": workflow.allowed_for(request.user, entry),
        "action_notes": list(dict.fromkeys(workflow.refusals(request.user, entry).values())),
        "error": error or [], "error_action": action, "comment": comment,
        "accept": EVIDENCE_ACCEPT,
        "source_link": sources.source_link(entry.source, entry.source_id),
        "context_link": sources.context_link(entry.context_kind, entry.context_id),
        "context_label": sources.context_label(entry.context_kind),
        "unit_url": _url("units:detail", entry.unit_id),
    }, status=status)


class EntryDetailView(EntryView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _detail(request, self.get_object())



class EntryTransitionView(EntryView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return entry_transition(request, self.get_object(), self.get_object)


def entry_transition(request: HttpRequest, entry: LedgerEntry, reread: Callable[[], LedgerEntry]) -> HttpResponse:
    name = request.POST.get("name", "")
    comment = request.POST.get("comment", "")
    seen = request.POST.get("status") or None  # the state the page showed
    try:
        services.check_fresh(entry, seen)
        services.WORKFLOW.take(request.user, entry, name)  # refuse a stale or forbidden move before storing files
        with transaction.atomic():
            attachments = store_attachments(request.FILES.getlist("files"), uploaded_by=request.user,
                                            unit_id=entry.unit_id, field="file")
            services.transition(request.user, entry, name, comment=comment, attachments=attachments,
                                expected_status=seen)
    except Conflict as exc:  # someone else moved it first: the latest state, and why nothing happened
        return _detail(request, reread(), error=[str(exc)], action=name, comment=comment, status=409)
    except (ValidationError, PermissionDenied) as exc:
        entry = reread()
        return _detail(request, entry, error=_messages_of(exc), action=name, comment=comment, status=400)
    messages.success(request, _("已%(action)s：%(number)s") % {"action": services.WORKFLOW.label(name),
                                                               "number": entry.number})
    return redirect("ledger:detail", pk=entry.pk)


@as_scoped_view(methods=("get", "post"), base=ScopedCreateView)
def entry_create(request: HttpRequest) -> HttpResponse:
    if not filing_units(request.user).exists():
        raise PermissionDenied(_("您的角色不能登记问题"))
    if request.method == "GET":
        form = EntryForm(user=request.user, initial={"unit": request.GET.get("unit") or None})
        return render(request, "ledger/entry_form.html", {"form": form, "accept": EVIDENCE_ACCEPT})
    form = EntryForm(request.POST, user=request.user)
    file_errors: list[str] = []
    if form.is_valid():
        values = form.service_values()
        try:
            with transaction.atomic():
                photos = store_attachments(request.FILES.getlist("photos"), uploaded_by=request.user,
                                           unit_id=values["unit"].pk, field="file")
                entry = services.open_entry(request.user, attachments=photos, **values)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                if field == "file":
                    file_errors.extend(errors)
                else:
                    form.add_error(field if field in form.fields else None, errors)
        except PermissionDenied as exc:
            form.add_error(None, _messages_of(exc))
        else:
            messages.success(request, _("已挂账：%(number)s") % {"number": entry.number})
            return redirect("ledger:detail", pk=entry.pk)
    return render(request, "ledger/entry_form.html", {"form": form, "accept": EVIDENCE_ACCEPT,
                                                      "file_errors": file_errors}, status=400)


# --- statistics ------------------------------------------------------------------------------------

def _default_region(user: Actor) -> Region:
    tops = scope.top_regions(user)
    if tops:
        return tops[0]
    own = Unit.objects.filter(pk__in=scope.scope_of(user).units.get(scope.READ, frozenset()))
    first = own.select_related("region").order_by("region_id").first()
    if first is None:
        raise Http404(_("找不到该记录，或您无权查看"))
    return first.region


def _region(request: HttpRequest) -> Region:
    region = scope.region_from_request(request, own_units=True, default=lambda: _default_region(request.user))
    if region is None:  # the default gives a region or raises Http404
        raise Http404(_("找不到该记录，或您无权查看"))
    return region


def _campaign(request: HttpRequest) -> tuple[int, str] | None:
    """(id, name) of the campaign asked for, if the user sees it (the registry's choices)."""
    raw = request.GET.get("campaign", "").strip()
    if not raw:
        return None
    kind = sources.context(sources.CAMPAIGN)
    found = None
    if kind is not None and raw.isascii() and raw.isdigit() and len(raw) <= 18:
        found = next(((pk, name) for pk, name in kind.choices(request.user) if pk == int(raw)), None)
    if found is None:
        messages.warning(request, _("找不到专项行动“%(id)s”，或您无权查看；已显示全部问题。") % {"id": raw[:20]})
    return found


@as_scoped_view(base=ScopedRegionView)
def stats(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    region = _region(request)
    campaign = _campaign(request)
    campaign_id = campaign[0] if campaign else None
    by_unit = region.level == Region.Level.COUNTY or not region.children.exists()
    reader = queries.stats_by_unit if by_unit else queries.stats_by_region
    total, rows = reader(request.user, region, campaign=campaign_id, today=today)
    base = {"campaign": campaign_id} if campaign_id else {}

    def list_link(**params: Any) -> str:
        return f"{reverse('ledger:list')}?{urlencode({**base, **params})}"

    for row in rows:
        key = {"unit": row.unit.pk} if row.unit else {"region": row.region.code}
        row.name = (row.unit.name if row.unit else
                    _("%(region)s本级") % {"region": region.name} if row.direct else row.region.name)
        row.drill = (None if row.unit or row.direct else
                     f"{reverse('ledger:stats')}?{urlencode({**base, 'region': row.region.code})}")
        row.links = {"found": list_link(**key, status=""), "closed": list_link(**key, status=Status.CLOSED),
                     "open": list_link(**key, status=queries.UNCLOSED), "overdue": list_link(**key, overdue=1)}
    region_key = {"region": region.code}
    total.links = {"found": list_link(**region_key), "closed": list_link(**region_key, status=Status.CLOSED),
                   "open": list_link(**region_key, status=queries.UNCLOSED),
                   "overdue": list_link(**region_key, overdue=1)}
    crumbs = [r for r in ancestors(region) if scope.reaches_region(request.user, r)]
    kind = sources.context(sources.CAMPAIGN)
    export_url = None
    if campaign_id is not None and kind is not None and kind.summary_url is not None:
        export_url = kind.summary_url(request.user, campaign_id, region.code)
    return render(request, "ledger/stats.html", {
        "region": region, "campaign": campaign and {"pk": campaign[0], "name": campaign[1]},
        "export_url": export_url, "total": total, "rows": rows,
        "by_unit": by_unit, "today": today,
        "crumbs": [{"name": r.name, "url": f"{reverse('ledger:stats')}?{urlencode({**base, 'region': r.code})}"}
                   for r in crumbs],
        "campaigns": [{"pk": pk, "name": name} for pk, name in (kind.choices(request.user) if kind else [])][:100],
        "other_tops": [t for t in scope.top_regions(request.user) if t.code != region.code][:10],
    })


urlpatterns = [
    path("", entry_list, name="list"),
    path("new/", entry_create, name="create"),
    path("stats/", stats, name="stats"),
    path("export.xlsx", export, name="export"),
    path("<int:pk>/", EntryDetailView.as_view(), name="detail"),
    path("<int:pk>/transition/", EntryTransitionView.as_view(), name="transition"),
]

