"""The demo's directives, issuing side, through `command.services.directives`.

Guarantees:
- the urgent notice 《关于在全省民政系统开展拉网式隐患大排查行动的紧急通知》 (湘民电〔2021〕5号, 特急) is
  drafted by 陈志刚 (`hunan`) for all of Hunan's city bureaus on 2021-07-26 09:30 Beijing time,
  submitted, and approved (签发) by him as a leader of 湖南省民政厅 at 10:00: it is delivered to the 14
  city bureaus then, to be signed by 18:00 and fed back by 2021-08-01 18:00 (forwarding it down and
  the signatures are the receiving side's, built after this);
- the live drill's directive is issued the same way an hour before `now` (or at the Beijing day's
  start), to be signed by 18:00 of `now`'s Beijing day (if that has passed, three hours on but
  not past 23:59, and at least ten minutes on): it is waiting to be signed today;
- idempotent: a directive with the same title and issuer is looked up first, so a second build
  creates nothing. `hunan` must hold the leader role (story.EXTRA_ROLES, granted by the builder).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.command.models import Directive
from tongxin.command.services import directives as services
from tongxin.demo import story
from tongxin.demo.reports import local
from tongxin.regions.models import Region
from tongxin.units.models import Kind, Unit

URGENT_TITLE = "关于在全省民政系统开展拉网式隐患大排查行动的紧急通知"
URGENT_NUMBER = "湘民电〔2021〕5号"
URGENT_DAY = dt.date(2021, 7, 26)
URGENT_BODY = (
    "各市州民政局：\n"
    "当前，我省疫情防控形势严峻复杂。为切实保障全省民政服务对象和工作人员生命安全，经厅党组研究，决定立即在全省民政系统"
    "开展拉网式隐患大排查行动。现将有关事项通知如下：\n"
    "一、排查范围。全省各类养老机构、儿童福利机构、救助管理站、精神卫生福利机构、殡葬服务机构。\n"
    "二、排查内容。对照“五个最严格”要求，逐项排查责任落实、管控措施、日常防控、防范准备和情况报送。\n"
    "三、工作要求。各市州民政局接通知后立即转发所辖县市区，8 月 1 日前完成自查和督导，"
    "发现问题立查立改，不能立即整改的建立问题台账、挂账销号。"
)
URGENT_FEEDBACK = "请于 8 月 1 日 18 时前反馈本市州排查情况，附排查台账。"
LIVE_TITLE = "关于做好寒潮天气民政服务机构安全防范工作的紧急通知"
LIVE_BODY = (
    "各市州民政局：\n"
    "据气象部门预报，今明两天我省将迎来强寒潮天气。请立即组织所辖民政服务机构做好防寒保暖、用火用电用气安全检查，"
    "落实 24 小时值班值守，遇有突发情况及时报告。"
)


def _issue(hunan: User, province: Unit, *, title: str, drafted: dt.datetime, approved: dt.datetime,
           **values: object) -> tuple[Directive, bool]:
    found = Directive.objects.filter(issuer=province, title=title).first()
    if found is not None:
        return found, False
    region = Region.objects.get(code=story.PROVINCE_CODE)
    draft = services.create_draft(hunan, issuer=province, region=region, title=title, now=drafted,
                                  target_levels=["city"], **values)  # type: ignore[arg-type]
    services.submit(hunan, draft, now=drafted)
    return services.approve(hunan, draft, now=approved), True


def issue_directives(now: dt.datetime | None = None, *, live_drill: bool = True) -> dict[str, int]:
    """Issue the story's urgent notice and (with `live_drill`) the live drill's directive (see the
    module docstring)."""
    now = now or timezone.now()
    hunan = User.objects.get(username="hunan")
    province = Unit.objects.get(kind=Kind.BUREAU, region_id=story.PROVINCE_CODE, name=story.PROVINCE_BUREAU)
    urgent, made_urgent = _issue(
        hunan, province, title=URGENT_TITLE, drafted=local(URGENT_DAY, 9, 30), approved=local(URGENT_DAY, 10, 0),
        body=URGENT_BODY, doc_number=URGENT_NUMBER, urgency="extra", sign_deadline=local(URGENT_DAY, 18, 0),
        feedback_required=True, feedback_deadline=local(dt.date(2021, 8, 1), 18, 0), feedback_request=URGENT_FEEDBACK)
    if not live_drill:
        return {"directives_issued": int(made_urgent), "urgent_deliveries": urgent.deliveries.count()}
    today = timezone.localdate(now)
    start = local(today, 0, 0)
    issued_at = max(start, now - dt.timedelta(hours=1))
    deadline = local(today, 18, 0)
    if deadline <= now:  # late in the day: three hours on, but still today (at least ten minutes on)
        deadline = max(now + dt.timedelta(minutes=10), min(now + dt.timedelta(hours=3), local(today, 23, 59)))
    live, made_live = _issue(hunan, province, title=LIVE_TITLE, drafted=issued_at - dt.timedelta(minutes=1),
                             approved=issued_at, body=LIVE_BODY, urgency="urgent", sign_deadline=deadline)
    return {"directives_issued": int(made_urgent) + int(made_live),
            "urgent_deliveries": urgent.deliveries.count(), "live_deliveries": live.deliveries.count()}
