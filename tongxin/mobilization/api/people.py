"""Mobilization API: the people part."""


def register(router) -> None:
    """Add this part's viewsets to the project's API router."""
