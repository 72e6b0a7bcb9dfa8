"""The public site (no login, read-only): notices, appeals and where every donation went.

Every view here is `login_not_required` and reads only `donations.queries.public` and the
published notices. The data part of each page is rendered once and cached under a key carrying
the generations of the "donations" and "portal" namespaces and the language (core.publiccache),
so a recorded donation or an edited notice shows at once; the page around it (language switch,
CSRF token) is rendered per request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tongxin.core import publiccache, ratelimit, replica
from tongxin.core.xlsx import csv_writer
from tongxin.core.xlsx.writing import stream_xlsx
from tongxin.donations.models import AppealStatus
from tongxin.donations.queries import public
from tongxin.portal import queries
from tongxin.portal.models import NoticeKind

CACHE_SECONDS = 600


def _key(*parts: object) -> str:
    return publiccache.key("donations", publiccache.generation("portal"), get_language(), *parts)


def _cached(name: str, build: Callable[[], str]) -> str:
    key = _key(name)
    html = cache.get(key)
    if html is None:
        with replica.primary():  # cached for minutes under a new generation: never from a lagging copy
            html = build()
        cache.set(key, html, CACHE_SECONDS)
    return str(html)


def _page(request: HttpRequest, title: str, body: str, status: int = 200, **ctx: Any) -> HttpResponse:
    return render(request, "portal/page.html", {"title": title, "body": mark_safe(body), **ctx},  # noqa: S308 (our own template)
                  status=status)


@login_not_required
@replica.read_view
def index(request: HttpRequest) -> HttpResponse:
    def build() -> str:
        cards = [(a, public.for_appeal(a)) for a in public.open_appeals()[:12]]
        ended = [(a, public.for_appeal(a)) for a in public.appeals().filter(status=AppealStatus.CLOSED)[:12]]
        return render_to_string("portal/_home.html", {
            "cards": cards, "ended": ended, "organisations": list(public.organisations()[:50]),
            "notices": list(queries.published(NoticeKind.NOTICE)[:6]),
            "works": list(queries.published(NoticeKind.WORK)[:6])})
    return _page(request, _("信息公开"), _cached("home", build), active="home")


@login_not_required
@replica.read_view
def appeal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    a = public.appeal(pk)
    if a is None:
        raise Http404
    body = _cached(f"appeal:{pk}", lambda: render_to_string("portal/_disclosure.html", {
        "appeal": a, "d": public.for_appeal(a), "download": f"appeals/{pk}"}))
    return _page(request, a.title, body)


@login_not_required
@replica.read_view
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = public.organisation(pk)
    if unit is None:
        raise Http404
    body = _cached(f"org:{pk}", lambda: render_to_string("portal/_disclosure.html", {
        "organisation": unit, "d": public.for_organisation(unit), "download": f"organisations/{pk}"}))
    return _page(request, unit.name, body)


@login_not_required
@replica.read_view
def lookup(request: HttpRequest) -> HttpResponse:
    number = request.GET.get("receipt", "").strip()[:40]
    code = request.GET.get("code", "").strip()[:20]
    ctx: dict[str, Any] = {"receipt": number, "code": code, "asked": bool(number or code)}
    status, retry_after = 200, 0
    if ctx["asked"]:
        decision = ratelimit.hit("lookup", ratelimit.client_ip(request))
        if not decision.allowed:
            ctx["error"] = _("查询过于频繁，请 10 分钟后再试。")
            status, retry_after = 429, decision.retry_after
        else:
            found = public.lookup(number, code)
            if found is None:
                ctx["error"] = _("未找到该捐赠：请核对捐赠票据上的票据号和查询码。")
                status = 404
            else:
                ctx["found"] = found
    body = render_to_string("portal/_lookup.html", ctx, request=request)
    response = _page(request, _("捐赠去向查询"), body, status=status, active="lookup")
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@login_not_required
@replica.read_view
def notices(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", NoticeKind.NOTICE)
    if kind not in NoticeKind.values:
        kind = NoticeKind.NOTICE
    body = _cached(f"notices:{kind}", lambda: render_to_string("portal/_notices.html", {
        "kind": kind, "kinds": NoticeKind.choices, "notices": list(queries.published(kind)[:100])}))
    return _page(request, _("通知公告"), body, active="notices")


@login_not_required
@replica.read_view
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = queries.published_notice(pk)
    if notice is None:
        raise Http404
    body = _cached(f"notice:{pk}", lambda: render_to_string("portal/_notice.html", {"n": notice}))
    return _page(request, notice.title, body, active="notices")


# --- downloads and the feed -------------------------------------------------------------------------

def _subject(kind: str, pk: int) -> tuple[str, public.Disclosure]:
    if kind == "appeals":
        a = public.appeal(pk)
        if a is None:
            raise Http404
        return a.title, public.for_appeal(a)
    unit = public.organisation(pk)
    if unit is None:
        raise Http404
    return unit.name, public.for_organisation(unit)


TABLES = ("donations", "goods", "handovers", "allocations", "stock", "corrections")


def table(d: public.Disclosure, name: str) -> tuple[list[str], list[list[Any]]]:
    """One list of a disclosure as headers and rows (the downloads' content)."""
    if name == "donations":
        return ([_("票据号"), _("捐赠方"), _("受赠单位"), _("接收时间"), _("物资"), _("数量"), _("计量单位"),
                 _("价值（元）")],
                [[r.receipt_number, r.donor, r.organisation, r.received_at, ln.item, ln.quantity, ln.measure, ln.value]
                 for r in d.donations for ln in r.lines])
    if name == "goods":
        return ([_("物资"), _("规格型号"), _("数量"), _("计量单位"), _("价值（元）"), _("估值依据")],
                [[g.item, g.specification, g.quantity, g.measure, g.value, "、".join(g.valuations)] for g in d.goods])
    if name == "handovers":
        return ([_("交接编号"), _("交付单位"), _("受援单位"), _("发出时间"), _("状态"), _("物资"), _("发出数量"),
                 _("签收数量"), _("签收时间")],
                [[h.id, h.organisation, h.recipient, h.sent_at, h.status_label, ln.item, ln.sent, ln.received,
                  h.received_at] for h in d.handovers for ln in h.lines])
    if name == "allocations":
        return ([_("编号"), _("分配单位"), _("受援单位"), _("分配依据"), _("决定人"), _("决定时间"), _("物资"),
                 _("数量")],
                [[a.id, a.organisation, a.recipient, f"{a.basis}：{a.basis_text}", a.decided_by, a.decided_at, i, q]
                 for a in d.allocations for i, _m, q in a.lines])
    if name == "stock":
        return ([_("单位"), _("物资"), _("计量单位"), _("接收"), _("已交接"), _("调整"), _("库存")],
                [[s.organisation, s.item, s.measure, s.received, s.handed_over, s.adjusted, s.quantity]
                 for s in d.stock])
    if name == "corrections":
        return ([_("编号"), _("单位"), _("更正原因"), _("原记录"), _("更正时间"), _("物资"), _("更正前"), _("更正后")],
                [[c.id, c.organisation, c.reason, c.replaces, c.created_at, ch.get("item", ""), ch.get("before"),
                  ch.get("after")] for c in d.corrections for ch in (c.changes or ({},))])
    raise Http404


def _csv_cell(value: Any) -> Any:
    if hasattr(value, "isoformat") and hasattr(value, "tzinfo"):
        from django.utils import timezone
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else value
    return "" if value is None else value  # formula-like text is neutralised by the writer


@login_not_required
@replica.read_view
def download(request: HttpRequest, kind: str, pk: int, name: str, fmt: str) -> HttpResponse | StreamingHttpResponse:
    if kind not in ("appeals", "organisations") or name not in TABLES or fmt not in ("csv", "xlsx"):
        raise Http404
    title, d = _subject(kind, pk)
    headers, rows = table(d, name)
    filename = f"{kind}-{pk}-{name}"
    if fmt == "xlsx":
        return stream_xlsx(f"{filename}.xlsx", title, headers, rows)
    writer = csv_writer()  # every cell neutralised: never a formula in a spreadsheet

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(headers)
        for r in rows:
            yield writer.writerow([_csv_cell(v) for v in r])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{filename}.csv")
    return response


@login_not_required
@replica.read_view
def feed(request: HttpRequest) -> JsonResponse:
    """Every public appeal and organisation with its full disclosure; ids are the records' own."""
    key = _key("feed")
    data = cache.get(key)
    if data is None:
        data = {
            "appeals": [{"id": a.pk, "title": a.title, "status": a.status, "organisation_id": a.unit_id,
                         "starts_on": a.starts_on.isoformat(), "filing_number": a.filing_number,
                         **public.feed_disclosure(public.for_appeal(a))} for a in public.appeals()],
            "organisations": [{"id": u.pk, "name": u.name, **public.feed_disclosure(public.for_organisation(u))}
                              for u in public.organisations()],
            "notices": [{"id": n.pk, "kind": n.kind, "title": n.title, "source": n.source, "author": n.author,
                         "day": n.day.isoformat(), "original_url": n.original_url} for n in queries.published()],
        }
        cache.set(key, data, CACHE_SECONDS)
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


urlpatterns: list = [
    path("", index, name="index"),
    path("appeals/<int:pk>/", appeal_detail, name="appeal"),
    path("organisations/<int:pk>/", organisation_detail, name="organisation"),
    path("<str:kind>/<int:pk>/<str:name>.<str:fmt>", download, name="download"),
    path("lookup/", lookup, name="lookup"),
    path("notices/", notices, name="notices"),
    path("notices/<int:pk>/", notice_detail, name="notice"),
    path("feed.json", feed, name="feed"),
]
