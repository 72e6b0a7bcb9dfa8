"""The demo's directives, receiving side, through `command.services.receiving`: the urgent notice of
2021-07-26 (demo.directives) forwarded down by 张家界市, 株洲市 and 湘潭市, signed and fed back.

Guarantees:
- 张家界市, 株洲市 and 湘潭市民政局 each forward the notice on 2021-07-26 (from 11:00) to their county
  bureaus, and each county bureau with units forwards it on (from 14:00) to its institutions; a
  bureau's officer does it (`zhangjiajie` and `cili` where the story has them, else a demo officer
  account of that bureau, `officer-<region code>`, created here);
- every other city bureau signs its copy that morning, except two that sign late (after 18:00);
- most institutions sign that afternoon and feed back by 2021-07-31; every fifth signs late (the
  next morning) and every seventh has not fed back; signatures of institutions without an account
  are the system's (the demo builder);
- idempotent: a delivery already forwarded, signed or fed back is left as it is.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from tongxin.accounts.models import User
from tongxin.accounts.services import create_user
from tongxin.command.models import Delivery, Directive
from tongxin.command.services import receiving
from tongxin.demo import story
from tongxin.demo.directives import URGENT_TITLE
from tongxin.demo.reports import local
from tongxin.units import services as units
from tongxin.units.models import Kind, Membership, Role, Unit

FORWARDING_CITIES = ("430800", "430200", "430300")  # 张家界市, 株洲市, 湘潭市
DAY = dt.date(2021, 7, 26)
FEEDBACK_DAY = dt.date(2021, 7, 31)
CITY_REQUIREMENTS = "各区县民政局：请接通知后立即转发至辖区各民政服务机构，逐一落实排查责任，7 月 31 日前反馈排查情况。"
COUNTY_REQUIREMENTS = ("各民政服务机构：请立即按“五个最严格”要求开展自查，发现问题立查立改，"
                       "7 月 30 日前反馈自查情况并附照片。")
FEEDBACK = "已完成自查：消防通道畅通，门禁和测温登记落实，发现隐患 %(n)s 处，已整改 %(n)s 处。"


def _officer(bureau: Unit) -> User:
    """An officer of `bureau`: the story's account if it has one, else a demo account made here."""
    found = (Membership.objects.filter(unit=bureau, role__in=(Role.OFFICER, Role.LEADER), user__is_active=True)
             .select_related("user").order_by("user_id").first())
    if found is not None:
        return found.user
    username = f"officer-{bureau.region_id}"
    user = User.objects.filter(username=username).first() or create_user(
        None, username=username, password=story.PASSWORD, full_name=f"{bureau.name}值班员", check_password=False)
    units.grant_role(None, user, bureau, Role.OFFICER)
    return user


def _forward(delivery: Delivery, requirements: str, kinds: list[str], at: dt.datetime,
             sign_deadline: dt.datetime, counts: dict[str, int]) -> Directive | None:
    if delivery.forwarded_as_id is not None:
        return delivery.forwarded_as
    try:
        made = receiving.forward(_officer(delivery.unit), delivery, requirements=requirements, target_kinds=kinds,
                                 sign_deadline=sign_deadline, feedback_required=True,
                                 feedback_deadline=local(FEEDBACK_DAY, 18, 0), now=at)
    except ValidationError:  # a county with no unit left to reach: nothing to forward
        return None
    counts["forwards"] += 1
    return made


def _institutions(directive: Directive, counts: dict[str, int]) -> None:
    for i, d in enumerate(directive.deliveries.select_related("unit", "directive").order_by("unit_id")):
        if d.unit.kind == Kind.BUREAU or d.signed_at is not None:
            continue
        late = i % 5 == 4
        signed_at = local(DAY + dt.timedelta(days=1), 9, 10 + i % 40) if late else local(DAY, 15, 5 + (7 * i) % 50)
        receiving.sign(None, d, now=signed_at)
        counts["signed"] += 1
        if i % 7 != 6:
            receiving.feed_back(None, d, text=FEEDBACK % {"n": i % 3}, now=local(DAY + dt.timedelta(days=2 + i % 3),
                                                                                   16, i % 50))
            counts["fed_back"] += 1


def forward_and_sign() -> dict[str, int]:
    """Forward, sign and feed back the urgent notice (see the module docstring); what was done."""
    counts = {"forwards": 0, "signed": 0, "fed_back": 0}
    notice = Directive.objects.filter(title=URGENT_TITLE, forwarded_from=None).order_by("id").first()
    if notice is None:
        return counts
    for n, d in enumerate(notice.deliveries.select_related("unit__region", "directive").order_by("region_code")):
        if d.region_code in FORWARDING_CITIES:
            city = _forward(d, CITY_REQUIREMENTS, [Kind.BUREAU], local(DAY, 11, 5 * n % 60), local(DAY, 20, 0),
                            counts)
            if city is None:
                continue
            for m, c in enumerate(city.deliveries.select_related("unit__region", "directive").order_by("region_code")):
                county = _forward(c, COUNTY_REQUIREMENTS, [], local(DAY, 14, (3 * m) % 60),
                                  local(DAY + dt.timedelta(days=1), 12, 0), counts)
                if county is not None:
                    _institutions(county, counts)
        elif d.signed_at is None:
            late = n % 6 == 5
            receiving.sign(_officer(d.unit), d, now=local(DAY, 19, 30) if late else local(DAY, 10, 20 + n))
            counts["signed"] += 1
    return counts
