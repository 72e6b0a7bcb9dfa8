"""Pages of the stock part."""

urlpatterns: list = []
