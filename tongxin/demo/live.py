"""The live drill (see live_story.py): 冬季安全生产, in progress on the day the demo is first built.

Guarantees:
- the drill is anchored to the day it was first built (the build day, Beijing clock): its daily report
  and campaign run from 7 days before that day to 30 days after. A later build finds the drill by
  its name and issuer and keeps that anchor: it files, inspects and moves nothing new, and on the
  days since the first build the homes have simply not filed (`tongxin demo` says so). To have the
  drill start afresh, build into a new database;
- the form "养老机构冬季安全生产日报" is defined through `reports.services.define_form`, the checklist
  "养老机构冬季安全检查表" through `inspections.services.define_checklist`, both by the system; the
  assignment (湖南省民政厅, every elderly-care home of Hunan, daily by 18:00) through
  `create_assignment`, the campaign (issued by `hunan`) through `create_campaign` and 南县民政局's
  team (`nanxian`, `nanxian-verify` and two outside members) through `create_team`;
- the past week's reports are filed through `submit_report` (南县 every day but one, two late; the
  other counties most days, a few late or missing; some one-click zero reports); today's by about
  half the homes, at a morning moment that is never later than the build itself, and never by
  南县社会福利中心 (nanxian-home-01 files today) nor 南县康乐颐养院 (nanxian-home-14 zero-reports today);
- two self-inspections of 南县 homes earlier in the week and six supervisory visits by the team on the
  two days before the build day are answered item by item and finished through the inspection
  services; their problems go onto the ledger and take their steps through
  `ledger.services.transition`, so that today one entry awaits
  verification (nanxian-verify), one is being put right by nanxian-home-02, one is overdue, one
  was sent back, and two were fixed on the spot; nothing is dated after the build moment;
- deterministic given the build day (every value is drawn from a generator seeded by the home and
  the day's offset from the build day); idempotent (everything is looked up before it is made);
  part of the demo's one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.core.models import Attachment
from tongxin.core.uploads import store_attachment
from tongxin.demo import live_story as live
from tongxin.demo import story
from tongxin.demo.inspections import jpeg
from tongxin.demo.reports import PlannedFiling, local
from tongxin.inspections import services as inspections
from tongxin.inspections.models import Campaign, ChecklistVersion, Finding, Inspection, Team
from tongxin.ledger import services as ledger
from tongxin.ledger import sources
from tongxin.ledger.models import LedgerEntry
from tongxin.regions.models import Region
from tongxin.reports import services as reports
from tongxin.reports.models import Assignment, Report
from tongxin.units.models import Kind, Membership, Role, Unit

ANSWER_MINUTES = 2
PHOTO_NAMES = {"site": "取暖设施现场照片.jpg", "problem": "隐患照片.jpg", "fix": "整改后照片.jpg"}


def _rng(*parts: object) -> random.Random:
    """A generator seeded by `parts`, the same on every build and every machine."""
    text = "|".join(str(p) for p in parts)
    return random.Random(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big"))


@dataclass(frozen=True)
class Days:
    """The drill's calendar: the build day (`today`), its first and last day."""

    today: dt.date
    start: dt.date
    end: dt.date

    def on(self, offset: int) -> dt.date:
        return self.today + dt.timedelta(days=offset)


def days_from(today: dt.date) -> Days:
    return Days(today, today - dt.timedelta(days=live.DAYS_BEFORE), today + dt.timedelta(days=live.DAYS_AFTER))


def anchor(now: dt.datetime) -> Days:
    """The drill's calendar: that of the drill on file, else one built around `now`'s Beijing day."""
    found = find_assignment()
    if found is not None:
        return days_from(found.start_date + dt.timedelta(days=live.DAYS_BEFORE))
    return days_from(timezone.localdate(now))


def not_after(planned: dt.datetime, now: dt.datetime) -> dt.datetime:
    """A planned moment of the build day, moved back to the build moment if that comes first."""
    return min(planned, now)


def province() -> Unit:
    return Unit.objects.get(region_id=story.PROVINCE_CODE, name=story.PROVINCE_BUREAU)


def find_assignment() -> Assignment | None:
    return (Assignment.objects.filter(issuer__region_id=story.PROVINCE_CODE, issuer__name=story.PROVINCE_BUREAU,
                                      name=live.REPORT_NAME, form__code=live.FORM_CODE)
            .order_by("start_date").first())


# --- the daily report ------------------------------------------------------------------------------

def assignment(days: Days) -> Assignment:
    """The province's winter-safety daily report (found, or issued once with its form)."""
    version = reports.define_form(None, code=live.FORM_CODE, name=live.FORM_NAME, name_en=live.FORM_NAME_EN,
                                  definition=live.FORM_DEFINITION, description=live.FORM_DESCRIPTION)
    found = find_assignment()
    if found is not None:
        return found
    return reports.create_assignment(
        None, form=version.form, issuer=province(), region=Region.objects.get(code=story.PROVINCE_CODE),
        name=live.REPORT_NAME, deadline=live.REPORT_DEADLINE, start_date=days.start, end_date=days.end,
        unit_kinds=[Kind.ELDERLY_CARE])


def schedule(unit: Unit, offset: int) -> tuple[str, dt.time] | None:
    """("on_time" | "late", Beijing time) of a home's filing on the build day + `offset`, or None."""
    rng = _rng("live-when", unit.name, offset)
    roll = rng.random()
    if offset == 0:
        if unit.name in live.NOT_FILED_TODAY:
            return None
        filed = (unit.name in live.NANXIAN_FILED_TODAY if unit.region_id == story.NANXIAN
                 else roll < live.OTHERS_FILED_TODAY_SHARE)
        if not filed:
            return None
    elif unit.region_id == story.NANXIAN:
        if (unit.name, offset) == live.NANXIAN_MISSING:
            return None
        late = live.NANXIAN_LATE.get(unit.name)
        if late is not None and late[0] == offset:
            return "late", late[1]
    else:
        if offset > -live.DAYS_BEFORE and roll < live.OTHER_MISSING_SHARE:
            return None
        if roll > 1 - live.OTHER_LATE_SHARE:
            minutes = rng.randint(18 * 60 + 5, 21 * 60 + 30)
            return "late", dt.time(minutes // 60, minutes % 60)
    minutes = rng.randint(7 * 60 + 30, 11 * 60 + 50)
    return "on_time", dt.time(minutes // 60, minutes % 60)


def plan(unit: Unit, days: Days, now: dt.datetime) -> Iterator[PlannedFiling]:
    """The home's filings from the drill's first day to the build day: quiet winter days, a few hazards."""
    rng = _rng("live-figures", unit.name)
    residents0 = unit.residents or 50
    beds = max(unit.beds or 0, residents0)
    staff = unit.staff or max(residents0 // 5, 3)
    residents = residents0
    night = max(2, staff // 6)
    patrols = rng.choice((2, 3, 3, 4))
    filed_before = False
    for offset in range(-live.DAYS_BEFORE, 1):
        day = days.on(offset)
        residents = min(max(residents + rng.choice((-1, 0, 0, 0, 1)), residents0 - 3), beds, residents0 + 3)
        problem = rng.choice(live.WINTER_PROBLEMS) if rng.random() < 0.08 else None
        fall = 1 if rng.random() < 0.03 else 0
        symptoms = rng.choice((0, 0, 0, 1, 1, 2)) + (1 if residents > 100 and rng.random() < 0.5 else 0)
        when = schedule(unit, offset)
        quiet = filed_before and problem is None and not fall and rng.random() < live.ZERO_SHARE
        if when is None:
            continue
        moment = local(day, when[1].hour, when[1].minute)
        if offset == 0:
            moment = not_after(moment, now)
        filed_before = True
        if quiet:
            yield PlannedFiling(day, moment, None)
            continue
        on_duty = max(staff - rng.choice((0, 0, 1, 1, 2)), night)
        notes = ["1 名老人在卫生间滑倒，左手腕擦伤，已送乡镇卫生院处理"] if fall else []
        yield PlannedFiling(day, moment, {
            "residents_in_care": residents,
            "staff_on_duty": on_duty,
            "night_staff": night,
            "fire_patrols": patrols,
            "heating_checked": True,
            "gas_checked": True,
            "hazards_found": problem[1] if problem else 0,
            "hazards_fixed": problem[2] if problem else 0,
            "falls_or_injuries": fall,
            "respiratory_symptoms": min(symptoms, residents),
            "problems_found": problem[0] if problem else "",
            "notes": "；".join(notes),
        })


def file_reports(homes: list[Unit], days: Days, now: dt.datetime) -> dict[str, int]:
    """File every planned report of `homes` not yet on file; returns how many exist and were filed."""
    daily = assignment(days)
    on_file = set(Report.objects.filter(assignment=daily).values_list("unit_id", "day"))
    reporters: dict[int, Any] = {}
    for m in (Membership.objects.filter(unit__in=homes, role__in=(Role.REPORTER, Role.MANAGER), user__is_active=True)
              .select_related("user").order_by("role", "user__username")):
        reporters.setdefault(m.unit_id, m.user)
    planned = sorted(((f.now, home.region_id, home.name, home, f) for home in homes for f in plan(home, days, now)),
                     key=lambda row: row[:3])
    filed = 0
    for _now, _code, _name, home, f in planned:
        if (home.pk, f.day) in on_file:
            continue
        actor = reporters.get(home.pk)
        reports.submit_report(actor, assignment=daily, unit=home, day=f.day, values=f.values, zero=f.zero,
                              source=Report.Source.WEB if actor is not None else Report.Source.SYSTEM, now=f.now)
        filed += 1
    return {"live_reports": len(planned), "live_reports_filed": filed}


# --- the campaign ----------------------------------------------------------------------------------

def photo(purpose: str, user: User, unit: Unit, when: dt.datetime) -> Attachment:
    data = jpeg(purpose, f"winter|{unit.name}|{when.isoformat()}", when)
    upload = SimpleUploadedFile(PHOTO_NAMES[purpose], data, content_type="image/jpeg")
    return store_attachment(upload, uploaded_by=user, unit_id=unit.pk)


class _Campaign:
    def __init__(self, homes: dict[str, Unit], days: Days) -> None:
        self.homes = homes
        self.days = days
        usernames = {live.CAMPAIGN_ISSUED_BY, live.TEAM_LEADER, *live.TEAM_MEMBERS,
                     *(s.username for s in live.SELF_INSPECTIONS),
                     *(step.username for p in live.PROBLEMS for step in p.steps)}
        self.users = {u.username: u for u in User.objects.filter(username__in=usernames)}
        self.version: ChecklistVersion = inspections.define_checklist(
            None, code=live.CHECKLIST_CODE, name=live.CHECKLIST_NAME, name_en=live.CHECKLIST_NAME_EN,
            definition=live.CHECKLIST_DEFINITION)
        self.problems = {(p.home, p.kind): p for p in live.PROBLEMS}
        self.inspections = self.done = self.steps_taken = 0

    def at(self, offset: int, time: dt.time) -> dt.datetime:
        return local(self.days.on(offset), time.hour, time.minute)

    def campaign(self) -> Campaign:
        issuer = province()
        found = Campaign.objects.filter(issuer=issuer, name=live.CAMPAIGN_NAME).order_by("start_date").first()
        if found is not None:
            return found
        return inspections.create_campaign(
            self.users[live.CAMPAIGN_ISSUED_BY], name=live.CAMPAIGN_NAME, issuer=issuer,
            region=Region.objects.get(code=story.PROVINCE_CODE), templates=[self.version.template],
            unit_kinds=[Kind.ELDERLY_CARE], start_date=self.days.start, end_date=self.days.end,
            self_inspection_deadline=self.days.on(live.SELF_INSPECTION_BY),
            supervision_target=live.SUPERVISION_TARGET, description=live.CAMPAIGN_DESCRIPTION)

    def team(self, campaign: Campaign) -> Team:
        bureau = Unit.objects.get(region_id=story.NANXIAN, name="南县" + story.BUREAU_SUFFIX)
        found = Team.objects.filter(bureau=bureau, name=live.TEAM_NAME, campaign=campaign).first()
        if found is not None:
            return found
        return inspections.create_team(
            self.users[live.TEAM_LEADER], name=live.TEAM_NAME, bureau=bureau, campaign=campaign,
            start_date=self.days.on(live.TEAM_FROM), end_date=self.days.on(live.TEAM_TO),
            members=[self.users[u] for u in live.TEAM_MEMBERS], outside_members=live.TEAM_OUTSIDE_MEMBERS)

    def inspect(self, *, user: User, home: Unit, kind: str, offset: int, time: dt.time, campaign: Campaign,
                team: Team | None = None) -> Inspection:
        """One inspection of `home`, answered and finished, unless it is on file already."""
        self.inspections += 1
        day = self.days.on(offset)
        found = Inspection.objects.filter(campaign=campaign, unit=home, kind=kind, day=day).first()
        if found is not None:
            return found
        started = self.at(offset, time)
        inspection = inspections.start_inspection(user, unit=home, version=self.version, kind=kind, day=day,
                                                  campaign=campaign, team=team, now=started)
        problem = self.problems.get((home.name, kind))
        rng = _rng("live-answers", home.name, kind)
        items = self.version.items()
        for i, item in enumerate(items, start=1):
            now = started + dt.timedelta(minutes=ANSWER_MINUTES * i)
            failing = problem is not None and problem.item == item["key"]
            attachments = [photo("problem" if failing else "site", user, home, now)] if (
                failing or item["type"] == "photo") else []
            note = problem.note if failing and problem is not None else ""
            if item["type"] == "number":
                inspections.answer(user, inspection, item_key=item["key"], value=str(rng.randint(10, 30)),
                                   now=now)
            else:
                inspections.answer(user, inspection, item_key=item["key"], result="fail" if failing else "pass",
                                   note=note, attachments=attachments, now=now)
        finished = started + dt.timedelta(minutes=ANSWER_MINUTES * (len(items) + 2))
        summary = "各项安全措施落实到位，未发现问题"
        if problem is not None:
            self.finding(user, inspection, problem, finished)
            summary = (f"发现问题 1 项，已当场整改：{problem.on_spot}" if problem.on_spot
                       else "发现问题 1 项，已列入问题台账，限期整改")
        inspections.finish_inspection(user, inspection, summary=summary, now=finished)
        self.done += 1
        return inspection

    def finding(self, user: User, inspection: Inspection, problem: live.Problem, when: dt.datetime) -> None:
        finding = next(f for f in Finding.objects.filter(inspection=inspection) if problem.item in f.item_keys)
        if problem.on_spot:
            inspections.edit_finding(user, finding, description=problem.note, fixed_on_spot=True,
                                     required_measure=problem.on_spot,
                                     attachments=[photo("fix", user, inspection.unit, when)])
        elif problem.deadline is not None:
            inspections.edit_finding(user, finding, description=problem.note, deadline=self.days.on(problem.deadline))
        else:
            inspections.edit_finding(user, finding, description=problem.note)

    def follow_up(self, inspection: Inspection, problem: live.Problem) -> None:
        """Take the entry of `problem` through the steps it has not taken yet."""
        finding = next(f for f in Finding.objects.filter(inspection=inspection).select_related("entry")
                       if problem.item in f.item_keys)
        entry = finding.entry
        assert entry is not None, "finishing the inspection put the finding on the ledger"
        taken = entry.transitions.exclude(name__in=("open", "fix_on_spot")).count()
        for step in problem.steps[taken:]:
            user = self.users[step.username]
            now = self.at(step.day, step.time)
            attachments = [photo("fix", user, entry.unit, now)] if step.name == "submit_fix" else []
            entry = ledger.transition(user, entry, step.name, comment=step.comment, attachments=attachments, now=now)
            self.steps_taken += 1


def run_campaign(homes: dict[str, Unit], days: Days) -> dict[str, int]:
    """Issue the winter campaign, self-inspect and supervise 南县's homes, work the ledger; returns counts."""
    s = _Campaign(homes, days)
    campaign = s.campaign()
    done: dict[tuple[str, str], Inspection] = {}
    for si in live.SELF_INSPECTIONS:
        done[(si.home, "self")] = s.inspect(user=s.users[si.username], home=homes[si.home],
                                            kind=Inspection.Kind.SELF, offset=si.day, time=si.time, campaign=campaign)
    team = s.team(campaign)
    for visit in live.VISITS:
        done[(visit.home, "supervision")] = s.inspect(
            user=s.users[live.TEAM_LEADER], home=homes[visit.home], kind=Inspection.Kind.SUPERVISION,
            offset=visit.day, time=visit.time, campaign=campaign, team=team)
    for problem in live.PROBLEMS:
        if not problem.on_spot:
            s.follow_up(done[(problem.home, problem.kind)], problem)
    return {"live_inspections": s.inspections, "live_inspections_done": s.done,
            "live_ledger_entries": LedgerEntry.objects.filter(context_kind=sources.CAMPAIGN,
                                                              context_id=campaign.pk).count(),
            "live_ledger_steps_taken": s.steps_taken}


def build_live(filers: list[Unit], nanxian_homes: dict[str, Unit], now: dt.datetime) -> tuple[Days, dict[str, int]]:
    """The whole drill (see the module docstring), anchored to the drill on file or to `now`'s day."""
    days = anchor(now)
    counts = file_reports(filers, days, now)
    counts.update(run_campaign(nanxian_homes, days))
    return days, counts
