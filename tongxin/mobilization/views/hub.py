"""/mobilization/: the organisation's board for its staff, the overview for a bureau."""

from django.shortcuts import redirect
from django.urls import path

from tongxin.core.views_base import as_scoped_view
from tongxin.units import scope
from tongxin.units.models import Category


@as_scoped_view
def index(request):
    """An organisation's staff land on their board; everyone else on the bureaus' overview."""
    s = scope.scope_of(request.user)
    if s.units.get(scope.READ) and not s.read_prefixes:
        from tongxin.units.models import Unit

        if Unit.objects.filter(pk__in=s.units[scope.READ], category=Category.SOCIAL_ORG).exists():
            return redirect("mobilization:board")
    return redirect("mobilization:overview")


urlpatterns: list = [path("", index, name="index")]
