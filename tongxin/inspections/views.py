"""Pages of inspections (being built)."""

urlpatterns: list = []
