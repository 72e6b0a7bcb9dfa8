"""Mobilization: the reads of the records part — certificate verification, the records a user has
to review, a person's records and totals.

Totals read only current records (DRAFT and FINAL): a superseded record's hours live on in the
record that corrected it, never twice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet, Sum
from django.utils import timezone

from tongxin.core.types import Actor
from tongxin.core.validators import typed_code
from tongxin.mobilization.models import Certificate, Person, RecordStatus, ServiceRecord
from tongxin.units import scope

CURRENT = (RecordStatus.DRAFT, RecordStatus.FINAL)


def verify(code: str) -> Certificate | None:
    """The certificate with this code (revoked ones too: the page says so), or None."""
    code = typed_code(code)
    if not code:
        return None
    return Certificate.objects.select_related("person", "unit").filter(code=code).first()


def mask_name(name: str) -> str:
    """A name as the public sees it: 王志远 → 王*远, 王远 → 王*, 欧阳志远 → 欧**远."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def to_review(user: Actor, today: dt.date | None = None) -> QuerySet[ServiceRecord]:
    """The DRAFT records the user may confirm (FILE on their unit), due soonest first; each carries
    `overdue` (its window has passed)."""
    today = today or timezone.localdate()
    qs = ServiceRecord.objects.restrict(user, scope.FILE).filter(status=RecordStatus.DRAFT)
    return (qs.select_related("person", "unit")
            .annotate(overdue=ExpressionWrapper(Q(due_by__lt=today), output_field=BooleanField()))
            .order_by("due_by", "day", "person_id", "id"))


def current(records: QuerySet[ServiceRecord]) -> QuerySet[ServiceRecord]:
    return records.filter(status__in=CURRENT)


@dataclass(frozen=True)
class Totals:
    hours: Decimal  # current records (DRAFT + FINAL)
    final_hours: Decimal  # what a certificate can state
    records: int


def totals_of(person: Person) -> Totals:
    """A person's hours over their current records."""
    qs = ServiceRecord.objects.filter(person=person, status__in=CURRENT)
    agg: dict[str, Any] = qs.aggregate(total=Sum("hours"), final=Sum("hours", filter=Q(status=RecordStatus.FINAL)),
                                       n=Count("id"))
    return Totals(agg["total"] or Decimal("0"), agg["final"] or Decimal("0"), agg["n"])


def records_of(user: Actor, person: Person) -> QuerySet[ServiceRecord]:
    """The person's records the user sees (all statuses, newest day first)."""
    return ServiceRecord.objects.restrict(user, scope.READ).filter(person=person).select_related("unit")


def history(record: ServiceRecord) -> list[ServiceRecord]:
    """The record's correction chain, oldest first: what it corrected, itself, what corrected it."""
    chain = [record]
    seen = {record.pk}
    older = record
    while older.corrects_id is not None and older.corrects_id not in seen:
        older = ServiceRecord.objects.select_related("reviewed_by", "created_by").get(pk=older.corrects_id)
        seen.add(older.pk)
        chain.insert(0, older)
    newer = record
    while True:
        nxt = ServiceRecord.objects.select_related("reviewed_by", "created_by").filter(corrects=newer).first()
        if nxt is None or nxt.pk in seen:
            break
        seen.add(nxt.pk)
        chain.append(nxt)
        newer = nxt
    return chain
