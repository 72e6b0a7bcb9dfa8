"""Mobilization API: the checkin part."""


def register(router) -> None:
    """Add this part's viewsets to the project's API router."""
