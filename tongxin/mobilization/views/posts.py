"""Mobilization: the pages of the posts part."""

urlpatterns: list = []
