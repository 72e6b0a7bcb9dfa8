"""REST API of mobilization: people, posts, shifts and assignments, attendance, service records,
activity reports, certificates and the overview. Every viewset is a scoped base (core.views_base)."""


def register(router) -> None:
    """Add this app's viewsets to the project's API router."""
    from tongxin.mobilization.api import checkin, overview, people, posts, records

    for part in (people, posts, checkin, records, overview):
        part.register(router)
