"""The notification centre's pages (being built)."""

urlpatterns: list = []
