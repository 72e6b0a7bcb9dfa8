"""REST API of command and dispatch: responses, directives and deliveries, duty rosters and
check-ins, dispatch meetings and action items. Every viewset is a scoped base (core.views_base)."""

from tongxin.command.api import board, receiving


def register(router) -> None:
    """Add this app's viewsets to the project's API router."""
    from tongxin.command.api.directives import DirectiveViewSet

    router.register("directives", DirectiveViewSet, basename="directive")
    # dir's read-only DeliveryViewSet and recv's (with sign, feed back, forward) share "deliveries":
    # recv's is registered here; the lead keeps one.
    receiving.register(router)
    board.register(router)
