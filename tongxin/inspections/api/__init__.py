"""REST API of inspections (隐患排查): checklists, campaigns and their progress, supervision teams,
inspections answered item by item, and the findings an inspector edits or merges before finishing.

Guarantees: checklists are shared configuration (readable by every signed-in user, defined by
officers); campaigns are read through `queries.visible_campaigns`, teams through the scope of
their bureau, inspections through the scope of their unit — anything else is a 404 that names no
model; progress is given only for a region inside both the campaign and the caller's scope; every
write goes through inspections/services.py; photos named in a write must be files the caller
uploaded for the inspected unit; errors come back field by field.
"""

from tongxin.inspections.api.campaigns import CampaignViewSet
from tongxin.inspections.api.checklists import ChecklistViewSet
from tongxin.inspections.api.inspections import InspectionViewSet
from tongxin.inspections.api.teams import TeamViewSet


def register(router) -> None:
    """Add this app's viewsets to the project's API router."""
    router.register("checklists", ChecklistViewSet, basename="checklist")
    router.register("campaigns", CampaignViewSet, basename="campaign")
    router.register("teams", TeamViewSet, basename="team")
    router.register("inspections", InspectionViewSet, basename="inspection")
