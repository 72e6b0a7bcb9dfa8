"""Reporting pages: excel (being built)."""

urlpatterns: list = []
