"""REST API of command and dispatch: responses, directives and deliveries, duty rosters and
check-ins, dispatch meetings and action items. Every viewset is a scoped base (core.views_base)."""


def register(router) -> None:
    """Add this app's viewsets to the project's API router."""
    from tongxin.command.api import meetings

    router.register("command/meetings", meetings.MeetingViewSet, basename="meeting")
    router.register("command/action-items", meetings.ActionItemViewSet, basename="action-item")
