"""Donations' models, one module per part: the item catalogue, appeals and disclosures, donations
and receipts, stock and adjustments, allocations and hand-overs, corrections."""

from tongxin.donations.models.appeals import Appeal, AppealIssuer, AppealNeed, AppealStatus, Clock, Disclosure
from tongxin.donations.models.catalogue import Item, ItemKind
from tongxin.donations.models.corrections import Correction
from tongxin.donations.models.donations import (
    Channel,
    Donation,
    DonationLine,
    DonationStatus,
    DonorKind,
    ReceiptCounter,
    Valuation,
)
from tongxin.donations.models.handovers import (
    Allocation,
    AllocationLine,
    Basis,
    Discrepancy,
    DiscrepancyStatus,
    Handover,
    HandoverLine,
    HandoverStatus,
)
from tongxin.donations.models.stock import Adjustment, AdjustmentReason, AdjustmentStatus, Stock

__all__ = [
    "Adjustment", "AdjustmentReason", "AdjustmentStatus", "Allocation", "AllocationLine", "Appeal", "AppealIssuer",
    "AppealNeed", "AppealStatus", "Basis", "Channel", "Clock", "Correction", "Disclosure", "Discrepancy",
    "DiscrepancyStatus", "Donation", "DonationLine", "DonationStatus", "DonorKind", "Handover", "HandoverLine",
    "HandoverStatus", "Item", "ItemKind", "ReceiptCounter", "Stock", "Valuation",
]
