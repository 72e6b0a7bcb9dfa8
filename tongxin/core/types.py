"""Types every app's services share.

`Actor` is who does a thing: a signed-in user (the request's `user`), or None for the system
itself (the demo builder, a management command run by an operator). Core imports no app of ours,
so it names Django's base user; scope treats an anonymous or inactive user as one who sees nothing.
"""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

Actor: TypeAlias = AbstractBaseUser | AnonymousUser | None
