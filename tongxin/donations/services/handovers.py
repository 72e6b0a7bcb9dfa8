"""Hand-overs with both sides: send (stock goes down), the recipient confirms with their own count
and a photo, a difference opens a discrepancy to resolve; corrections replace a hand-over.

(The hand-overs part fills this in.)

- send(actor, unit, *, recipient, appeal=None, allocation=None, lines: list[dict(item, quantity)],
       sent_at=None, carrier="", note="") -> Handover
- confirm(actor, handover, *, counts: dict[line_id, Decimal], note="", files=(), at=None) -> Handover
- resolve(actor, discrepancy, *, resolution: str, at=None) -> Discrepancy
- correct_handover(actor, handover, *, reason, lines, recipient=None, sent_at=None) -> Correction
"""
