"""Directives issued for the receiving tests, and the story's extra personas (张家界's officer, a
home's duty officer). `issue` builds an issued directive with its deliveries; it goes through the
issuing services when they are there, else writes the rows directly."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.world import person
from tongxin.command.models import Delivery, Directive, DutyRole, DutyShift, Level, Response, ResponseKind
from tongxin.core.uploads import store_attachment
from tongxin.regions.models import Region
from tongxin.units.models import Role

CST = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2021, 7, 26)


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=CST)


def province_leader(world):
    """The department's leader who approves (签发); one per world."""
    from tongxin.accounts.models import User

    found = User.objects.filter(username="hunan-leader").first()
    return found or person("hunan-leader", world.province, Role.LEADER, "省厅领导")


def issue(world, *, issuer=None, region="430000", title="关于在全省民政系统开展拉网式隐患大排查行动的紧急通知",
          target_kinds=(), target_levels=(), feedback_required=True, now=None) -> Directive:
    """An issued directive of `issuer` (the province) to `region`, with a delivery per recipient,
    drafted by `hunan` and approved by the province's leader through the issuing services."""
    from tongxin.command.services import directives

    now = now or at(10)
    d = directives.create_draft(
        world.hunan, issuer=issuer or world.province, region=Region.objects.get(code=region), title=title,
        body="各市州民政局：立即开展拉网式隐患大排查。", sign_deadline=now + dt.timedelta(hours=4),
        doc_number="湘民发〔2021〕12号", urgency="extra", target_kinds=list(target_kinds),
        target_levels=list(target_levels), feedback_required=feedback_required,
        feedback_deadline=now + dt.timedelta(days=3) if feedback_required else None, now=now)
    directives.submit(world.hunan, d, now=now)
    return directives.approve(province_leader(world), d, now=now)


def delivery(directive: Directive, unit) -> Delivery:
    return Delivery.objects.select_related("unit__region", "directive").get(directive=directive, unit=unit)


def zhangjiajie_officer(world):
    return person("zhangjiajie", world.zhangjiajie, Role.OFFICER, "张家界市民政局")


def cili_home_staff(world):
    return person("cili-home-01", world.cili_home, Role.REPORTER, "零阳镇敬老院")


def on_duty(world, unit, user, *, start=None, hours=12) -> DutyShift:
    start = start or at(8)
    return DutyShift.objects.create(unit=unit, day=start.date(), role=DutyRole.STAFF, user=user, name=str(user),
                                    phone="13807371234", shift="白班", starts_at=start,
                                    ends_at=start + dt.timedelta(hours=hours), created_by=world.hunan)


def response(world, *, region="430000", start=None, end=None) -> Response:
    """A level II epidemic response declared by the province (rows written directly)."""
    return Response.objects.create(region=Region.objects.get(code=region), kind=ResponseKind.values[0],
                                   level=Level.values[1], declared_by=world.province, starts_at=start or at(0),
                                   ends_at=end, created_by=world.hunan)


def photo(user, unit, name="p.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 120, 0)).save(buffer, "JPEG")
    return store_attachment(SimpleUploadedFile(name, buffer.getvalue()), uploaded_by=user, unit_id=unit.pk)
