"""/donations/: an organisation's staff land on their board (the donations part); a bureau on the overview."""

from django.shortcuts import redirect
from django.urls import path

from tongxin.core.views_base import as_scoped_view
from tongxin.units import scope
from tongxin.units.models import Category, Unit


@as_scoped_view
def index(request):
    """An organisation's staff land on their donations; everyone else on the bureaus' overview."""
    s = scope.scope_of(request.user)
    if s.units.get(scope.READ) and not s.read_prefixes:
        if Unit.objects.filter(pk__in=s.units[scope.READ], category=Category.SOCIAL_ORG).exists():
            return redirect("donations:donations")
    return redirect("donations:overview")


urlpatterns: list = [path("", index, name="index")]
