"""`Model.objects.restrict(user, mode)`: the queryset every scoped model's default manager returns.

Core knows no units, so it cannot say who sees what; it only gives every scoped model the same
method. The policy is registered by the app that owns it (`tongxin.units`, at start-up), and a
model says how it is scoped with one declaration (see `tongxin.units.scope`):
`scope_unit_path`, `scope_unit_field`, `scope_region_field` or `scope_owner_field`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import models

_M = TypeVar("_M", bound=models.Model)
Policy = Callable[..., "models.QuerySet[Any]"]
_policy: Policy | None = None
_region_resolver: Callable[..., Any] | None = None


def set_scope_policy(policy: Policy, region_resolver: Callable[..., Any]) -> None:
    """Register the function `restrict` calls, policy(queryset, user, mode=...) -> queryset, and
    the one reader of a region code from a request the base views call."""
    global _policy, _region_resolver
    _policy, _region_resolver = policy, region_resolver


def region_from_request(request: Any, param: str = "region", **kwargs: Any) -> Any:
    if _region_resolver is None:
        raise ImproperlyConfigured("no region resolver registered: is tongxin.units in INSTALLED_APPS?")
    return _region_resolver(request, param, **kwargs)


class ScopedQuerySet(models.QuerySet[_M]):
    def restrict(self, user: Any, mode: str = "read") -> ScopedQuerySet[_M]:
        """The part of this queryset `user` may reach in `mode` ("read", "write", "file", ...)."""
        if _policy is None:
            raise ImproperlyConfigured("no scope policy registered: is tongxin.units in INSTALLED_APPS?")
        return _policy(self, user, mode=mode)  # type: ignore[return-value]
