"""Placeholder, replaced by the Excel import/export work in progress."""

from django.http import HttpResponse
from django.views import View


def export_units(request):
    return HttpResponse(status=501)


def import_template(request):
    return HttpResponse(status=501)


class UnitImportView(View):
    pass
