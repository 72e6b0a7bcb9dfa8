"""Reporting pages: overview (being built)."""

urlpatterns: list = []
