"""Web pages of the reporting module, one module per area: filing (a unit's daily report),
admin (forms and assignments), overview (completeness, figures), remind (催报 and its
confirmation), excel (batch upload and consolidated exports). Each module keeps its own `urlpatterns`."""
