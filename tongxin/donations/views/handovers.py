"""Pages of the handovers part."""

urlpatterns: list = []
