"""REST API of command and dispatch: responses, directives and deliveries, duty rosters and
check-ins, dispatch meetings and action items. Every viewset is a scoped base (core.views_base)."""


def register(router) -> None:
    """Add this app's viewsets to the project's API router."""
    from tongxin.command.api.directives import DirectiveViewSet
    from tongxin.command.api.receiving import DeliveryViewSet  # the issuing side's, with sign/feedback/forward

    router.register("directives", DirectiveViewSet, basename="directive")
    router.register("deliveries", DeliveryViewSet, basename="delivery")
