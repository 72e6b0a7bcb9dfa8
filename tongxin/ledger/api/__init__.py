"""REST API of the ledger (问题台账) and of evidence files (附件).

Guarantees: entries are read through `scope.restrict` (by their unit), attachments through the
units the caller sees, so anything outside the caller's scope is a 404 that names no model;
every write goes through ledger/services.py (open_entry, fix_on_spot, transition) or
core.uploads.store_attachment; evidence named in a write must be files the caller uploaded for
that entry's unit; each entry carries `overdue`, judged on today's Beijing date; errors come back
field by field (a refused transition names "status"; missing evidence names "attachment_ids").
"""

from tongxin.ledger.api.attachments import AttachmentViewSet
from tongxin.ledger.api.entries import LedgerEntryViewSet


def register(router) -> None:
    """Add this app's viewsets to the project's API router."""
    router.register("ledger", LedgerEntryViewSet, basename="ledger-entry")
    router.register("attachments", AttachmentViewSet, basename="attachment")
