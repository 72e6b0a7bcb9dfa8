"""Allocation decisions: who decided, on what basis, for whom, which items and quantities.

(The stock part fills this in.)

- decide(actor, unit, *, appeal, recipient: Unit, basis, basis_text, decided_by: str, decided_at,
         lines: list[dict(item, quantity)], directive=None) -> Allocation
  Refuses a recipient outside queries.handovers.recipients_for(unit) and more than is in stock
  (allocated is tracked on Stock.allocated).
"""
