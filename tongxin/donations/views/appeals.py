"""Pages of the appeals part."""

urlpatterns: list = []
