"""The story's urgent notice and its chain down the levels, and the live drill's notice of today,
built through the directive services (dir: draft, submit, approve; recv: forward, sign, feed back).

2021-07-26: 湖南省民政厅 issues 《关于在全省民政系统开展拉网式隐患大排查行动的紧急通知》 (特急,
湘民电〔2021〕22号), approved by `hunan` as leader, to the 14 city bureaus. 张家界市, 株洲市 and
湘潭市 forward it the next morning: 张家界市 to its county bureaus, and 慈利县 on to its
institutions that afternoon; 株洲市 and 湘潭市 to their county bureaus and homes at once (their
counties have no logins here). Most units sign in time and report back; a few sign late and a few
never sign (which ones is decided by their names, so every build is the same).

Live drill (today): the province's notice on the cold snap, issued this morning to the 14 city
bureaus and to be signed by tonight; a few cities have signed already.

Idempotent: a notice found on file (by issuer and title) is not issued again; a forward found in
the chain is not repeated; a delivery already signed or fed back is left alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.command.models import Delivery, Directive
from tongxin.command.services import directives as issuing
from tongxin.command.services import receiving
from tongxin.demo import story
from tongxin.regions.models import Region
from tongxin.units.models import Kind, Unit

BEIJING = ZoneInfo("Asia/Shanghai")

TITLE = "关于在全省民政系统开展拉网式隐患大排查行动的紧急通知"
DOC_NUMBER = "湘民电〔2021〕22号"
BODY = (
    "各市州民政局：\n\n"
    "当前我省疫情防控形势严峻复杂。为坚决守住民政服务机构安全底线，经厅党组研究，决定即日起在全省民政系统"
    "开展拉网式隐患大排查行动。现就有关事项紧急通知如下：\n\n"
    "一、全面排查。各地要对辖区内养老机构、儿童福利机构、救助管理机构、精神卫生福利机构、殡葬服务机构逐一排查，"
    "做到不漏一院、不漏一人。\n"
    "二、严格封闭管理。各类机构一律实行封闭管理，严格落实“五个最严”措施。\n"
    "三、压实责任。各级民政部门主要负责同志要亲自部署、亲自督办，每日调度排查进展。\n"
    "四、及时报告。请于 7 月 26 日 22:00 前签收本通知，8 月 1 日 18:00 前将排查情况报省厅。"
)
FEEDBACK_REQUEST = "排查机构数、发现隐患数、已整改数，附排查台账。"
ISSUED_AT = dt.datetime(2021, 7, 26, 17, 30, tzinfo=BEIJING)
SIGN_DEADLINE = dt.datetime(2021, 7, 26, 22, 0, tzinfo=BEIJING)
FEEDBACK_DEADLINE = dt.datetime(2021, 8, 1, 18, 0, tzinfo=BEIJING)
# The cities that forward it, when, and by when their counties sign; the counties forward on an hour later.
FORWARDING_CITIES = (story.ZHANGJIAJIE, story.ZHUZHOU, story.XIANGTAN)
FORWARDED_AT = dt.datetime(2021, 7, 27, 9, 0, tzinfo=BEIJING)
FORWARD_SIGN_DEADLINE = dt.datetime(2021, 7, 27, 18, 0, tzinfo=BEIJING)
COUNTY_FORWARDED_AT = dt.datetime(2021, 7, 27, 15, 0, tzinfo=BEIJING)
COUNTY_SIGN_DEADLINE = dt.datetime(2021, 7, 28, 12, 0, tzinfo=BEIJING)
FORWARD_FEEDBACK_DEADLINE = dt.datetime(2021, 7, 31, 18, 0, tzinfo=BEIJING)
CITY_REQUIREMENTS = "请各区县民政局立即转发至辖区各养老机构，按省厅要求逐院排查，7 月 31 日前报市局。"
COUNTY_REQUIREMENTS = "请各机构当日组织自查，逐项填写排查台账，7 月 30 日前报县局。"
FEEDBACK_TEXT = "已完成排查：排查机构 {n} 家，发现隐患 {found} 处，已整改 {fixed} 处。排查台账已上传。"

# Who acts for each bureau of the chain (story.LOGINS; hunan is a leader too, story.EXTRA_ROLES).
ACTORS = {story.PROVINCE_CODE: "hunan", story.ZHANGJIAJIE: "zhangjiajie", story.ZHUZHOU: "zhuzhou",
          story.XIANGTAN: "xiangtan", story.CILI: "cili"}

LIVE_TITLE = "关于切实做好寒潮天气民政服务机构安全防范工作的紧急通知"
LIVE_BODY = (
    "各市州民政局：\n\n据省气象台预报，今明两天我省将出现寒潮天气。请立即组织养老机构、儿童福利机构等"
    "做好防寒保暖、用电用火用气安全检查，落实值班值守，今日内签收本通知。"
)


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def fate(unit_name: str) -> str:
    """How a unit answered the notice: 'on_time' (most), 'late' (a few) or 'unsigned' (a few)."""
    h = _hash("directive:" + unit_name) % 20
    return "unsigned" if h == 0 else "late" if h in (1, 2) else "on_time"


def _bureau(code: str) -> Unit:
    name = story.PROVINCE_BUREAU if code == story.PROVINCE_CODE else Region.objects.get(code=code).name + \
        story.BUREAU_SUFFIX
    return Unit.objects.get(region_id=code, name=name)


def _actor(code: str) -> User:
    """The demo login acting for the bureau at `code` (built by the builder's logins)."""
    return User.objects.get(username=ACTORS[code])


def _issue(actor: User, issuer: Unit, *, title: str, body: str, doc_number: str, urgency: str,
           sign_deadline: dt.datetime, feedback_deadline: dt.datetime | None, now: dt.datetime) -> Directive:
    draft = issuing.create_draft(
        actor, issuer=issuer, region=issuer.region, title=title, body=body, doc_number=doc_number, urgency=urgency,
        target_kinds=[Kind.BUREAU], target_levels=["city"], sign_deadline=sign_deadline,
        feedback_required=feedback_deadline is not None, feedback_deadline=feedback_deadline,
        feedback_request=FEEDBACK_REQUEST if feedback_deadline else "", now=now)
    issuing.submit(actor, draft, now=now)
    return issuing.approve(actor, draft, now=now + dt.timedelta(minutes=20))


def _answer(delivery: Delivery, counts: dict[str, int]) -> None:
    """Sign (in time, late or not at all, by the unit's fate) and report back, through the services."""
    d = delivery.directive
    f = fate(delivery.unit.name)
    h = _hash("when:" + delivery.unit.name)
    if delivery.signed_at is None and f != "unsigned":
        # In time: within the first three hours or so; late: the next working morning or day.
        window = max(min(int((d.sign_deadline - delivery.delivered_at).total_seconds() // 60) - 5, 180), 1)
        at = (delivery.delivered_at + dt.timedelta(minutes=5 + h % window) if f == "on_time"
              else d.sign_deadline + dt.timedelta(hours=10 + h % 8, minutes=h % 60))
        receiving.sign(None, delivery, now=at)
        counts["directive_signatures"] += 1
        delivery.refresh_from_db()
    if (d.feedback_required and delivery.signed_at is not None and delivery.fed_back_at is None
            and h % 20 != 3 and d.feedback_deadline is not None):
        # Reported in office hours, on the deadline's day or up to two days before it.
        day = timezone.localtime(d.feedback_deadline).date() - dt.timedelta(days=h % 3)
        at = dt.datetime.combine(day, dt.time(9 + h % 7, h % 60), tzinfo=BEIJING)
        at = max(at, delivery.signed_at + dt.timedelta(hours=2))
        receiving.feed_back(None, delivery, text=FEEDBACK_TEXT.format(n=3 + h % 9, found=h % 7, fixed=h % 7),
                            now=at)
        counts["directive_feedbacks"] += 1


def _forward(actor: User, delivery: Delivery, *, kinds: Sequence[str], requirements: str,
             sign_deadline: dt.datetime, now: dt.datetime) -> Directive | None:
    """The bureau forwards what it received, unless it already did (one forward per bureau and chain)."""
    held = Directive.objects.filter(root_id=delivery.root_id, issuer=delivery.unit).first()
    if held is not None:
        return held
    if delivery.signed_at is None:  # a forwarding bureau signs as soon as it has it
        receiving.sign(actor, delivery, now=delivery.delivered_at + dt.timedelta(minutes=25))
    return receiving.forward(actor, delivery, requirements=requirements, sign_deadline=sign_deadline,
                             target_kinds=kinds, feedback_required=True,
                             feedback_deadline=FORWARD_FEEDBACK_DEADLINE, now=now)


def build() -> dict[str, int]:
    """The 2021 notice and its chain (see the module docstring). Returns the counts on file and made now."""
    counts = {"directive_signatures": 0, "directive_feedbacks": 0, "directives_issued": 0}
    province = _bureau(story.PROVINCE_CODE)
    root = Directive.objects.filter(issuer=province, title=TITLE, replaces__isnull=True).first()
    if root is None:
        root = _issue(_actor(story.PROVINCE_CODE), province, title=TITLE, body=BODY, doc_number=DOC_NUMBER,
                      urgency="extra", sign_deadline=SIGN_DEADLINE, feedback_deadline=FEEDBACK_DEADLINE,
                      now=ISSUED_AT)
        counts["directives_issued"] += 1
    for city in FORWARDING_CITIES:
        actor = _actor(city)
        delivery = Delivery.objects.select_related("unit", "directive").get(root=root, unit=_bureau(city))
        # 张家界市 forwards to its county bureaus and 慈利县 on to its institutions; 株洲市 and 湘潭市
        # forward to their county bureaus and homes at once (their counties have no logins in the demo).
        kinds = [Kind.BUREAU] if city == story.ZHANGJIAJIE else [Kind.BUREAU, Kind.ELDERLY_CARE]
        _forward(actor, delivery, kinds=kinds, requirements=CITY_REQUIREMENTS,
                 sign_deadline=FORWARD_SIGN_DEADLINE, now=FORWARDED_AT)
    cili = Delivery.objects.select_related("unit", "directive").get(root=root, unit=_bureau(story.CILI))
    _forward(_actor(story.CILI), cili, kinds=[Kind.ELDERLY_CARE, Kind.SOCIAL_WORK],
             requirements=COUNTY_REQUIREMENTS, sign_deadline=COUNTY_SIGN_DEADLINE, now=COUNTY_FORWARDED_AT)
    for delivery in (Delivery.objects.filter(root=root, directive__status=Directive.Status.ISSUED)
                     .select_related("unit", "directive").order_by("delivered_at", "id")):
        _answer(delivery, counts)
    chain = Delivery.objects.filter(root=root)
    counts.update(directives=Directive.objects.filter(root=root).count(), directive_deliveries=chain.count(),
                  directive_signed=chain.exclude(signed_at=None).count())
    return counts


def build_live(now: dt.datetime, today: dt.date) -> dict[str, int]:
    """The live drill's notice of `today` (the drill's day): issued this morning, to be signed by
    tonight, a few cities signed already. Nothing when it is on file, or when `today` is not `now`'s day."""
    province = _bureau(story.PROVINCE_CODE)
    found = Directive.objects.filter(issuer=province, title=LIVE_TITLE).first()
    if found is None and timezone.localdate(now) == today:
        local = timezone.localtime(now)
        midnight = dt.datetime.combine(today, dt.time(0), tzinfo=local.tzinfo)
        issued = max(midnight + dt.timedelta(minutes=1), min(now - dt.timedelta(hours=3),
                                                             midnight + dt.timedelta(hours=8, minutes=30)))
        deadline = max(now + dt.timedelta(minutes=10), midnight + dt.timedelta(hours=22))
        deadline = min(deadline, midnight + dt.timedelta(hours=23, minutes=59))
        found = _issue(_actor(story.PROVINCE_CODE), province, title=LIVE_TITLE, body=LIVE_BODY,
                       doc_number=f"湘民电〔{today.year}〕3号", urgency="urgent", sign_deadline=deadline,
                       feedback_deadline=None, now=issued - dt.timedelta(minutes=20))
        deliveries = list(found.deliveries.select_related("unit", "directive").order_by("region_code"))
        issued_at = found.issued_at or issued
        span = max(int((now - issued_at).total_seconds() // 60) - 1, 1)
        for i, delivery in enumerate(deliveries):
            if i % 3 == 0:  # a third of the cities have signed so far
                receiving.sign(None, delivery, now=issued_at + dt.timedelta(
                    minutes=1 + _hash(delivery.unit.name) % span))
    if found is None:
        return {"live_directives": 0, "live_directive_signed": 0}
    return {"live_directives": 1, "live_directive_signed": found.deliveries.exclude(signed_at=None).count()}
