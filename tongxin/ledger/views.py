"""Pages of ledger (being built)."""

urlpatterns: list = []
