"""Donations: pledge, receive (freezes lines and values, issues the receipt), withdraw a pledge,
correct a received donation (a new donation replacing it, with a Correction), and the Excel batch.

(The donations part fills this in.) Contract other parts rely on:

- record_donation(actor, unit, values: dict, lines: list[dict], *, received: bool = True, at=None) -> Donation
  values: appeal_id, donor_kind, donor_name, donor_enterprise_id, donor_credit_code, donor_phone,
  name_public, channel, reference, note; a line: item (Item) or item_id, quantity, expiry_date, lot,
  valuation, unit_value, value, valuation_note, valuation_approved_by.
  Receiving moves stock (services.stock.move received=…, received_value=…) per line.
- receive_pledge(actor, donation, *, at=None) -> Donation
- correct_donation(actor, donation, *, reason: str, values: dict, lines: list[dict]) -> Correction
"""
