"""The public site's own read-only endpoints (no login), under /api/public/. (The portal part fills this in.)"""


def register(router) -> None:
    """Add the public viewsets to the router (basenames public-*, schema names Public*)."""
