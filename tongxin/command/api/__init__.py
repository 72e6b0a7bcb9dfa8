"""REST API of command and dispatch: responses, directives and deliveries, duty rosters and
check-ins, dispatch meetings and action items. Every viewset is a scoped base (core.views_base)."""

from tongxin.command.api import receiving


def register(router) -> None:
    """Add this app's viewsets to the project's API router."""
<<<<<<< HEAD
    from tongxin.command.api.board import DirectiveBoardViewSet

    router.register(r"directives/(?P<directive_pk>[0-9]+)/board", DirectiveBoardViewSet, basename="directive-board")
=======
    receiving.register(router)
>>>>>>> recv
