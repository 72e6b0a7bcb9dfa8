"""Mobilization: the reads of the people part.

- `age_on` and `insured_on`: what the gates of the posts part read (age from the birth date the
  ID number gave; an insurance period that covers the day, with its policy number).
- `people_for`: the people a user sees (units.scope), on the roster (not merged, not left), with
  the list's filters: organisation, kind, skill, insured on a day, a name searched.
- `pool`: the self-registered people waiting in an organisation's region, to be taken on.
- `may_have_people` / `PEOPLE_CATEGORIES`: the one rule of which units keep people (social
  organisations and civil-affairs service institutions), read by the pages, the API and the
  service alike; `units_for_people`: those of them a user may register people for (FILE).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from tongxin.mobilization.models import Person
from tongxin.regions.queries import chain, in_subtree
from tongxin.units import scope
from tongxin.units.models import Category, Unit

PEOPLE_CATEGORIES = (Category.SOCIAL_ORG, Category.INSTITUTION)


def may_have_people(unit: Unit) -> bool:
    """Whether `unit` keeps a roster of social workers and volunteers here: a social organisation or
    a civil-affairs service institution. Not a bureau: bureaus do not keep volunteer rosters here
    (they see and supervise the rosters of the units below them); not an OUTSIDE unit (a hospital,
    a school), which is not the civil-affairs system's to register people for."""
    return unit.category in PEOPLE_CATEGORIES


def contact_key(person: Person) -> str:
    """Who the person is to core.notify (they have no account): their notifications carry this key."""
    return f"mobilization.person:{person.pk}"


def age_on(person: Person, day: dt.date) -> int | None:
    """Full years of age on `day`, or None when the birth date is unknown (no ID number)."""
    born = person.birth_date
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def insured_on(person: Person, day: dt.date) -> bool:
    """Whether an accident-insurance policy covers `day` (both ends included)."""
    return bool(person.insurance_policy and person.insurance_from and person.insurance_until
                and person.insurance_from <= day <= person.insurance_until)


def with_skill(queryset: QuerySet[Person], skill: str) -> QuerySet[Person]:
    """People who have `skill` (the JSON list read as text: the same on SQLite and PostgreSQL)."""
    return queryset.annotate(skills_text=Cast("skills", CharField())).filter(skills_text__contains=f'"{skill}"')


def insured_q(day: dt.date) -> Q:
    return ~Q(insurance_policy="") & Q(insurance_from__lte=day, insurance_until__gte=day)


def people_for(user: Any, *, unit: Unit | None = None, kind: str = "", skill: str = "",
               insured: bool | None = None, day: dt.date | None = None, q: str = "",
               walk_ups: bool | None = None) -> QuerySet[Person]:
    """The people on the roster that `user` sees, filtered (see the module docstring)."""
    qs: QuerySet[Person] = Person.objects.restrict(user, scope.READ).filter(is_active=True, merged_into__isnull=True,
                                                          unit__isnull=False).select_related("unit__region")
    if unit is not None:
        qs = qs.filter(unit=unit)
    if kind:
        qs = qs.filter(kind=kind)
    if skill:
        qs = with_skill(qs, skill)
    if insured is not None:
        on = day or timezone.localdate()
        qs = qs.filter(insured_q(on)) if insured else qs.exclude(insured_q(on))
    if walk_ups is not None:
        qs = qs.filter(is_walk_up=walk_ups)
    if q:
        qs = qs.filter(name__icontains=q.strip()[:50])
    return qs.order_by("unit__region_id", "unit__name", "unit_id", "kind", "name", "id")


def pool(unit: Unit) -> QuerySet[Person]:
    """Self-registered people waiting in `unit`'s region: registered in it, below it, or in a region
    above it (someone who gave only their city)."""
    region_q = in_subtree("region_code", unit.region.prefix) | Q(region_code__in=chain(unit.region_id))
    return Person.objects.filter(region_q, unit__isnull=True, is_active=True,
                                 merged_into__isnull=True).order_by("-created_at", "id")


def units_for_people(user: Any) -> QuerySet[Unit]:
    """The units `user` may register people for: in their FILE scope, active, and keeping people
    (`may_have_people`: the same rule the service checks)."""
    return (Unit.objects.restrict(user, scope.FILE).filter(is_active=True, category__in=PEOPLE_CATEGORIES)
            .select_related("region").order_by("region_id", "name"))


def merge_candidates(walk_up: Person) -> QuerySet[Person]:
    """The full records of the walk-up's unit it may be merged into, the same mobile first."""
    return (Person.objects.filter(unit=walk_up.unit, unit__isnull=False, is_active=True, is_walk_up=False,
                                  merged_into__isnull=True).exclude(pk=walk_up.pk).order_by("name", "id"))
