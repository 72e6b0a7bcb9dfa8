"""The reads of 催办 and escalation: which directive an officer may chase, whom a reminder reaches,
which deliveries are due a reminder, an escalation step or a feedback notice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from tongxin.command.models import Delivery, Directive
from tongxin.command.queries.directives import visible_directives
from tongxin.command.queries.duty import duty_officer_ids, leaders_on_duty
from tongxin.core.types import Actor
from tongxin.units import scope
from tongxin.units.models import Membership, Role, Unit
from tongxin.units.queries import members_by_unit

if TYPE_CHECKING:
    from tongxin.accounts.models import User
    from tongxin.ledger.models import LedgerEntry

# Who of a receiving unit a reminder reaches: everyone there in a business role (a bureau's officers
# and leaders as well as an institution's staff).
# Whom escalation reaches when nobody with an account leads the unit's duty today.
MANAGERS = frozenset({Role.MANAGER, Role.LEADER})


def visible_directive(user: Actor, pk: object) -> Directive:
    """A directive the user sees: issued within their scope, or delivered to a unit they see.
    Http404 otherwise (also for a pk that is not a number)."""
    try:
        found = visible_directives(user).filter(pk=int(str(pk))).first()
    except (ValueError, OverflowError):  # not a number, or beyond any id
        found = None
    if found is None:
        raise Http404(_("找不到该记录，或您无权查看"))
    return found


def visible_delivery(user: Actor, pk: object) -> Delivery:
    """A delivery the user sees (as the unit, or as the issuer's side); Http404 otherwise."""
    try:
        pk = int(str(pk))
        own = Delivery.objects.restrict(user, scope.READ).filter(pk=pk)
        issued = Delivery.objects.filter(pk=pk, directive__in=Directive.objects.restrict(user, scope.READ))
        found = (own | issued).distinct().select_related("directive__issuer", "unit").first()
    except (ValueError, OverflowError):  # not a number, or beyond any id
        found = None
    if found is None:
        raise Http404(_("找不到该记录，或您无权查看"))
    return found


def may_chase(user: Actor, directive: Directive) -> bool:
    """The issuer's officers and leaders, or those of a bureau above it (None: the system itself)."""
    return user is None or scope.scope_of(user).covers(directive.issuer, mode=scope.FILE)


def unsigned(directive: Directive) -> QuerySet[Delivery]:
    """The directive's deliveries no one has signed yet, by region and unit."""
    return directive.deliveries.filter(signed_at__isnull=True).select_related("unit")


def people_of(units: list[Unit], at: dt.datetime) -> dict[int, list[User]]:
    """{unit id: the active people a reminder to the unit reaches}: its staff in a business role and
    whoever is on duty there at `at`. A unit with nobody is absent."""
    from tongxin.accounts.models import User

    out: dict[int, dict[int, User]] = {unit_id: {u.pk: u for u in people}
                                       for unit_id, people in members_by_unit(units).items()}
    for unit in units:
        on_duty = duty_officer_ids(unit, at) - set(out.get(unit.pk, {}))
        for user in User.objects.filter(pk__in=on_duty, is_active=True):
            out.setdefault(unit.pk, {})[user.pk] = user
    return {k: list(v.values()) for k, v in out.items()}


def leaders_for(unit: Unit, at: dt.datetime) -> list[User]:
    """Escalation's first step: the unit's leader(s) on duty at `at` who have an account; else its
    managers (an institution's 负责人, a bureau's leaders); else, so the step is never silent, the
    people a reminder reaches."""
    leaders = [s.user for s in leaders_on_duty(unit, at) if s.user is not None and s.user.is_active]
    if leaders:
        return list({u.pk: u for u in leaders}.values())
    rows = (Membership.objects.filter(unit=unit, role__in=MANAGERS, user__is_active=True)
            .select_related("user").order_by("user_id"))
    managers = list({m.user_id: m.user for m in rows}.values())
    return managers or people_of([unit], at).get(unit.pk, [])


def open_deliveries() -> QuerySet[Delivery]:
    """Deliveries of directives in force (issued, not closed, withdrawn or replaced)."""
    return Delivery.objects.filter(directive__status=Directive.Status.ISSUED).select_related("directive", "unit")


def due_escalation(now: dt.datetime, interval: dt.timedelta) -> tuple[QuerySet[Delivery], QuerySet[Delivery]]:
    """(unsigned past the deadline and not escalated yet, escalated to the leader `interval` ago and still unsigned)."""
    unsigned_past = open_deliveries().filter(signed_at__isnull=True, directive__sign_deadline__lt=now)
    return (unsigned_past.filter(escalation=0),
            unsigned_past.filter(escalation=1, escalated_at__lte=now - interval))


def feedback_coming_due(now: dt.datetime, within: dt.timedelta) -> QuerySet[Delivery]:
    """Deliveries whose feedback is due within `within` from `now`, not fed back, never told so."""
    return open_deliveries().filter(
        directive__feedback_required=True, fed_back_at__isnull=True, due_notice_at__isnull=True,
        directive__feedback_deadline__gt=now, directive__feedback_deadline__lte=now + within)


def feedback_overdue(delivery: Delivery, now: dt.datetime) -> bool:
    """Feedback was asked for by a deadline now passed and has not come."""
    deadline = delivery.directive.feedback_deadline
    return (delivery.directive.feedback_required and deadline is not None and deadline < now
            and delivery.fed_back_at is None)


@dataclass(frozen=True)
class ReminderPreview:
    """What 催办 would do now: the deliveries it would remind, and those reminded too recently
    (each with the time it may be reminded again)."""

    due: list[Delivery]
    recent: list[tuple[Delivery, dt.datetime]]

    @property
    def again_at(self) -> dt.datetime | None:
        return min((at for _d, at in self.recent), default=None)


def reminder_preview(directive: Directive, now: dt.datetime, gap: dt.timedelta) -> ReminderPreview:
    due: list[Delivery] = []
    recent: list[tuple[Delivery, dt.datetime]] = []
    for d in unsigned(directive):
        if d.last_reminded_at is not None and d.last_reminded_at > now - gap:
            recent.append((d, d.last_reminded_at + gap))
        else:
            due.append(d)
    return ReminderPreview(due, recent)


def raised_for(delivery: Delivery) -> QuerySet[LedgerEntry]:
    """Ledger entries already raised for this delivery's overdue feedback (the directive, the unit)."""
    from tongxin.ledger import queries as ledger_queries

    return ledger_queries.raised_by_any("directive", delivery.directive_id).filter(unit_id=delivery.unit_id)



@dataclass(frozen=True)
class RowActions:
    """What a board or directive page shows on one delivery's row for the user: the 登记到台账 button
    (`overdue`: feedback overdue and the user may raise it) and the entries already raised."""

    overdue: bool
    raised: list[str]


def row_actions(user: Actor, deliveries: list[Delivery], now: dt.datetime) -> dict[int, RowActions]:
    """{delivery id: RowActions} for the rows of one page, in two queries; empty for a user who may
    not chase (a receiving unit, a stranger)."""
    from tongxin.ledger.models import LedgerEntry

    mine = [d for d in deliveries if may_chase(user, d.directive)]
    if not mine:
        return {}
    raised: dict[tuple[int | None, int], list[str]] = {}
    rows = (LedgerEntry.objects.filter(source="directive", source_id__in={d.directive_id for d in mine},
                                       unit_id__in={d.unit_id for d in mine})
            .order_by("number").values_list("source_id", "unit_id", "number"))
    for directive_id, unit_id, number in rows:
        raised.setdefault((directive_id, unit_id), []).append(number)
    return {d.pk: RowActions(feedback_overdue(d, now), raised.get((d.directive_id, d.unit_id), [])) for d in mine}
