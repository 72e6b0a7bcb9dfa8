"""The demo's dispatch meeting: 湖南省民政厅's video meeting of every level on 2021-07-26, through
`command.services.meetings`.

Guarantees:
- the meeting 「全省民政系统疫情防控工作视频调度会」 (2021-07-26 09:00 Beijing, video), convened by
  湖南省民政厅 and recorded by `hunan`, summons all 14 city bureaus, each with its attendance
  recorded (出席 with who attended; 湘西州 on leave, with its deputy in its place);
- its three decisions are action items assigned to every city bureau; each city reports completion
  with evidence (a photo and its words) and `hunan`'s colleague accepts it — except 湘潭市's share
  of the second item, still in progress past its target date (2021-08-01): the one overdue item;
- 张家界市's reports are made by its officer `zhangjiajie`; the other cities have no demo login, so
  `hunan` records their reports for them (a bureau above may), and `hunan-verify`, a second officer
  of the province (created here, password as every demo account's), accepts them all — never the
  person who reported; every `now=` is a moment of 2021 in Beijing time;
- idempotent: the meeting and its items are looked up before they are created, and an assignment
  takes only the steps it has not taken yet, so a second build creates nothing.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.files.uploadedfile import SimpleUploadedFile

from tongxin.accounts.models import User
from tongxin.command.models.meetings import ActionAssignment, Attendance, Meeting
from tongxin.command.models.meetings import AssignmentStatus as S
from tongxin.command.services import meetings as services
from tongxin.core.models import Attachment
from tongxin.core.uploads import store_attachment
from tongxin.demo import story
from tongxin.demo.inspections import jpeg
from tongxin.regions.models import Region
from tongxin.units.models import Kind, Membership, Role, Unit
from tongxin.units.services import grant_role

CST = zoneinfo.ZoneInfo("Asia/Shanghai")
TITLE = "全省民政系统疫情防控工作视频调度会"
STARTS_AT = dt.datetime(2021, 7, 26, 9, 0, tzinfo=CST)
PLACE = "省民政厅视频会议室（连线 14 个市州民政局、122 个县市区民政局）"
AGENDA = ("一、通报全省疫情形势和民政服务机构防控情况\n二、各市州民政局汇报辖区养老机构封闭管理情况\n"
          "三、部署拉网式隐患大排查行动\n四、厅主要负责同志讲话")
MINUTES = ("会议要求：全省民政系统立即进入战时状态，所有养老机构实行封闭管理；"
           "各市州于8月1日前完成拉网式隐患大排查并报送情况；落实工作专班和24小时值班制度。")
DECISIONS = (
    ("各市州立即对辖区所有养老机构实行封闭管理，严格落实人员进出管控和测温登记", dt.date(2021, 7, 28),
     "辖区养老机构已全部实行封闭管理，门岗测温登记到位"),
    ("各市州开展养老机构拉网式隐患大排查，8月1日前完成自查并报送排查情况", dt.date(2021, 8, 1),
     "已完成辖区养老机构全覆盖排查，排查情况已报送"),
    ("各市州民政局成立疫情防控工作专班，落实领导带班和24小时值班制度", dt.date(2021, 7, 27),
     "工作专班已成立，值班表已报送，领导带班到位"),
)
LATE_CITY = "湘潭市"  # its share of the second decision is still in progress: the overdue one
LATE_ITEM = 2
ATTENDEES = "局主要负责同志、分管负责同志及养老服务科负责人"
ON_LEAVE = "湘西土家族苗族自治州"
ACCEPTOR = "hunan-verify"  # a second officer of the province: `hunan` records the meeting, this one accepts


def _at(month: int, day: int, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(2021, month, day, hh, mm, tzinfo=CST)


def _evidence(user: User | None, unit: Unit, when: dt.datetime) -> Attachment:
    data = jpeg("fix", f"meeting|{unit.name}|{when.isoformat()}", when)
    return store_attachment(SimpleUploadedFile("落实情况照片.jpg", data, content_type="image/jpeg"),
                            uploaded_by=user, unit_id=unit.pk)


def _acceptor(province: Unit) -> User:
    from tongxin.accounts.services import create_user

    user = User.objects.filter(username=ACCEPTOR).first()
    if user is None:
        user = create_user(None, username=ACCEPTOR, password=story.PASSWORD, full_name="黄建军（省厅督查专员）",
                           check_password=False)
    if not user.memberships.filter(unit=province, role=Role.OFFICER).exists():
        grant_role(None, user, province, Role.OFFICER)
    return user


def build() -> dict[str, int]:
    """Build (or find) the meeting, its attendance, items and their life. Returns counts."""
    province = Unit.objects.get(region_id=story.PROVINCE_CODE, kind=Kind.BUREAU, name=story.PROVINCE_BUREAU)
    cities = list(Unit.objects.filter(kind=Kind.BUREAU, region__level=Region.Level.CITY, region__code__startswith="43")
                  .select_related("region").order_by("region_id"))
    hunan = User.objects.get(username="hunan")
    acceptor = _acceptor(province)
    city_officers = {m.unit_id: m.user for m in
                     Membership.objects.filter(unit__in=cities, role=Role.OFFICER).select_related("user")}
    created = 0
    meeting = Meeting.objects.filter(convener=province, title=TITLE, starts_at=STARTS_AT).first()
    if meeting is None:
        meeting = services.create_meeting(hunan, convener=province, title=TITLE, starts_at=STARTS_AT, mode="video",
                                          place=PLACE, agenda=AGENDA, minutes=MINUTES, units=cities)
        created += 1
    for city in cities:
        attendance = Attendance.objects.get(meeting=meeting, unit=city)
        if not attendance.status:
            short = city.region.name
            if short == ON_LEAVE:
                services.record_attendance(hunan, meeting, unit=city, status="leave", attendees="",
                                           note="主要负责同志赴一线督导，由分管副局长代为参会", now=_at(7, 26, 9, 5))
            else:
                services.record_attendance(hunan, meeting, unit=city, status="present", attendees=ATTENDEES,
                                           now=_at(7, 26, 9, 5))
    items = {i.number: i for i in meeting.action_items.all()}
    for number, (text, target, _done) in enumerate(DECISIONS, start=1):
        if number not in items:
            items[number] = services.add_decision(hunan, meeting, description=text, units=cities,
                                                  target_date=target, now=_at(7, 26, 11, 30))
    steps = 0
    for number, (_text, target, done_text) in enumerate(DECISIONS, start=1):
        for i, a in enumerate(ActionAssignment.objects.filter(item=items[number]).select_related("unit__region")
                              .order_by("region_code")):
            reporter = city_officers.get(a.unit_id)
            on_behalf = "" if reporter else "（市州报送，省厅代录）"
            reporter = reporter or hunan
            late = number == LATE_ITEM and a.unit.region.name == LATE_CITY
            report_day = target - dt.timedelta(days=1 if i % 3 else 0)
            if a.status == S.ASSIGNED:
                services.transition(reporter, a, "progress", comment="已部署落实，正在推进" + on_behalf,
                                    now=_at(7, 26, 15, 10 + i))
                steps += 1
                a.refresh_from_db()
            if late:
                continue
            if a.status == S.IN_PROGRESS:
                when = dt.datetime.combine(report_day, dt.time(16, 10 + i), tzinfo=CST)
                services.transition(reporter, a, "submit", comment=done_text + on_behalf,
                                    attachments=[_evidence(reporter, a.unit, when)], now=when)
                steps += 1
                a.refresh_from_db()
            if a.status == S.AWAITING:
                when = dt.datetime.combine(report_day, dt.time(18, 0 + i), tzinfo=CST)
                services.transition(acceptor, a, "accept", comment="经核查，落实到位", now=when)
                steps += 1
    return {"meetings": Meeting.objects.filter(pk=meeting.pk).count(), "meetings_created": created,
            "action_assignments": ActionAssignment.objects.filter(item__meeting=meeting).count(),
            "action_steps_taken": steps}
