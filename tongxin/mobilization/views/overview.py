"""Mobilization: the bureaus' overview by region and day."""

urlpatterns: list = []
