"""What the meeting tests share: a 南县 meeting summoning its two homes, and evidence files."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.world import person
from tongxin.command.services import meetings as services
from tongxin.core.uploads import store_attachment
from tongxin.units.models import Role

CST = zoneinfo.ZoneInfo("Asia/Shanghai")
MEETING_AT = dt.datetime(2021, 7, 26, 9, 0, tzinfo=CST)
TARGET = dt.date(2021, 7, 30)


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=CST)


def photo(name: str = "evidence.jpg") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def evidence(user, unit):
    return [store_attachment(photo(), uploaded_by=user, unit_id=unit.pk)]


def nanxian_meeting(world, **kwargs):
    return services.create_meeting(world.nanxian, convener=world.nanxian_bureau, title="南县疫情防控调度会",
                                   starts_at=MEETING_AT, units=[world.nanxian_home, world.nanxian_home_2], **kwargs)


def second_officer(world):
    """Another officer of 南县民政局: the convener's own, who did not report the completion."""
    return person("nanxian-2", world.nanxian_bureau, Role.OFFICER, "南县民政局二")
