"""The live drill (冬季安全生产): in progress on the day the demo is built, so that someone who builds it
today can at once file, zero-report, inspect and close a ledger entry. Uses the package's demo build at
`BUILD_MOMENT` (twice, to prove idempotence), rolled back afterwards."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.demo.conftest import BUILD_DAY, BUILD_MOMENT
from tongxin.accounts.models import User
from tongxin.core.uploads import store_attachment
from tongxin.demo import live, story
from tongxin.demo import live_story as drill
from tongxin.demo.builder import build_demo
from tongxin.inspections import services as inspections
from tongxin.inspections.models import Campaign, Inspection, Team
from tongxin.ledger import services as ledger
from tongxin.ledger.models import LedgerEntry, Status, Transition
from tongxin.regions.models import Region
from tongxin.reports import queries
from tongxin.reports import services as reports
from tongxin.reports.models import Assignment, Report
from tongxin.reports.views.filing import tasks_for
from tongxin.units.models import Unit

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
HOMES = story.NANXIAN_HOMES


def on(offset: int) -> dt.date:
    return BUILD_DAY + dt.timedelta(days=offset)


def later(minutes: int) -> dt.datetime:
    """A moment of the build day after the build."""
    return BUILD_MOMENT + dt.timedelta(minutes=minutes)


@pytest.fixture
def daily(demo_builds) -> Assignment:
    return Assignment.objects.get(name=drill.REPORT_NAME, form__code=drill.FORM_CODE)


@pytest.fixture
def campaign(demo_builds) -> Campaign:
    return Campaign.objects.get(name=drill.CAMPAIGN_NAME)


@pytest.fixture
def team(campaign) -> Team:
    return Team.objects.get(name=drill.TEAM_NAME, campaign=campaign)


def user(username: str) -> User:
    return User.objects.get(username=username)


def home(index: int) -> Unit:
    return Unit.objects.get(region_id=story.NANXIAN, name=HOMES[index].name)


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def entries(campaign: Campaign):
    return LedgerEntry.objects.filter(context_kind="campaign", context_id=campaign.pk)


def entry_of(campaign: Campaign, index: int) -> LedgerEntry:
    return entries(campaign).get(unit__name=HOMES[index].name)


def jpeg_upload(unit: Unit, who: User):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 140, 60)).save(buffer, "JPEG")
    upload = SimpleUploadedFile("整改后.jpg", buffer.getvalue(), content_type="image/jpeg")
    return store_attachment(upload, uploaded_by=who, unit_id=unit.pk)


# --- its calendar ----------------------------------------------------------------------------------

def test_the_drill_runs_from_a_week_before_the_build_day_to_thirty_days_after(daily, campaign, team):
    assert (daily.start_date, daily.end_date) == (on(-7), on(30)) == (dt.date(2026, 1, 8), dt.date(2026, 2, 14))
    assert daily.issuer.name == story.PROVINCE_BUREAU and daily.region_id == story.PROVINCE_CODE
    assert (daily.deadline, daily.form.code) == (dt.time(18, 0), drill.FORM_CODE)
    assert (campaign.start_date, campaign.end_date, campaign.self_inspection_deadline) == (on(-7), on(30), on(7))
    assert campaign.issuer.name == story.PROVINCE_BUREAU
    assert set(campaign.templates.values_list("code", flat=True)) == {drill.CHECKLIST_CODE}
    assert (team.start_date, team.end_date) == (on(-2), on(4)) and team.bureau.name == "南县民政局"
    assert sorted(team.members.values_list("username", flat=True)) == ["nanxian", "nanxian-verify"]


def test_the_build_day_is_the_beijing_day_even_just_after_midnight():
    half_past_midnight = dt.datetime(2026, 1, 14, 16, 30, tzinfo=dt.UTC)  # 00:30 on the 15th in Beijing
    days = live.days_from(half_past_midnight.astimezone(BEIJING).date())
    assert (days.start, days.today, days.end) == (on(-7), BUILD_DAY, on(30))


def test_no_filing_of_the_build_day_is_dated_after_the_build_moment(demo_builds):
    half_past_midnight = dt.datetime(2026, 1, 15, 0, 30, tzinfo=BEIJING)
    days = live.days_from(BUILD_DAY)
    today = [f for h in Unit.objects.filter(region_id=story.NANXIAN, kind="elderly_care")
             for f in live.plan(h, days, half_past_midnight) if f.day == BUILD_DAY]
    assert today and all(f.now.astimezone(BEIJING).date() == BUILD_DAY and f.now <= half_past_midnight
                         for f in today)


def test_every_moment_of_the_drill_is_before_the_build(daily, campaign):
    moments = [*Report.objects.filter(assignment=daily).values_list("first_filed_at", flat=True),
               *Inspection.objects.filter(campaign=campaign).values_list("finished_at", flat=True),
               *Transition.objects.filter(entry__in=entries(campaign)).values_list("at", flat=True)]
    assert moments and max(moments) <= BUILD_MOMENT
    assert min(moments).astimezone(BEIJING).date() >= on(-7)


def test_the_plan_depends_on_the_build_day_only_through_its_dates(demo_builds):
    unit = home(4)
    a = list(live.plan(unit, live.days_from(BUILD_DAY), BUILD_MOMENT))
    b = list(live.plan(unit, live.days_from(BUILD_DAY), BUILD_MOMENT))
    shifted = list(live.plan(unit, live.days_from(on(300)), BUILD_MOMENT + dt.timedelta(days=300)))
    assert a == b
    assert [(f.day + dt.timedelta(days=300), f.values) for f in a] == [(f.day, f.values) for f in shifted]


# --- the last week and today -----------------------------------------------------------------------

def test_nanxian_filed_every_day_of_the_last_week_but_one_with_two_late(daily):
    missing, late = [], 0
    for offset in range(-7, 0):
        table = queries.completeness(daily, region(story.NANXIAN), on(offset))
        assert table.total.expected == 17
        missing += [(u.name, offset) for u in queries.missing_units(daily, region(story.NANXIAN), on(offset))]
        late += table.total.late
    assert missing == [drill.NANXIAN_MISSING] and late == 2


def test_the_province_filed_most_of_the_last_week_with_a_few_late_and_missing(daily):
    expected = filed = late = 0
    for offset in range(-7, 0):
        total = queries.completeness(daily, region(story.PROVINCE_CODE), on(offset)).total
        expected, filed, late = expected + total.expected, filed + total.filed, late + total.late
    assert expected == 62 * 7
    assert 0 < expected - filed <= expected * 0.06 and 0 < late <= expected * 0.1


def test_today_is_partly_filed_but_not_by_the_homes_whose_logins_act_today(daily):
    nanxian = queries.completeness(daily, region(story.NANXIAN), BUILD_DAY).total
    assert (nanxian.expected, nanxian.filed) == (17, len(drill.NANXIAN_FILED_TODAY)) == (17, 9)
    missing = {u.name for u in queries.missing_units(daily, region(story.NANXIAN), BUILD_DAY)}
    assert {HOMES[0].name, HOMES[13].name} <= missing
    province = queries.completeness(daily, region(story.PROVINCE_CODE), BUILD_DAY).total
    assert 0.3 * province.expected < province.filed < 0.7 * province.expected


def test_some_days_are_zero_reports_and_the_figures_obey_the_form(daily):
    assert Report.objects.filter(assignment=daily, is_zero=True).exists()
    assert not Report.objects.filter(assignment=daily, is_zero=True, day=on(-7)).exists()
    for v in Report.objects.filter(assignment=daily, is_zero=False).values_list("values", flat=True):
        assert v["night_staff"] <= v["staff_on_duty"] and v["heating_checked"] is True
        assert v["hazards_fixed"] <= v["hazards_found"] and bool(v["problems_found"]) == (v["hazards_found"] > 0)


def test_the_home_reporter_sees_todays_drill_first_on_todays_page(daily):
    reporter = user("nanxian-home-01")
    tasks = tasks_for(reporter, home(0), BUILD_DAY)
    assert tasks[0].assignment == daily and tasks[0].status.code == "missing" and not tasks[0].ended
    assert all(day.report is not None for day in tasks[0].history[:-1])  # the last six days are on file
    assert [t.assignment.name for t in tasks[1:]] == [story.REPORT_NAME]  # the 2021 story, ended, after it


def test_the_overview_opens_on_todays_drill(daily):
    for username in ("hunan", "nanxian", "cili"):
        assert queries.default_assignment(user(username), BUILD_DAY) == daily, username


# --- the inspections and the ledger ----------------------------------------------------------------

def test_two_homes_self_inspected_and_the_team_visited_six_this_week(campaign, team):
    done = Inspection.objects.filter(campaign=campaign, status=Inspection.Status.FINISHED)
    own = done.filter(kind=Inspection.Kind.SELF)
    assert sorted(own.values_list("inspector__username", flat=True)) == ["nanxian-home-01", "nanxian-home-02"]
    visits = done.filter(kind=Inspection.Kind.SUPERVISION)
    assert visits.count() == 6 and set(visits.values_list("team", flat=True)) == {team.pk}
    assert set(visits.values_list("day", flat=True)) == {on(-2), on(-1)}
    for inspection in done:
        assert set(inspection.answers.values_list("item_key", flat=True)) == {
            i["key"] for i in inspection.version.items()}


def test_the_ledger_today_has_an_entry_in_every_state(campaign):
    states = {e.unit.name: e.status for e in entries(campaign).select_related("unit")}
    assert states == {
        HOMES[0].name: Status.AWAITING, HOMES[1].name: Status.RECTIFYING, HOMES[2].name: Status.CLOSED,
        HOMES[3].name: Status.OPEN, HOMES[4].name: Status.RECTIFYING, HOMES[5].name: Status.CLOSED,
        HOMES[6].name: Status.RETURNED}
    overdue = [e.unit.name for e in entries(campaign) if ledger.is_overdue(e, BUILD_DAY)]
    assert overdue == [HOMES[3].name]
    assert entries(campaign).filter(fixed_on_spot=True).count() == 2
    assert [e.number for e in entries(campaign).order_by("number")] == [f"430921-2026-{n:04d}" for n in range(1, 8)]


# --- idempotence and a later build -----------------------------------------------------------------

def test_a_second_build_adds_nothing_to_the_drill(demo_builds):
    first, second = demo_builds.first, demo_builds.second
    assert first["live_reports_filed"] == first["live_reports"] > 400
    assert first["live_inspections_done"] == first["live_inspections"] == 8
    assert second["live_reports_filed"] == second["live_inspections_done"] == second["live_ledger_steps_taken"] == 0
    assert Assignment.objects.filter(name=drill.REPORT_NAME).count() == 1
    assert Campaign.objects.filter(name=drill.CAMPAIGN_NAME).count() == 1
    assert demo_builds.after_second == demo_builds.after_first


def test_a_build_on_a_later_day_keeps_the_drill_on_its_first_day(daily):
    lines: list[str] = []

    class Out:
        def write(self, text: str) -> None:
            lines.append(text)

    reports_before = Report.objects.count()
    counts = build_demo(Out(), now=BUILD_MOMENT + dt.timedelta(days=3))
    assert counts["live_reports_filed"] == counts["live_inspections_done"] == 0
    assert Report.objects.count() == reports_before
    assert list(Assignment.objects.filter(name=drill.REPORT_NAME).values_list("start_date", flat=True)) == [on(-7)]
    assert any("首次构建" in line and str(BUILD_DAY) in line for line in lines)


# --- what someone can do at once after the build ---------------------------------------------------

def test_nanxian_home_01_files_todays_report(daily):
    reporter = user("nanxian-home-01")
    values = {"residents_in_care": 196, "staff_on_duty": 44, "night_staff": 6, "fire_patrols": 3,
              "heating_checked": True, "gas_checked": True, "hazards_found": 0, "hazards_fixed": 0,
              "falls_or_injuries": 0, "respiratory_symptoms": 1, "problems_found": "", "notes": ""}
    filing = reports.submit_report(reporter, assignment=daily, unit=home(0), day=BUILD_DAY, values=values,
                                   now=later(10))
    assert filing.created and not filing.report.is_late and filing.revision.filed_by == reporter


def test_nanxian_home_14_zero_reports_today(daily):
    manager = user("nanxian-home-14")
    filing = reports.submit_report(manager, assignment=daily, unit=home(13), day=BUILD_DAY, zero=True, now=later(10))
    assert filing.report.is_zero and filing.report.values["hazards_found"] == 0
    assert filing.report.values["residents_in_care"] == reports.previous_values(daily, home(13), BUILD_DAY)[
        "residents_in_care"]


def test_a_home_that_filed_today_cannot_file_again(daily):
    with pytest.raises(ValidationError):
        reports.submit_report(user("nanxian-home-02"), assignment=daily, unit=home(1), day=BUILD_DAY, zero=True,
                              now=later(10))


def answer_all(actor: User, inspection: Inspection, when: dt.datetime) -> None:
    for item in inspection.version.items():
        if item["type"] == "number":
            inspections.answer(actor, inspection, item_key=item["key"], value="12", now=when)
        elif item["type"] == "photo":
            inspections.answer(actor, inspection, item_key=item["key"], attachments=[
                jpeg_upload(inspection.unit, actor)], now=when)
        else:
            inspections.answer(actor, inspection, item_key=item["key"], result="pass", now=when)


def test_nanxian_inspects_a_home_today_as_a_member_of_the_team(campaign, team):
    officer = user("nanxian")
    version = campaign.templates.get().latest_version()
    inspection = inspections.start_inspection(officer, unit=home(0), version=version, kind=Inspection.Kind.SUPERVISION,
                                              day=BUILD_DAY, campaign=campaign, team=team, now=later(30))
    answer_all(officer, inspection, later(40))
    assert inspections.finish_inspection(officer, inspection, summary="未发现问题", now=later(50)) == []


def test_nanxian_home_14_self_inspects_today(campaign):
    manager = user("nanxian-home-14")
    assert not Inspection.objects.filter(campaign=campaign, unit=home(13)).exists()
    version = campaign.templates.get().latest_version()
    inspection = inspections.start_inspection(manager, unit=home(13), version=version, kind=Inspection.Kind.SELF,
                                              day=BUILD_DAY, campaign=campaign, now=later(30))
    answer_all(manager, inspection, later(40))
    inspections.finish_inspection(manager, inspection, now=later(50))


def test_nanxian_verify_closes_the_entry_awaiting_verification(campaign):
    verifier, entry = user("nanxian-verify"), entry_of(campaign, 0)
    assert "close" in [t.name for t in ledger.WORKFLOW.allowed_for(verifier, entry)]
    closed = ledger.transition(verifier, entry, "close", comment="现场查看，同意销号", now=later(20))
    assert closed.status == Status.CLOSED and closed.closed_by == verifier


def test_nanxian_home_02_submits_the_fix_of_its_entry(campaign):
    manager, entry = user("nanxian-home-02"), entry_of(campaign, 1)
    assert "submit_fix" in [t.name for t in ledger.WORKFLOW.allowed_for(manager, entry)]
    fixed = ledger.transition(manager, entry, "submit_fix", comment="防滑垫已铺设",
                              attachments=[jpeg_upload(entry.unit, manager)], now=later(20))
    assert fixed.status == Status.AWAITING and fixed.fixed_by == manager
