"""Django permissions from roles, so apps below `units` can ask `user.has_perm(...)` without knowing roles."""

from tongxin.units import scope
from tongxin.units.models import Role

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.AUDITOR: frozenset({"core.view_auditevent", "core.export_auditevent"}),
    Role.SYSTEM_ADMIN: frozenset({"core.change_settings"}),
}


class RolePermissionBackend:
    """Grants the permissions of a user's roles; authenticates nobody."""

    def authenticate(self, request, **credentials):
        return None

    def get_user(self, user_id):
        return None

    def has_perm(self, user_obj, perm, obj=None):
        if not user_obj.is_active:
            return False
        return any(perm in ROLE_PERMISSIONS.get(role, ()) for role in scope.scope_of(user_obj).roles)
