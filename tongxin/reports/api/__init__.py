"""REST API of the reporting module: forms, assignments, reports (filed, corrected, history),
completeness and roll-ups.

Guarantees: every queryset passes through units/scope.py (reports by their unit, assignments
through `queries.visible_assignments`, completeness and roll-ups by the region asked for), so an
object or region outside the caller's scope is a 404; every write goes through services.py
(source "api"); filing and correcting honour the `Idempotency-Key` header — a retry with the same
key answers 200 with the first result and writes nothing; errors come back field by field.
"""

from rest_framework.routers import BaseRouter

from tongxin.reports.api.figures import CompletenessViewSet, RollupViewSet
from tongxin.reports.api.filing import ReportViewSet
from tongxin.reports.api.forms import AssignmentViewSet, FormViewSet


def register(router: BaseRouter) -> None:
    """Add this app's viewsets to the project's API router."""
    router.register("report-forms", FormViewSet, basename="report-form")
    router.register("assignments", AssignmentViewSet, basename="report-assignment")
    router.register("reports", ReportViewSet, basename="report")
    router.register("completeness", CompletenessViewSet, basename="completeness")
    router.register("rollups", RollupViewSet, basename="rollup")
