from django.urls import path

from tongxin.units import excel_views, pickers, views

app_name = "units"
urlpatterns = [
    path("", views.UnitListView.as_view(), name="list"),
    path("new/", views.UnitCreateView.as_view(), name="create"),
    path("export.xlsx", excel_views.export_units, name="export"),
    path("import/", excel_views.UnitImportView.as_view(), name="import"),
    path("import/template.xlsx", excel_views.import_template, name="import-template"),
    path("pick/regions/", pickers.RegionPickView.as_view(), name="pick-regions"),
    path("pick/units/", pickers.UnitPickView.as_view(), name="pick-units"),
    path("<int:pk>/", views.UnitDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.UnitUpdateView.as_view(), name="edit"),
]
