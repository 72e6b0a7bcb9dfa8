"""Mobilization: the pages of the checkin part."""

urlpatterns: list = []
