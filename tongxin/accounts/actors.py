"""`user_of(actor)`: the account behind a service's `actor` (core.types.Actor), for the `created_by`
and similar foreign keys; None for the system itself and for an anonymous visitor."""

from __future__ import annotations

from typing import cast

from tongxin.accounts.models import User
from tongxin.core.types import Actor


def user_of(actor: Actor) -> User | None:
    if actor is None or not actor.is_authenticated:
        return None
    return cast(User, actor)
