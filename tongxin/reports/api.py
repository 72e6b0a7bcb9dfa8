"""REST API of the reporting module (being built)."""


def register(router) -> None:
    """Add this module's viewsets to the project's API router."""
