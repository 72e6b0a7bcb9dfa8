"""REST API of inspections (being built)."""


def register(router) -> None:
    """Add this app's viewsets to the project's API router."""
