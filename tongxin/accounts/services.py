"""Account writes: creating users and changing passwords, each audited."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from tongxin.accounts.models import User
from tongxin.core import audit


@transaction.atomic
def create_user(actor: User | None, *, username: str, password: str, full_name: str = "",
                phone: str = "", check_password: bool = True) -> User:
    """Create an active user with a hashed password; refuses a weak password unless told not to check."""
    user = User(username=username, full_name=full_name, phone=phone)
    if check_password:
        validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    audit.record_change(actor, user, None)
    return user
