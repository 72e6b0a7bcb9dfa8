"""The demo's inspection campaign and 南县's ledger, through the inspection and ledger services.

Guarantees:
- the built-in checklists come from `inspections.services.load_builtin_checklists`; the campaign
  "养老机构疫情防控拉网式隐患大排查" (湖南省民政厅, all of Hunan, elderly-care homes, both checklists,
  2021-07-26, self-inspection by 2021-08-01, 100 % supervision) is issued by `hunan` through
  `create_campaign`; 南县民政局's team (led by `nanxian`, with the discipline-inspection group
  posted at the county finance bureau) through `create_team`;
- every inspection is started, answered item by item and finished through the services by the
  person the story names (`story.SELF_INSPECTIONS`, `story.VISITS`): the homes of `story.PROBLEMS`
  fail the named item (with a photo), every other item passes; a problem fixed on the spot is
  marked so with a photo of the fix (立查立改, closed with the inspection), the others go onto the
  ledger and take their `steps` through `ledger.services.transition` — a photo with every fix,
  a reason with every return, a verifier other than the fixer;
- every `now=` is a Beijing-time moment of 2021, so answers, inspections and transitions are dated
  in the story, not on the day of the build;
- the photos are small JPEGs drawn from a seed (the same bytes on every build), stored through
  `core.uploads.store_attachment` for the home they show;
- idempotent: the campaign, the team and each inspection are looked up before they are created, and
  an entry only takes the steps it has not taken yet, so a second build creates nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from tongxin.accounts.models import User
from tongxin.core.models import Attachment
from tongxin.core.uploads import store_attachment
from tongxin.demo import story
from tongxin.demo.reports import local
from tongxin.inspections import services
from tongxin.inspections.models import Campaign, ChecklistVersion, Finding, Inspection, Team
from tongxin.ledger import services as ledger
from tongxin.ledger import sources
from tongxin.ledger.models import LedgerEntry
from tongxin.regions.models import Region
from tongxin.units.models import Kind, Unit

ANSWER_MINUTES = 2  # between two answers on site
PALETTES = {"site": (72, 112, 150), "problem": (168, 74, 62), "fix": (64, 138, 92)}
PHOTO_NAMES = {"site": "入口管控现场照片.jpg", "problem": "问题照片.jpg", "fix": "整改后照片.jpg"}


def _rng(*parts: object) -> random.Random:
    text = "|".join(str(p) for p in parts)
    return random.Random(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big"))


def jpeg(purpose: str, seed: str, when: dt.datetime) -> bytes:
    """A 320×240 JPEG: a tinted scene of a few shapes with a camera-style date stamp; same seed, same bytes."""
    rng = _rng("photo", purpose, seed)
    base = PALETTES[purpose]
    image = Image.new("RGB", (320, 240), tuple(min(max(c + rng.randint(-18, 18), 0), 255) for c in base))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 150, 320, 240), fill=tuple(c // 2 + 60 for c in base))  # a floor
    for _ in range(4):
        x, y = rng.randint(10, 250), rng.randint(30, 170)
        w, h = rng.randint(30, 90), rng.randint(25, 70)
        colour = tuple(rng.randint(40, 230) for _ in range(3))
        if rng.random() < 0.5:
            draw.rectangle((x, y, x + w, y + h), fill=colour, outline=(30, 30, 30))
        else:
            draw.ellipse((x, y, x + w, y + h), fill=colour, outline=(30, 30, 30))
    draw.text((190, 222), when.strftime("%Y-%m-%d %H:%M"), fill=(255, 200, 40))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def photo(purpose: str, user: User, unit: Unit, when: dt.datetime) -> Attachment:
    data = jpeg(purpose, f"{unit.name}|{when.isoformat()}", when)
    upload = SimpleUploadedFile(PHOTO_NAMES[purpose], data, content_type="image/jpeg")
    return store_attachment(upload, uploaded_by=user, unit_id=unit.pk)


class _Story:
    def __init__(self, homes: dict[str, Unit]) -> None:
        self.homes = homes
        usernames = {story.CAMPAIGN_ISSUED_BY, story.TEAM_LEADER, story.VERIFIER,
                     *(s.username for s in story.SELF_INSPECTIONS),
                     *(step.username for p in story.PROBLEMS for step in p.steps)}
        self.users = {u.username: u for u in User.objects.filter(username__in=usernames)}
        versions = services.load_builtin_checklists()
        self.versions: dict[str, ChecklistVersion] = {v.template.code: v for v in versions}
        self.problems = {(p.home, p.kind, p.checklist): p for p in story.PROBLEMS}
        self.inspections = 0
        self.done = 0
        self.steps_taken = 0

    def campaign(self) -> Campaign:
        province = Unit.objects.get(region_id=story.PROVINCE_CODE, name=story.PROVINCE_BUREAU)
        found = Campaign.objects.filter(issuer=province, name=story.CAMPAIGN_NAME,
                                        start_date=story.CAMPAIGN_START).first()
        if found is not None:
            return found
        return services.create_campaign(
            self.users[story.CAMPAIGN_ISSUED_BY], name=story.CAMPAIGN_NAME, issuer=province,
            region=Region.objects.get(code=story.PROVINCE_CODE),
            templates=[v.template for v in self.versions.values()], unit_kinds=[Kind.ELDERLY_CARE],
            start_date=story.CAMPAIGN_START, end_date=story.CAMPAIGN_END,
            self_inspection_deadline=story.SELF_INSPECTION_DEADLINE,
            supervision_target=story.SUPERVISION_TARGET, description=story.CAMPAIGN_DESCRIPTION)

    def team(self, campaign: Campaign) -> Team:
        bureau = Unit.objects.get(region_id=story.NANXIAN, name="南县" + story.BUREAU_SUFFIX)
        found = Team.objects.filter(bureau=bureau, name=story.TEAM_NAME, campaign=campaign).first()
        if found is not None:
            return found
        return services.create_team(self.users[story.TEAM_LEADER], name=story.TEAM_NAME, bureau=bureau,
                                    campaign=campaign, start_date=story.TEAM_START, end_date=story.TEAM_END,
                                    outside_members=story.TEAM_OUTSIDE_MEMBERS)

    def inspect(self, *, user: User, home: Unit, kind: str, checklist: str, day: dt.date, at: dt.time,
                campaign: Campaign, team: Team | None = None) -> Inspection:
        """One inspection of `home`, answered and finished, unless it is on file already."""
        self.inspections += 1
        version = self.versions[checklist]
        found = Inspection.objects.filter(campaign=campaign, unit=home, kind=kind, day=day,
                                          version__template__code=checklist).first()
        if found is not None:
            return found
        started = local(day, at.hour, at.minute)
        inspection = services.start_inspection(user, unit=home, version=version, kind=kind, day=day,
                                               campaign=campaign, team=team, now=started)
        problem = self.problems.get((home.name, kind, checklist))
        rng = _rng("answers", home.name, kind, checklist)
        items = version.items()
        for i, item in enumerate(items, start=1):
            now = started + dt.timedelta(minutes=ANSWER_MINUTES * i)
            failing = problem is not None and problem.item == item["key"]
            attachments = [photo("problem" if failing else "site", user, home, now)] if (
                failing or item["type"] == "photo") else []
            note = problem.note if failing and problem is not None else ""
            if item["type"] == "number":
                value = problem.value if failing and problem is not None else str(rng.randint(10, 30))
                services.answer(user, inspection, item_key=item["key"], value=value,
                                note=note, attachments=attachments, now=now)
            else:
                services.answer(user, inspection, item_key=item["key"], result="fail" if failing else "pass",
                                note=note, attachments=attachments, now=now)
        finished = started + dt.timedelta(minutes=ANSWER_MINUTES * (len(items) + 2))
        summary = "各项措施落实到位，未发现问题"
        if problem is not None:
            self.finding(user, inspection, problem, finished)
            summary = (f"发现问题 1 项，已当场整改：{problem.on_spot}" if problem.on_spot
                       else "发现问题 1 项，已列入问题台账，限期整改")
        services.finish_inspection(user, inspection, summary=summary, now=finished)
        self.done += 1
        return inspection

    def finding(self, user: User, inspection: Inspection, problem: story.Problem, when: dt.datetime) -> None:
        """The inspector words the finding as the problem seen, and marks it fixed on the spot or sets its deadline."""
        finding = next(f for f in Finding.objects.filter(inspection=inspection) if problem.item in f.item_keys)
        if problem.on_spot:
            services.edit_finding(user, finding, description=problem.note, fixed_on_spot=True,
                                  required_measure=problem.on_spot,
                                  attachments=[photo("fix", user, inspection.unit, when)])
        elif problem.deadline is not None:
            services.edit_finding(user, finding, description=problem.note, deadline=problem.deadline)
        else:
            services.edit_finding(user, finding, description=problem.note)

    def follow_up(self, inspection: Inspection, problem: story.Problem) -> None:
        """Take the entry of `problem` through the steps it has not taken yet."""
        finding = next(f for f in Finding.objects.filter(inspection=inspection).select_related("entry")
                       if problem.item in f.item_keys)
        entry = finding.entry
        assert entry is not None, "finishing the inspection put the finding on the ledger"
        taken = entry.transitions.exclude(name__in=("open", "fix_on_spot")).count()
        for step in problem.steps[taken:]:
            user = self.users[step.username]
            now = local(step.day, step.time.hour, step.time.minute)
            attachments = [photo("fix", user, entry.unit, now)] if step.name == "submit_fix" else []
            entry = ledger.transition(user, entry, step.name, comment=step.comment, attachments=attachments, now=now)
            self.steps_taken += 1


def run_campaign(homes: dict[str, Unit]) -> dict[str, int]:
    """Issue the campaign, self-inspect, supervise 南县's homes and work the ledger; returns counts."""
    s = _Story(homes)
    campaign = s.campaign()
    done: dict[tuple[str, str, str], Inspection] = {}
    for si in story.SELF_INSPECTIONS:
        done[(si.home, "self", story.FIVE_STRICTEST)] = s.inspect(
            user=s.users[si.username], home=homes[si.home], kind=Inspection.Kind.SELF,
            checklist=story.FIVE_STRICTEST, day=si.day, at=si.time, campaign=campaign)
    team = s.team(campaign)
    leader = s.users[story.TEAM_LEADER]
    for visit in story.VISITS:
        checklists = [story.FIVE_STRICTEST] + ([story.GENERAL_SAFETY] if visit.home == story.GENERAL_SAFETY_AT else [])
        at = visit.time
        for checklist in checklists:
            done[(visit.home, "supervision", checklist)] = s.inspect(
                user=leader, home=homes[visit.home], kind=Inspection.Kind.SUPERVISION, checklist=checklist,
                day=visit.day, at=at, campaign=campaign, team=team)
            minutes = at.hour * 60 + at.minute + ANSWER_MINUTES * (len(s.versions[checklist].items()) + 3)
            at = dt.time(minutes // 60, minutes % 60)
    for problem in story.PROBLEMS:
        if not problem.on_spot:
            s.follow_up(done[(problem.home, problem.kind, problem.checklist)], problem)
    return {"inspections": s.inspections, "inspections_done": s.done,
            "ledger_entries": LedgerEntry.objects.filter(context_kind=sources.CAMPAIGN, context_id=campaign.pk).count(),
            "ledger_steps_taken": s.steps_taken}
