"""Pages of mobilization, one module per part; each lists its own `urlpatterns`."""
