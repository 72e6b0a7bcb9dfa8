"""The demo's responses (应急响应), declared by 湖南省民政厅 as `hunan` through the response services.

- The story's: 疫情防控 Ⅱ级 for the whole province, declared 2021-07-26 18:00 (Beijing), the evening of
  the video meeting and the urgent notice; lowered to Ⅲ级 on 2021-08-20 as the outbreak came under
  control, and ended on 2021-09-10 once the last medium-risk areas were cleared. (The dates after
  07-26 are the demo's choice: the founding story gives the start only.)
- The live drill's (`build_live`): 冬季安全生产 as a fire-safety response, Ⅳ级, for the whole province from
  08:00 on the drill's first day (7 days before the build day) to the end of its last, so that duty
  check-in and directive read tracking are on in the live demo today.

Idempotent: each response is found by its bureau, kind and start before it is declared, and each
step (lowering, ending) is taken only if it is not on record yet.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from tongxin.accounts.models import User
from tongxin.command.models import Level, Response, ResponseEvent, ResponseKind
from tongxin.command.services import responses
from tongxin.demo import story
from tongxin.regions.models import Region
from tongxin.units.models import Unit

BEIJING = ZoneInfo("Asia/Shanghai")
EPIDEMIC_TITLE = "湖南省民政系统疫情防控应急响应"
EPIDEMIC_START = dt.datetime(2021, 7, 26, 18, 0, tzinfo=BEIJING)
EPIDEMIC_LOWERED = dt.datetime(2021, 8, 20, 10, 0, tzinfo=BEIJING)
EPIDEMIC_END = dt.datetime(2021, 9, 10, 18, 0, tzinfo=BEIJING)
LIVE_TITLE = "冬季安全生产消防安全Ⅳ级应急响应"


def _province() -> tuple[User, Unit, Region]:
    return (User.objects.get(username=story.CAMPAIGN_ISSUED_BY),
            Unit.objects.get(region_id=story.PROVINCE_CODE, name=story.PROVINCE_BUREAU),
            Region.objects.get(code=story.PROVINCE_CODE))


def _declared(user: User, bureau: Unit, region: Region, *, kind: str, level: int, starts_at: dt.datetime,
              ends_at: dt.datetime | None, title: str, note: str) -> tuple[Response, int]:
    found = Response.objects.filter(declared_by=bureau, kind=kind, starts_at=starts_at).first()
    if found is not None:
        return found, 0
    return responses.declare(user, bureau=bureau, region=region, kind=kind, level=level, starts_at=starts_at,
                             ends_at=ends_at, title=title, note=note), 1


def build() -> dict[str, int]:
    """The story's epidemic response, lowered and ended; {'responses': n, 'response_steps': taken now}."""
    user, bureau, region = _province()
    response, steps = _declared(user, bureau, region, kind=ResponseKind.EPIDEMIC, level=Level.II,
                                starts_at=EPIDEMIC_START, ends_at=None, title=EPIDEMIC_TITLE,
                                note="全省民政系统视频调度会决定启动")
    if not response.events.filter(action=ResponseEvent.Action.LOWER).exists():
        responses.change_level(user, response, level=Level.III, at=EPIDEMIC_LOWERED,
                               note="疫情形势趋于平稳，调整为Ⅲ级响应")
        steps += 1
    response.refresh_from_db()
    if response.ends_at is None:
        responses.end(user, response, at=EPIDEMIC_END, note="全省中风险地区清零，结束应急响应")
        steps += 1
    return {"responses": 1, "response_steps": steps}


def build_live(first_day: dt.date, last_day: dt.date) -> dict[str, int]:
    """The live drill's fire-safety response, in force from `first_day` 08:00 to the end of `last_day`."""
    user, bureau, region = _province()
    starts_at = dt.datetime.combine(first_day, dt.time(8), tzinfo=BEIJING)
    ends_at = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), tzinfo=BEIJING)
    _response, created = _declared(user, bureau, region, kind=ResponseKind.FIRE_SAFETY, level=Level.IV,
                                   starts_at=starts_at, ends_at=ends_at, title=LIVE_TITLE,
                                   note="冬季安全生产期间，全省养老机构落实值班值守和消防安全检查")
    return {"live_responses": 1, "live_responses_declared": created}
