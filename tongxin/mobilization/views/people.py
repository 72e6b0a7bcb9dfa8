"""Mobilization: the pages of the people part."""

urlpatterns: list = []
