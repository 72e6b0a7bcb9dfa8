"""Reporting pages: filing (being built)."""

urlpatterns: list = []
