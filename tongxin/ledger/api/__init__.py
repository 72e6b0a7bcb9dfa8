"""REST API of the ledger (问题台账); evidence files are `units.attachments`.

Guarantees: entries are read through `scope.restrict` (by their own region code and unit), so
anything outside the caller's scope is a 404 that names no model; every write goes through
ledger/services.py (open_entry, fix_on_spot, transition); evidence named in a write must be
files the caller uploaded for that entry's unit; each entry carries `overdue`, judged on today's
Beijing date, and its `source_link` / `context_link` as the raising app shows them; errors come back
field by field (a refused transition names "status"; missing evidence names "attachment_ids").
"""

from tongxin.ledger.api.entries import LedgerEntryViewSet


def register(router) -> None:
    """Add this app's viewsets to the project's API router."""
    router.register("ledger", LedgerEntryViewSet, basename="ledger-entry")
