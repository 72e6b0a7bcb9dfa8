"""The public disclosure's reads (no scope: anyone may read them; only what may be published).

Guarantees:
- Only current records count: RECEIVED donations (never pledged, withdrawn or SUPERSEDED ones) and
  hand-overs that are not SUPERSEDED. What a correction replaced shows only in its 更正说明.
- A donor's name appears only with the donor's consent (`name_public`): anonymous gifts say 匿名,
  unconsented ones 爱心企业 / 爱心人士. No phone, credit code, reference or any person's account
  ever leaves this module; a hand-over's confirmation is its status, counts and time.
- Every total is computed from the very rows returned beside it (`Disclosure.cash_total` is the
  sum of the cash rows of `goods`, etc.), so a page's totals equal the sum of its rows.
- Drafts are never public: an appeal is public once PUBLISHED (and stays so when CLOSED).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.donations.models import (
    Allocation,
    Appeal,
    AppealStatus,
    Correction,
    Donation,
    DonationLine,
    DonationStatus,
    DonorKind,
    Handover,
    HandoverStatus,
    Item,
    Stock,
    Valuation,
)
from tongxin.donations.models import (
    Disclosure as DisclosureRecord,
)
from tongxin.units.models import Unit

ZERO = Decimal("0")
PUBLIC_APPEAL_STATES = (AppealStatus.PUBLISHED, AppealStatus.CLOSED)


# --- rows ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LineRow:
    item_id: int
    item: str
    specification: str
    measure: str
    is_cash: bool
    quantity: Decimal
    value: Decimal | None
    valuation: str


@dataclass(frozen=True)
class DonationRow:
    id: int
    receipt_number: str
    donor: str
    organisation: str
    organisation_id: int
    appeal: str
    appeal_id: int | None
    received_at: dt.datetime | None
    lines: tuple[LineRow, ...]

    @property
    def cash(self) -> Decimal:
        return sum((ln.quantity for ln in self.lines if ln.is_cash), ZERO)

    @property
    def goods_value(self) -> Decimal:
        return sum((ln.value or ZERO for ln in self.lines if not ln.is_cash), ZERO)


@dataclass(frozen=True)
class GoodsRow:
    """One item and specification, summed over the donation rows shown."""

    item_id: int
    item: str
    specification: str
    measure: str
    is_cash: bool
    quantity: Decimal
    value: Decimal
    unvalued_quantity: Decimal  # of `quantity`, what came in without a value
    valuations: tuple[str, ...]  # how it was valued (labels)


@dataclass(frozen=True)
class AllocationRow:
    id: int
    organisation: str
    recipient: str
    recipient_id: int
    basis: str
    basis_text: str
    decided_by: str
    decided_at: dt.datetime
    lines: tuple[tuple[str, str, Decimal], ...]  # item, measure, quantity


@dataclass(frozen=True)
class HandoverLineRow:
    item_id: int
    item: str
    measure: str
    sent: Decimal
    received: Decimal | None


@dataclass(frozen=True)
class HandoverRow:
    id: int
    organisation: str
    organisation_id: int
    recipient: str
    recipient_id: int
    appeal_id: int | None
    status: str
    status_label: str
    sent_at: dt.datetime
    received_at: dt.datetime | None
    carrier: str
    lines: tuple[HandoverLineRow, ...]

    @property
    def confirmed(self) -> bool:
        return self.received_at is not None


@dataclass(frozen=True)
class StockRow:
    organisation: str
    item: str
    measure: str
    is_cash: bool
    received: Decimal
    handed_over: Decimal
    adjusted: Decimal
    quantity: Decimal


@dataclass(frozen=True)
class CorrectionRow:
    id: int
    kind: str  # "donation" or "handover"
    organisation: str
    reason: str
    created_at: dt.datetime
    replaces: str  # the receipt number or hand-over id it replaced
    changes: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class ClockState:
    clock: str
    last_disclosed: dt.datetime | None
    next_due: dt.datetime | None
    overdue: bool


@dataclass
class Disclosure:
    """Everything the public may know of one appeal or one organisation; totals from these rows."""

    donations: list[DonationRow]
    goods: list[GoodsRow]
    allocations: list[AllocationRow]
    handovers: list[HandoverRow]
    stock: list[StockRow]
    corrections: list[CorrectionRow]
    clock: ClockState | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def cash_total(self) -> Decimal:
        return sum((g.quantity for g in self.goods if g.is_cash), ZERO)

    @property
    def goods_value_total(self) -> Decimal:
        return sum((g.value for g in self.goods if not g.is_cash), ZERO)

    @property
    def goods_rows(self) -> list[GoodsRow]:
        return [g for g in self.goods if not g.is_cash]

    @property
    def donation_count(self) -> int:
        return len(self.donations)

    @property
    def handover_count(self) -> int:
        return len(self.handovers)


# --- the donor's name ----------------------------------------------------------------------------

def _label(kind: str, name_public: bool, name: str, enterprise: str | None) -> str:
    if kind == DonorKind.ANONYMOUS:
        return _("匿名")
    unnamed = _("爱心企业") if kind == DonorKind.ENTERPRISE else _("爱心人士")
    if not name_public:
        return unnamed
    return name or enterprise or unnamed


def donor_label(donation: Donation) -> str:
    """The donor as the public may see it: the name only with consent."""
    enterprise = donation.donor_enterprise.name if donation.donor_enterprise_id is not None and \
        donation.donor_enterprise is not None else None
    return _label(donation.donor_kind, donation.name_public, donation.donor_name, enterprise)


# --- what is public --------------------------------------------------------------------------------

def appeals() -> QuerySet[Appeal]:
    """Every public appeal (published or closed), newest first."""
    return Appeal.objects.filter(status__in=PUBLIC_APPEAL_STATES).select_related("unit").order_by("-starts_on", "-id")


def open_appeals() -> QuerySet[Appeal]:
    return appeals().filter(status=AppealStatus.PUBLISHED)


def appeal(appeal_id: int) -> Appeal | None:
    return appeals().prefetch_related("issuer_rows__unit", "needs__item").filter(pk=appeal_id).first()


def _current_donations() -> QuerySet[Donation]:
    return Donation.objects.filter(status=DonationStatus.RECEIVED)


def _current_handovers() -> QuerySet[Handover]:
    return Handover.objects.exclude(status=HandoverStatus.SUPERSEDED)


def organisations() -> QuerySet[Unit]:
    """Organisations with something public: a current donation received, or a public appeal issued."""
    received = _current_donations().values("unit_id")
    issued = appeals().values("unit_id")
    return Unit.objects.filter(Q(pk__in=received) | Q(pk__in=issued)).order_by("name")


def organisation(unit_id: int) -> Unit | None:
    return organisations().filter(pk=unit_id).first()


# --- building a disclosure ------------------------------------------------------------------------

def donation_rows(donations: QuerySet[Donation]) -> list[DonationRow]:
    """The rows of `donations` (oldest first) with their lines: read as plain values in three
    statements, not as model instances (bench/donations.py: ~15× faster for 2,000 gifts)."""
    ids = donations.values("pk")
    lines: dict[int, list[LineRow]] = defaultdict(list)
    line_values = (DonationLine.objects.filter(donation__in=ids).order_by("donation_id", "id")
                   .values_list("donation_id", "item_id", "quantity", "value", "valuation"))
    items = {i.pk: i for i in Item.objects.filter(pk__in=DonationLine.objects.filter(donation__in=ids)
                                                   .values("item_id"))}
    names = {pk: str(item) for pk, item in items.items()}
    for donation_id, item_id, quantity, value, valuation in line_values:
        it = items[item_id]
        lines[donation_id].append(LineRow(item_id, names[item_id], it.specification, it.measure, it.is_cash,
                                          quantity, value, valuation))
    heads = donations.order_by("received_at", "id").values_list(
        "pk", "receipt_number", "donor_kind", "name_public", "donor_name", "donor_enterprise__name", "unit__name",
        "unit_id", "appeal__title", "appeal_id", "received_at")
    return [DonationRow(pk, number or "", _label(kind, public, name, enterprise), unit, unit_id, title or "",
                        appeal_id, received_at, tuple(lines[pk]))
            for (pk, number, kind, public, name, enterprise, unit, unit_id, title, appeal_id, received_at) in heads]


def goods_rows(donations: Iterable[DonationRow]) -> list[GoodsRow]:
    """Sum the lines of `donations` per item (cash first, then goods by name)."""
    acc: dict[int, dict[str, Any]] = {}
    labels = {code: str(label) for code, label in Valuation.choices}  # once per call: in the current language
    for d in donations:
        for ln in d.lines:
            row = acc.setdefault(ln.item_id, {"line": ln, "quantity": ZERO, "value": ZERO, "unvalued": ZERO,
                                              "valuations": []})
            row["quantity"] += ln.quantity
            if ln.value is None:
                row["unvalued"] += ln.quantity
            else:
                row["value"] += ln.value
            label = labels.get(ln.valuation, ln.valuation)
            if label not in row["valuations"]:
                row["valuations"].append(label)
    out = [GoodsRow(item_id, r["line"].item, r["line"].specification, r["line"].measure, r["line"].is_cash,
                    r["quantity"], r["value"], r["unvalued"], tuple(r["valuations"])) for item_id, r in acc.items()]
    return sorted(out, key=lambda g: (not g.is_cash, g.item))


def allocation_rows(allocations: QuerySet[Allocation]) -> list[AllocationRow]:
    qs = allocations.select_related("unit", "recipient").prefetch_related("lines__item").order_by("decided_at", "id")
    return [AllocationRow(a.pk, a.unit.name, a.recipient.name, a.recipient_id, str(a.get_basis_display()),
                          a.basis_text, a.decided_by, a.decided_at,
                          tuple((str(ln.item), ln.item.measure, ln.quantity) for ln in a.lines.all()))
            for a in qs]


def handover_rows(handovers: QuerySet[Handover]) -> list[HandoverRow]:
    qs = handovers.select_related("unit", "recipient").prefetch_related("lines__item").order_by("sent_at", "id")
    return [HandoverRow(h.pk, h.unit.name, h.unit_id, h.recipient.name, h.recipient_id, h.appeal_id, h.status,
                        str(h.get_status_display()), h.sent_at, h.received_at, h.carrier,
                        tuple(HandoverLineRow(ln.item_id, str(ln.item), ln.item.measure, ln.sent, ln.received)
                              for ln in h.lines.all()))
            for h in qs]


def stock_rows(stock: QuerySet[Stock]) -> list[StockRow]:
    qs = stock.select_related("unit", "item").order_by("unit__name", "item__kind", "item__name", "item_id")
    return [StockRow(s.unit.name, str(s.item), s.item.measure, s.item.is_cash, s.received, s.handed_over,
                     s.adjusted, s.quantity) for s in qs]


def correction_rows(corrections: QuerySet[Correction]) -> list[CorrectionRow]:
    qs = corrections.select_related("unit", "donation", "handover").order_by("created_at", "id")
    rows = []
    for c in qs:
        if c.donation_id is not None and c.donation is not None:
            kind, replaces = "donation", c.donation.receipt_number or f"#{c.donation_id}"
        else:
            kind, replaces = "handover", f"#{c.handover_id}"
        changes = tuple(_public_change(ch) for ch in (c.changes or []) if isinstance(ch, dict))
        rows.append(CorrectionRow(c.pk, kind, c.unit.name, c.reason, c.created_at, replaces, changes))
    return rows


_CHANGE_KEYS = ("item", "measure", "before", "after", "value_before", "value_after", "sent_before", "sent_after",
                "received_before", "received_after", "field")


def _public_change(change: dict[str, Any]) -> dict[str, Any]:
    """Only the item-level figures of a change (never a donor's data a correction may have touched)."""
    return {k: change[k] for k in _CHANGE_KEYS if k in change}


def _build(donations: QuerySet[Donation], allocations: QuerySet[Allocation], handovers: QuerySet[Handover],
           stock: QuerySet[Stock], corrections: QuerySet[Correction]) -> Disclosure:
    drows = donation_rows(donations)
    return Disclosure(donations=drows, goods=goods_rows(drows), allocations=allocation_rows(allocations),
                      handovers=handover_rows(handovers), stock=stock_rows(stock),
                      corrections=correction_rows(corrections))


def for_appeal(a: Appeal) -> Disclosure:
    """The full disclosure of one appeal (every organisation that received under it)."""
    d = _build(_current_donations().filter(appeal=a), Allocation.objects.filter(appeal=a),
               _current_handovers().filter(appeal=a), Stock.objects.filter(appeal=a),
               Correction.objects.filter(appeal=a))
    d.clock = clock(a)
    return d


def for_organisation(unit: Unit) -> Disclosure:
    """The full disclosure of one organisation (under every appeal and outside any)."""
    public = Q(appeal__isnull=True) | Q(appeal__status__in=PUBLIC_APPEAL_STATES)
    return _build(_current_donations().filter(public, unit=unit), Allocation.objects.filter(public, unit=unit),
                  _current_handovers().filter(public, unit=unit), Stock.objects.filter(public, unit=unit),
                  Correction.objects.filter(public, unit=unit))


def totals_for_appeals(appeal_ids: Iterable[int]) -> dict[int, Disclosure]:
    """The disclosure of each appeal on a list (the home page's cards)."""
    return {a.pk: for_appeal(a) for a in appeals().filter(pk__in=list(appeal_ids))}


# --- the disclosure clock -------------------------------------------------------------------------

def clock(a: Appeal, now: dt.datetime | None = None) -> ClockState:
    """When the appeal's next disclosure is due and whether one is overdue: the earliest among its
    issuers (`queries.appeals.clock`, one issuer's own clock), due at the end of that Beijing day."""
    from tongxin.donations.queries import appeals as appeal_queries

    last = (DisclosureRecord.objects.filter(appeal=a).order_by("-published_at")
            .values_list("published_at", flat=True).first())
    states = [appeal_queries.clock(a, row.unit, now) for row in a.issuer_rows.select_related("unit")]
    due = [st for st in states if st.due_on is not None]
    if not due:
        return ClockState(a.clock, last, None, False)
    first = min(due, key=lambda st: st.due_on or dt.date.max)
    assert first.due_on is not None
    next_due = dt.datetime.combine(first.due_on, dt.time(23, 59), tzinfo=timezone.get_current_timezone())
    return ClockState(a.clock, last, next_due, any(st.overdue for st in due))


# --- the donor's receipt lookup -------------------------------------------------------------------

@dataclass(frozen=True)
class Lookup:
    donation: DonationRow
    handovers: list[HandoverRow]  # hand-overs of the gift's items from the same organisation and appeal
    corrected: bool  # the receipt's donation was replaced by a correction (shown: the current one)


def normalise(text: str) -> str:
    return "".join(str(text).split()).upper()


def lookup(receipt_number: str, code: str) -> Lookup | None:
    """Where a gift went, by its receipt number and the code printed on the receipt; None when
    either is wrong (the caller says so without telling which)."""
    number, code = normalise(receipt_number), normalise(code)
    if not number or not code:
        return None
    found = Donation.objects.filter(receipt_number__iexact=number).first()
    if found is None or not found.lookup_code or normalise(found.lookup_code) != code:
        return None
    corrected = False
    current = found
    for _step in range(10):  # a corrected donation: follow to the one that replaced it
        if current.status != DonationStatus.SUPERSEDED:
            break
        nxt = Correction.objects.filter(donation=current).select_related("donation_after").first()
        if nxt is None or nxt.donation_after is None:
            break
        current, corrected = nxt.donation_after, True
    if current.status != DonationStatus.RECEIVED:
        return None
    row = donation_rows(Donation.objects.filter(pk=current.pk))[0]
    items = {ln.item_id for ln in row.lines}
    same_appeal = Q(appeal_id=current.appeal_id) if current.appeal_id is not None else Q(appeal__isnull=True)
    handovers = _current_handovers().filter(same_appeal, unit_id=current.unit_id,
                                            lines__item_id__in=items).distinct()
    hrows = [HandoverRow(h.id, h.organisation, h.organisation_id, h.recipient, h.recipient_id, h.appeal_id, h.status,
                         h.status_label, h.sent_at, h.received_at, h.carrier,
                         tuple(ln for ln in h.lines if ln.item_id in items))
             for h in handover_rows(handovers)]
    return Lookup(row, hrows, corrected)


# --- plain data -----------------------------------------------------------------------------------------

def feed_disclosure(d: Disclosure) -> dict[str, Any]:
    """A disclosure as plain data for the JSON feed and downloads (stable ids, strings for amounts)."""

    def num(v: Decimal | None) -> str | None:
        return None if v is None else format(v, "f")

    def when(v: dt.datetime | None) -> str | None:
        return None if v is None else timezone.localtime(v).isoformat()

    return {
        "cash_total": num(d.cash_total),
        "goods_value_total": num(d.goods_value_total),
        "goods": [{"item_id": g.item_id, "item": g.item, "specification": g.specification, "measure": g.measure,
                   "cash": g.is_cash, "quantity": num(g.quantity), "value": num(g.value),
                   "unvalued_quantity": num(g.unvalued_quantity), "valuations": list(g.valuations)}
                  for g in d.goods],
        "donations": [{"id": r.id, "receipt_number": r.receipt_number, "donor": r.donor,
                       "organisation_id": r.organisation_id, "appeal_id": r.appeal_id,
                       "received_at": when(r.received_at),
                       "lines": [{"item_id": ln.item_id, "item": ln.item, "measure": ln.measure,
                                  "quantity": num(ln.quantity), "value": num(ln.value), "valuation": ln.valuation}
                                 for ln in r.lines]} for r in d.donations],
        "allocations": [{"id": a.id, "organisation": a.organisation, "recipient_id": a.recipient_id,
                         "recipient": a.recipient, "basis": a.basis, "basis_text": a.basis_text,
                         "decided_by": a.decided_by, "decided_at": when(a.decided_at),
                         "lines": [{"item": i, "measure": m, "quantity": num(q)} for i, m, q in a.lines]}
                        for a in d.allocations],
        "handovers": [{"id": h.id, "organisation_id": h.organisation_id, "recipient_id": h.recipient_id,
                       "recipient": h.recipient, "status": h.status, "sent_at": when(h.sent_at),
                       "received_at": when(h.received_at),
                       "lines": [{"item_id": ln.item_id, "item": ln.item, "measure": ln.measure, "sent": num(ln.sent),
                                  "received": num(ln.received)} for ln in h.lines]} for h in d.handovers],
        "stock": [{"organisation": s.organisation, "item": s.item, "measure": s.measure, "received": num(s.received),
                   "handed_over": num(s.handed_over), "adjusted": num(s.adjusted), "quantity": num(s.quantity)}
                  for s in d.stock],
        "corrections": [{"id": c.id, "kind": c.kind, "reason": c.reason, "replaces": c.replaces,
                         "created_at": when(c.created_at), "changes": list(c.changes)} for c in d.corrections],
        "clock": None if d.clock is None else {"clock": d.clock.clock, "next_due": when(d.clock.next_due),
                                               "overdue": d.clock.overdue,
                                               "last_disclosed": when(d.clock.last_disclosed)},
    }
