"""Scope rows of the delivery log (core.outbound.views): the system administrator's page only."""

from tests.scope.matrix import row

ROWS = [
    row("system:deliveries", ok={"sysadmin"}, other=403),
]
