"""Reporting pages: admin (being built)."""

urlpatterns: list = []
