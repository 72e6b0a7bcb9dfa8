"""Who may authenticate: Django's model backend, refusing locked accounts as it refuses inactive ones.

Because `get_user` asks the same question, a session that was open when the account was locked
or deactivated stops working at its next request; the API token authentication (DRF) calls
`authenticate` for the token view and checks `is_active` itself, and `accounts.authentication`
adds the lock.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend


class AccountBackend(ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and not getattr(user, "is_locked", False)
