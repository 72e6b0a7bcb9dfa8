"""Every write of donations, one module per part; each write is atomic, audited, moves stock only
through services.stock.move, and bumps the public cache (core.publiccache, namespace "donations").

- catalogue: items (name, specification, measure) and the cash item
- appeals: appeals, their issuers and needs, publishing and closing, disclosures on the clock
- donations: pledges, receipts, corrections, the Excel batch; receipts: numbers, codes, PDFs
- stock: the roll-up, its rebuild, adjustments with a second person's approval
- allocations: allocation decisions
- handovers: hand-overs confirmed by both sides, discrepancies, corrections
"""

from tongxin.donations.services import allocations, appeals, catalogue, donations, handovers, receipts, stock

PARTS = (catalogue, appeals, donations, receipts, stock, allocations, handovers)
