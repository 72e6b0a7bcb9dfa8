"""REST API of donations: appeals, donations and receipts, stock and adjustments, allocations,
hand-overs and discrepancies, corrections and the overview. Every viewset is a scoped base
(core.views_base); the public site's own read-only endpoints are in tongxin.portal.api."""


def register(router) -> None:
    """Add this app's viewsets to the project's API router."""
    from tongxin.donations.api import appeals, donations, handovers, overview, stock

    for part in (appeals, donations, stock, handovers, overview):
        part.register(router)
