"""REST API of command and dispatch: responses, directives and deliveries, duty rosters and
check-ins, dispatch meetings and action items. Every viewset is a scoped base (core.views_base)."""


def register(router) -> None:
    """Add this app's viewsets to the project's API router."""
    from tongxin.command.api.board import DirectiveBoardViewSet
    from tongxin.command.api.chase import DirectiveRemindViewSet
    from tongxin.command.api.directives import DirectiveViewSet
    from tongxin.command.api.duty import DutyShiftViewSet
    from tongxin.command.api.meetings import ActionItemViewSet, MeetingViewSet
    from tongxin.command.api.receiving import DeliveryViewSet  # the issuing side's, with sign/feedback/forward
    from tongxin.command.api.responses import ResponseViewSet

    router.register("directives", DirectiveViewSet, basename="directive")
    router.register("directives", DirectiveRemindViewSet, basename="directive-remind")  # only …/{id}/remind/
    router.register(r"directives/(?P<directive_pk>[0-9]+)/board", DirectiveBoardViewSet, basename="directive-board")
    router.register("deliveries", DeliveryViewSet, basename="delivery")
    router.register("responses", ResponseViewSet, basename="response")
    router.register("duty-shifts", DutyShiftViewSet, basename="duty-shift")
    router.register("meetings", MeetingViewSet, basename="meeting")
    router.register("action-items", ActionItemViewSet, basename="action-item")
