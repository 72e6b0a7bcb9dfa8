"""The story's mobilization (see mobilization_story.py), built through the mobilization services.

Guarantees:
- `build()`: 慈利县乐善社会工作服务中心's 60 social workers and 30 volunteers are registered through
  `people.register` (valid 慈利县 ID numbers and mobiles, accident insurance 2021-07-01 to 2021-12-31,
  the skills of their post), its seven posts through `posts.create_post`, two shifts a day from
  2021-07-30 to 2021-08-09 through `posts.add_shift`, each filled the evening before through
  `posts.assign` (the double-booking, insurance, skill and age gates all pass), checked in and out
  with the post's daily code through `checkin.check_in` / `check_out` at plausible moments (four
  late; one check-out forgotten, closed by `checkin.close_forgotten`, flagged, and reviewed by the
  staff through `checkin.review`), each day's records finalised two days later through
  `records.finalise`, one certificate for the first social worker through
  `records.issue_certificate`, and 益阳市餐饮协会's report of 2,217 meals through
  `records.file_activity_report`;
- `build_live(now, today)`: the live drill at two checkpoints and a round of home visits: the past
  week's shifts filled, attended and (but for the last two days) finalised, with yesterday's one
  forgotten check-out flagged and waiting for review; today's and tomorrow's
  partly filled, the rest of the week open; the volunteers' and 20 social workers' insurance renewed
  (a year from a month before the build day) through `people.update`; shifts that began before
  `now` checked in (and out, if they are over), never after `now`;
- the roll-up is refreshed once per (unit, day) at the end of each part (`rollup.deferred`), not
  after each of the ~2,000 writes: the rows are the same, the build is twice as fast;
- idempotent: everything is looked up before it is made, so a second build creates nothing; every
  time-stamped call passes `at=` (the story's own moments), so the 2021 story reads true;
  deterministic; part of the demo's one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q

from tongxin.accounts.models import User
from tongxin.demo import mobilization_story as ms
from tongxin.demo import story
from tongxin.demo.reports import local
from tongxin.mobilization.models import (
    ActivityReport,
    Assignment,
    AssignmentStatus,
    Attendance,
    Certificate,
    Flag,
    Person,
    Post,
    RecordStatus,
    ServiceRecord,
    Shift,
)
from tongxin.mobilization.services import checkin, people, posts, records, rollup
from tongxin.units.models import Unit


def _unit(region: str, name: str) -> Unit:
    return Unit.objects.get(region_id=region, name=name)


def _staff() -> User:
    return User.objects.get(username="leshan")


class _Builder:
    def __init__(self) -> None:
        self.unit = _unit(story.CILI, story.LESHAN)
        self.staff = _staff()
        self.made = {"people": 0, "posts": 0, "shifts": 0, "assignments": 0, "check_ins": 0, "check_outs": 0,
                     "finalised": 0}
        self.people: list[Person] = []
        self.posts: dict[str, Post] = {}

    # --- people and posts ---------------------------------------------------------------------------

    def register_people(self) -> None:
        on_file = {p.id_number: p for p in Person.objects.filter(unit=self.unit).exclude(id_number="")}
        teams = ms.teams()
        post_of = {n: next(p for p in ms.POSTS if n in teams[p.name]) for n in range(len(ms.people()))}
        for someone in ms.people():
            person = on_file.get(someone.id_number)
            if person is None:
                post = post_of[someone.n]
                person = people.register(
                    self.staff, self.unit, kind=someone.kind, name=someone.name, mobile=someone.mobile,
                    id_number=someone.id_number, skills=ms.skills_of(someone.n, post),
                    availability="疫情防控期间每天可服务" if someone.n % 4 else "工作日 18:00 后、周末全天",
                    insurance_policy=f"{ms.INSURANCE_POLICY_PREFIX}{someone.n + 1:04d}",
                    insurance_from=ms.INSURANCE_FROM, insurance_until=ms.INSURANCE_UNTIL)
                self.made["people"] += 1
            self.people.append(person)

    def create_posts(self, specs: Iterable[ms.Post], leader_of: dict[str, int]) -> None:
        on_file = {p.name: p for p in Post.objects.filter(unit=self.unit)}
        for spec in specs:
            post = on_file.get(spec.name)
            if post is None:
                leader = self.people[leader_of[spec.name]] if spec.name in leader_of else None
                post = posts.create_post(self.staff, self.unit, name=spec.name, kind=spec.kind, place=spec.place,
                                         region_id=story.CILI, risky=spec.risky, required_skills=list(spec.skills),
                                         leader=leader, notes=spec.notes)
                self.made["posts"] += 1
            self.posts[spec.name] = post

    def shifts(self, post: Post, rows: list[tuple[dt.datetime, dt.datetime, int]]) -> list[Shift]:
        on_file = {s.starts_at: s for s in Shift.objects.filter(post=post, starts_at__in=[r[0] for r in rows])}
        out = []
        for starts_at, ends_at, needed in rows:
            shift = on_file.get(starts_at)
            if shift is None:
                shift = posts.add_shift(self.staff, post, starts_at=starts_at, ends_at=ends_at, needed=needed)
                self.made["shifts"] += 1
            out.append(shift)
        return out

    def assign(self, shift: Shift, who: list[Person], at: dt.datetime, held: set[tuple[int, int]]) -> list[Assignment]:
        out = []
        for person in who:
            if (shift.pk, person.pk) in held:
                continue
            out.append(posts.assign(self.staff, shift, person, at=at))
            self.made["assignments"] += 1
        return out

    # --- the 2021 story -----------------------------------------------------------------------------

    def story(self) -> None:
        self.register_people()
        teams = ms.teams()
        self.create_posts(ms.POSTS, {p.name: teams[p.name][0] for p in ms.POSTS})
        held = set(Assignment.objects.filter(shift__post__unit=self.unit, status=AssignmentStatus.ACTIVE)
                   .values_list("shift_id", "person_id"))
        attended = {a.assignment_id: a for a in Attendance.objects.filter(assignment__shift__post__unit=self.unit)}
        for d, day in enumerate(ms.days()):
            assigned_at = local(day - dt.timedelta(days=1), ms.ASSIGNED_THE_DAY_BEFORE.hour,
                                ms.ASSIGNED_THE_DAY_BEFORE.minute)
            for spec in ms.POSTS:
                post = self.posts[spec.name]
                rows = [(local(day, a.hour, a.minute), local(day, b.hour, b.minute), ms.needed_on(spec, day))
                        for a, b in ms.SHIFTS]
                for s, shift in enumerate(self.shifts(post, rows)):
                    team = [self.people[n] for n in ms.rota(spec, d, s)]
                    self.assign(shift, team, assigned_at, held)
                    self.attend(post, shift, (spec.name, day, s), team, attended)
            closed_at = local(day, 22, 0)
            checkin.close_forgotten(now=closed_at)
            if d >= ms.REVIEWED_AFTER_DAYS:
                self.finalise(ms.days()[d - ms.REVIEWED_AFTER_DAYS], local(day, 10, 0))
        for day in ms.days()[-ms.REVIEWED_AFTER_DAYS:]:
            self.finalise(day, local(day + dt.timedelta(days=ms.REVIEWED_AFTER_DAYS), 10, 0))
        self.certificate()

    def attend(self, post: Post, shift: Shift, key: tuple[str, dt.date, int], team: list[Person],
               attended: dict[int, Attendance]) -> None:
        assignments = {a.person_id: a for a in Assignment.objects.filter(shift=shift, status=AssignmentStatus.ACTIVE)}
        code = checkin.daily_code(post, shift.day)
        for k, person in enumerate(team):
            assignment = assignments[person.pk]
            if assignment.pk in attended:
                continue
            h = ms.stable_hash(f"attend:{post.name}:{shift.starts_at.isoformat()}:{k}")
            late = ms.LATE.get((*key, k))
            # most arrive a little early (not credited, not flagged: within the 30 minutes' tolerance)
            arrived = shift.starts_at + dt.timedelta(minutes=late if late else -(h % 15))
            checkin.check_in(person, code, at=arrived)
            self.made["check_ins"] += 1
            if (*key, k) == ms.FORGOT_CHECKOUT:
                continue
            left = shift.ends_at + dt.timedelta(minutes=(h // 11) % 10 - 2)
            checkin.check_out(person, code, at=left)
            self.made["check_outs"] += 1

    def finalise(self, day: dt.date, at: dt.datetime) -> None:
        """The staff review the day's flagged attendance (the forgotten check-out) half an hour
        before they finalise the day's records."""
        drafts = (ServiceRecord.objects.filter(unit=self.unit, day=day, status=RecordStatus.DRAFT,
                                               attendance__isnull=False)
                  .select_related("attendance").order_by("attendance__checked_in_at", "pk"))
        for record in drafts:
            attendance = record.attendance
            if attendance is not None and attendance.flags and attendance.reviewed_at is None:
                # a forgotten check-out credits 0 hours until the review confirms them: the staff
                # confirm the person stayed to the shift's end
                shift = attendance.assignment.shift
                confirmed = checkin.credited(attendance.checked_in_at, shift.ends_at, shift.starts_at, shift.ends_at)
                checkin.review(self.staff, attendance, note=ms.FORGOT_CHECKOUT_NOTE, at=at - dt.timedelta(minutes=30),
                               hours=confirmed if Flag.FORGOT_CHECKOUT.value in attendance.flags else None)
                record = ServiceRecord.objects.exclude(status=RecordStatus.SUPERSEDED).get(attendance=attendance)
            records.finalise(self.staff, record, at=at)
            self.made["finalised"] += 1

    def certificate(self) -> None:
        person = self.people[ms.CERTIFICATE_FOR]
        if not Certificate.objects.filter(person=person, period_from=ms.START, period_until=ms.END).exists():
            records.issue_certificate(self.staff, person, period_from=ms.START, period_until=ms.END,
                                      at=local(ms.ISSUED_ON, 9, 30))

    # --- the live drill -----------------------------------------------------------------------------

    def live(self, now: dt.datetime, today: dt.date) -> None:
        self.people = list(Person.objects.filter(unit=self.unit, id_number__in=[s.id_number for s in ms.people()]))
        by_id = {p.id_number: p for p in self.people}
        self.people = [by_id[s.id_number] for s in ms.people()]
        self.renew(today)
        self.create_posts([ms.LIVE_VISITS], {ms.LIVE_VISITS.name: 1})
        for name, _needed in ms.LIVE_POSTS:
            self.posts[name] = Post.objects.get(unit=self.unit, name=name)
        held = set(Assignment.objects.filter(shift__post__unit=self.unit, status=AssignmentStatus.ACTIVE)
                   .values_list("shift_id", "person_id"))
        first_day = today - dt.timedelta(days=ms.LIVE_DAYS_BEFORE)
        attended = {a.assignment_id for a in Attendance.objects.filter(assignment__shift__post__unit=self.unit,
                                                                      assignment__shift__day__gte=first_day)}
        teams = ms.teams()
        visitors = [n for n in teams[ms.POSTS[3].name] + teams[ms.POSTS[4].name] if ms.kind_of(n) == "social_worker"]
        visit = self.posts[ms.LIVE_VISITS.name]
        for offset in range(-ms.LIVE_DAYS_BEFORE, ms.LIVE_DAYS):
            day = today + dt.timedelta(days=offset)
            assigned_at = min(local(day - dt.timedelta(days=1), ms.ASSIGNED_THE_DAY_BEFORE.hour,
                                    ms.ASSIGNED_THE_DAY_BEFORE.minute), now)
            for p, (name, needed) in enumerate(ms.LIVE_POSTS):
                post = self.posts[name]
                rows = [(local(day, a.hour, a.minute), local(day, b.hour, b.minute), needed) for a, b in ms.SHIFTS]
                filled = needed if offset < 0 else ms.LIVE_FILLED.get(offset, (0, 0))[p]
                team = [n for n in teams[name] if self.insured(n)]
                for s, shift in enumerate(self.shifts(post, rows)):
                    first = (offset * len(ms.SHIFTS) + s) * filled
                    who = [self.people[team[(first + k) % len(team)]] for k in range(filled)]
                    self.assign(shift, who, assigned_at, held)
                    forgot = (name, offset, s) == ms.LIVE_FORGOT_CHECKOUT[:3]
                    self.attend_live(post, shift, who, now, attended,
                                     forgot=ms.LIVE_FORGOT_CHECKOUT[3] if forgot else None)
            a, b = ms.LIVE_VISIT_HOURS
            visits = self.shifts(visit, [(local(day, a.hour, a.minute), local(day, b.hour, b.minute),
                                          ms.LIVE_VISITS.needed)])
            filled = ms.LIVE_VISITS.needed if offset < 0 else ms.LIVE_VISITS_FILLED.get(offset, 0)
            who = [self.people[visitors[(offset * ms.LIVE_VISITS.needed + k) % len(visitors)]] for k in range(filled)]
            self.assign(visits[0], who, assigned_at, held)
            self.attend_live(visit, visits[0], who, now, attended)
        for offset in range(-ms.LIVE_DAYS_BEFORE, 0):  # the staff finalise each day's records two days later
            day = today + dt.timedelta(days=offset)
            at = local(day + dt.timedelta(days=ms.REVIEWED_AFTER_DAYS), 10, 0)
            if at <= now:
                self.finalise(day, at)

    def insured(self, n: int) -> bool:
        return ms.kind_of(n) == "volunteer" or n < self._renewed_cut

    @property
    def _renewed_cut(self) -> int:
        """People below this index who are social workers had their insurance renewed."""
        count = 0
        for n in range(len(self.people)):
            if ms.kind_of(n) == "social_worker":
                count += 1
                if count == ms.RENEWED_SOCIAL_WORKERS:
                    return n + 1
        return len(self.people)

    def renew(self, today: dt.date) -> None:
        """A year's policy from a month before the build day, for the volunteers and the first social workers."""
        starts = today - dt.timedelta(days=ms.LIVE_POLICY_STARTED_DAYS_AGO)
        until = starts + dt.timedelta(days=364)
        for n, person in enumerate(self.people):
            if not self.insured(n) or (person.insurance_until or dt.date.min) >= today:
                continue
            people.update(self.staff, person, insurance_policy=f"{ms.LIVE_POLICY_PREFIX}{starts.year}-{n + 1:04d}",
                          insurance_from=starts, insurance_until=until)

    def attend_live(self, post: Post, shift: Shift, who: list[Person], now: dt.datetime, attended: set[int],
                    *, forgot: int | None = None) -> None:
        """People check in once their shift began (and out once it is over), never after `now`; the
        `forgot`-th does not check out, and the system closes it two hours after the shift."""
        if shift.starts_at > now:
            return
        assignments = {a.person_id: a for a in Assignment.objects.filter(shift=shift, status=AssignmentStatus.ACTIVE)}
        code = checkin.daily_code(post, shift.day)
        for k, person in enumerate(who):
            assignment = assignments.get(person.pk)
            if assignment is None or assignment.pk in attended:
                continue
            arrived = min(shift.starts_at - dt.timedelta(minutes=6 + 2 * k), now)
            checkin.check_in(person, code, at=arrived)
            self.made["check_ins"] += 1
            if shift.ends_at <= now and k != forgot:
                checkin.check_out(person, code, at=shift.ends_at + dt.timedelta(minutes=k))
                self.made["check_outs"] += 1
        if forgot is not None and shift.ends_at + dt.timedelta(hours=2) <= now:
            checkin.close_forgotten(now=shift.ends_at + dt.timedelta(hours=2))


def meals() -> int:
    """益阳市餐饮协会's activity report of 2,217 meals (filed once); returns 1 if filed now."""
    unit = _unit(story.YIYANG, ms.MEALS_UNIT)
    if ActivityReport.objects.filter(unit=unit, day=ms.MEALS_DAY, title=ms.MEALS_TITLE).exists():
        return 0
    records.file_activity_report(
        None, unit, day=ms.MEALS_DAY, title=ms.MEALS_TITLE, content=ms.MEALS_CONTENT, quantity=ms.MEALS,
        measure=ms.MEALS_MEASURE, place=ms.MEALS_PLACE, person_in_charge=ms.MEALS_IN_CHARGE,
        at=local(ms.MEALS_DAY, 21, 30), **ms.MEALS_PEOPLE)
    return 1


def build() -> dict[str, int]:
    """The 2021 mobilization (see the module docstring); returns the story's counts and what was made."""
    b = _Builder()
    with rollup.deferred():
        b.story()
        filed = meals()
    in_story = Q(day__gte=ms.START, day__lte=ms.END)
    people_on_file = Person.objects.filter(unit=b.unit)
    return {
        "mobilization_social_workers": people_on_file.filter(kind="social_worker").count(),
        "mobilization_volunteers": people_on_file.filter(kind="volunteer").count(),
        "mobilization_shifts": Shift.objects.filter(in_story, post__unit=b.unit).count(),
        "mobilization_attendances": Attendance.objects.filter(assignment__shift__post__unit=b.unit,
                                                              assignment__shift__day__gte=ms.START,
                                                              assignment__shift__day__lte=ms.END).count(),
        "mobilization_records": ServiceRecord.objects.filter(in_story, unit=b.unit)
        .exclude(status=RecordStatus.SUPERSEDED).count(),
        "mobilization_activity_reports_filed": filed,
        **{f"mobilization_{k}_made": v for k, v in b.made.items()},
    }


def build_live(now: dt.datetime, today: dt.date) -> dict[str, int]:
    """The live drill's week of shifts (see the module docstring); returns counts."""
    b = _Builder()
    with rollup.deferred():
        b.live(now, today)
    week = Shift.objects.filter(post__unit=b.unit, day__gte=today, day__lt=today + dt.timedelta(days=ms.LIVE_DAYS))
    return {"live_mobilization_shifts": week.count(),
            "live_mobilization_assignments": Assignment.objects.filter(shift__in=week,
                                                                       status=AssignmentStatus.ACTIVE).count(),
            "live_mobilization_check_ins_made": b.made["check_ins"]}
