"""The demo's campaign (2021-07-26, all of Hunan) and 南县's supervision of its 17 homes on 08-01 and
08-02: a handful of problems on the ledger, most closed on the spot or within days, one overdue,
one sent back once. Uses the package's demo build (twice, to prove idempotence), rolled back."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tongxin.core.models import Attachment
from tongxin.demo import story
from tongxin.demo.inspections import jpeg
from tongxin.inspections.models import Answer, Campaign, Inspection, Team
from tongxin.inspections.queries import progress
from tongxin.ledger.models import LedgerEntry, Status, Transition
from tongxin.ledger.services import is_overdue
from tongxin.regions.models import Region
from tongxin.units.models import Kind

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
END_OF_AUGUST = dt.date(2021, 8, 31)


@pytest.fixture
def campaign(demo_builds) -> Campaign:
    return Campaign.objects.get(name=story.CAMPAIGN_NAME, start_date=story.CAMPAIGN_START)


@pytest.fixture
def team(campaign) -> Team:
    return Team.objects.get(name=story.TEAM_NAME, campaign=campaign)


def supervisions(campaign):
    return Inspection.objects.filter(campaign=campaign, kind=Inspection.Kind.SUPERVISION)


def nanxian_entries():
    """南县's entries of the 2021 campaign (the live drill keeps entries of its own)."""
    campaign = Campaign.objects.get(name=story.CAMPAIGN_NAME, start_date=story.CAMPAIGN_START)
    return LedgerEntry.objects.filter(region_code=story.NANXIAN, context_kind="campaign", context_id=campaign.pk)


def beijing_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(BEIJING).date()


def test_the_province_launches_the_campaign_across_hunan_with_both_checklists(campaign):
    assert campaign.issuer.name == story.PROVINCE_BUREAU and campaign.region_id == story.PROVINCE_CODE
    assert set(campaign.templates.values_list("code", flat=True)) == {"five-strictest", "general-safety"}
    assert campaign.unit_kinds == [Kind.ELDERLY_CARE]
    assert (campaign.start_date, campaign.self_inspection_deadline) == (dt.date(2021, 7, 26), dt.date(2021, 8, 1))
    assert campaign.supervision_target == 100
    for requirement in ("责任落实", "管控措施", "日常防控", "防范准备", "情况报送"):
        assert f"最严格的{requirement}" in campaign.description


def test_nanxian_leads_a_team_with_the_discipline_inspection_group(team):
    assert team.bureau.name == "南县民政局"
    assert list(team.members.values_list("username", flat=True)) == ["nanxian"]
    group, person = team.outside_members.split()
    assert group == "县纪委监委驻县财政局纪检监察组" and person
    assert (team.start_date, team.end_date) == (dt.date(2021, 8, 1), dt.date(2021, 8, 2))


def test_the_team_supervises_all_seventeen_homes_on_august_first_and_second(campaign, team):
    five = supervisions(campaign).filter(version__template__code=story.FIVE_STRICTEST)
    assert five.count() == 17
    assert set(five.values_list("unit__name", flat=True)) == {h.name for h in story.NANXIAN_HOMES}
    assert set(five.values_list("day", flat=True)) == {dt.date(2021, 8, 1), dt.date(2021, 8, 2)}
    for inspection in five:
        assert inspection.status == Inspection.Status.FINISHED
        assert (inspection.team, inspection.inspector.username) == (team, "nanxian")
        assert beijing_day(inspection.started_at) == beijing_day(inspection.finished_at) == inspection.day


def test_every_item_of_every_inspection_is_answered(campaign):
    for inspection in Inspection.objects.filter(campaign=campaign).select_related("version"):
        keys = {item["key"] for item in inspection.version.items()}
        assert set(inspection.answers.values_list("item_key", flat=True)) == keys


def test_the_general_safety_checklist_is_walked_at_one_home(campaign):
    general = supervisions(campaign).filter(version__template__code=story.GENERAL_SAFETY)
    assert list(general.values_list("unit__name", flat=True)) == [story.GENERAL_SAFETY_AT]


def test_most_homes_are_fully_compliant(campaign):
    with_problems = set(nanxian_entries().filter(source="supervision").values_list("unit_id", flat=True))
    assert 0 < len(with_problems) < 17 / 2


def test_some_homes_self_inspect_before_the_deadline(campaign):
    own = Inspection.objects.filter(campaign=campaign, kind=Inspection.Kind.SELF, status=Inspection.Status.FINISHED)
    assert own.count() == len(story.SELF_INSPECTIONS) >= 2
    assert all(day < campaign.self_inspection_deadline for day in own.values_list("day", flat=True))
    first = own.get(unit__name=story.NANXIAN_HOMES[0].name)
    assert first.inspector.username == "nanxian-home-01"


def test_the_ledger_holds_a_handful_of_nanxian_problems_most_closed(campaign):
    entries = nanxian_entries()
    assert entries.count() == len(story.PROBLEMS) == 8
    assert set(entries.values_list("context_kind", "context_id")) == {("campaign", campaign.pk)}
    assert entries.filter(status=Status.CLOSED).count() == 7
    for problem in story.PROBLEMS:
        assert entries.filter(unit__name=problem.home, description=problem.note).count() == 1


def test_problems_fixed_on_the_spot_are_closed_by_the_inspector_with_a_photo(campaign):
    on_spot = nanxian_entries().filter(fixed_on_spot=True)
    assert on_spot.count() == sum(1 for p in story.PROBLEMS if p.on_spot) >= 3
    for entry in on_spot:
        assert entry.status == Status.CLOSED and entry.closed_by.username == "nanxian"
        assert list(entry.transitions.values_list("name", flat=True)) == ["open", "fix_on_spot"]
        assert entry.transitions.get(name="fix_on_spot").attachments.exists()
        assert beijing_day(entry.closed_at) == entry.found_on


def test_problems_closed_later_are_verified_by_someone_other_than_the_fixer(campaign):
    later = nanxian_entries().filter(status=Status.CLOSED, fixed_on_spot=False)
    assert later.count() == 4
    for entry in later:
        assert entry.fixed_by is not None and entry.closed_by is not None
        assert entry.closed_by != entry.fixed_by
        assert (beijing_day(entry.closed_at) - entry.found_on).days <= 8
        for fix in entry.transitions.filter(name="submit_fix"):
            assert fix.attachments.exists() and fix.actor != entry.closed_by
    closers = set(later.values_list("closed_by__username", flat=True))
    assert story.VERIFIER in closers


def test_home_staff_rectify_some_entries_themselves(campaign):
    fixers = set(Transition.objects.filter(entry__in=nanxian_entries(), name="submit_fix")
                 .values_list("actor__username", flat=True))
    assert {"nanxian-home-01", "nanxian-home-02", "nanxian-home-14"} <= fixers


def test_exactly_one_entry_is_overdue_at_the_end_of_august(campaign):
    overdue = [e for e in nanxian_entries() if is_overdue(e, END_OF_AUGUST)]
    assert len(overdue) == 1
    assert overdue[0].status == Status.OPEN and overdue[0].deadline < END_OF_AUGUST
    assert not [e for e in nanxian_entries() if is_overdue(e, dt.date(2021, 8, 1))]


def test_one_entry_is_returned_once_with_a_reason_then_closed(campaign):
    returns = Transition.objects.filter(entry__in=nanxian_entries(), name="return")
    assert returns.count() == 1
    sent_back = returns.get()
    assert sent_back.comment and sent_back.actor.username == story.VERIFIER
    entry = sent_back.entry
    assert entry.status == Status.CLOSED
    assert list(entry.transitions.values_list("name", flat=True)) == [
        "open", "start", "submit_fix", "return", "start", "submit_fix", "close"]


def test_every_moment_is_in_the_story_not_on_the_day_of_the_build(campaign):
    window = (dt.date(2021, 7, 26), END_OF_AUGUST)
    moments = [*Inspection.objects.filter(campaign=campaign).values_list("started_at", flat=True),
               *Inspection.objects.filter(campaign=campaign).values_list("finished_at", flat=True),
               *Answer.objects.filter(inspection__campaign=campaign).values_list("answered_at", flat=True),
               *campaign_steps(campaign).values_list("at", flat=True),
               *nanxian_entries().values_list("created_at", flat=True)]
    assert moments and all(window[0] <= beijing_day(m) <= window[1] for m in moments)
    for entry in nanxian_entries():
        times = list(entry.transitions.values_list("at", flat=True))
        assert times == sorted(times) and beijing_day(times[0]) == entry.found_on


def test_campaign_progress_for_nanxian_shows_seventeen_supervised_of_seventeen(campaign):
    total, _rows = progress(campaign, Region.objects.get(code=story.NANXIAN), today=END_OF_AUGUST)
    assert (total.units, total.supervised, total.target) == (17, 17, 17) and total.supervision_met
    assert total.self_done == len(story.SELF_INSPECTIONS)
    assert (total.found, total.closed, total.open, total.overdue) == (8, 7, 1, 1)


def test_ledger_numbers_run_in_the_order_problems_were_found(campaign):
    entries = nanxian_entries().order_by("number")
    assert [e.number for e in entries] == [f"430921-2021-{n:04d}" for n in range(1, 9)]
    assert [e.found_on for e in entries] == sorted(e.found_on for e in entries)


def test_photos_are_jpegs_stored_for_the_home_they_show(campaign):
    ids = set(Answer.attachments.through.objects.filter(answer__inspection__campaign=campaign)
              .values_list("attachment_id", flat=True))
    photos = Attachment.objects.filter(pk__in=ids)
    assert photos.count() >= 21
    units = dict(Inspection.objects.filter(campaign=campaign).values_list("answers__attachments", "unit_id"))
    for photo in photos:
        assert photo.content_type == "image/jpeg" and photo.unit_id == units[photo.pk]


def test_demo_photos_are_the_same_bytes_every_time():
    moment = dt.datetime(2021, 8, 1, 9, 0, tzinfo=BEIJING)
    assert jpeg("fix", "南县社会福利中心", moment) == jpeg("fix", "南县社会福利中心", moment)
    assert jpeg("fix", "南县社会福利中心", moment) != jpeg("problem", "南县社会福利中心", moment)


def test_a_second_build_inspects_nothing_and_moves_no_entry(demo_builds, campaign):
    first, second = demo_builds.first, demo_builds.second
    assert first["inspections_done"] == first["inspections"] == Inspection.objects.filter(campaign=campaign).count()
    assert second["inspections_done"] == second["ledger_steps_taken"] == 0
    assert first["ledger_steps_taken"] == campaign_steps(campaign).exclude(
        name__in=("open", "fix_on_spot")).count()
    assert Campaign.objects.filter(name=story.CAMPAIGN_NAME).count() == 1
    assert Team.objects.filter(campaign=campaign).count() == 1
    assert demo_builds.after_second == demo_builds.after_first


def campaign_steps(campaign):
    """The ledger steps of the campaign's entries (an entry names its campaign as its context)."""
    return Transition.objects.filter(entry__context_kind="campaign", entry__context_id=campaign.pk)
