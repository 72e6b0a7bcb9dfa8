"""API of the donations part."""


def register(router) -> None:
    """Add this part's viewsets to the router (basenames donations-*, schema names Donations*)."""
