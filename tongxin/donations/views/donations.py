"""Pages of the donations part."""

urlpatterns: list = []
