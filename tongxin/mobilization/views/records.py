"""Mobilization: the pages of the records part."""

urlpatterns: list = []
