from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    name = "tongxin.units"
    label = "units"
    verbose_name = _("单位")

    def ready(self) -> None:
        # Core cannot import units: hand it the scope policy behind `Model.objects.restrict` and
        # the region every audit event is filed under.
        from tongxin.core import audit, querysets
        from tongxin.units import scope

        querysets.set_scope_policy(scope._policy, scope.region_from_request)
        audit.set_region_resolver(scope.audit_region)
