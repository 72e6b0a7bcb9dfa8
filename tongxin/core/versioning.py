"""Definitions that change over time — report forms, checklists, and later directive and post
templates — and the one service that versions them.

A definition has a stable identity (`VersionedDefinition`: code, name, description) and numbered,
immutable versions (`DefinitionVersion`: number, definition JSON, created_by, created_at). Work
filed against a definition (a report, an inspection) points at the version it was filed on, so
a new version never changes it. A concrete version model declares its foreign key to the
identity with `related_name="versions"` and a unique (identity, number) constraint.

`define_version` guarantees that
- the definition is judged by the kind's own validator first (a `DefinitionError` lists every
  problem) and a refused one changes nothing;
- defining it again unchanged creates nothing and returns the latest version;
- adding a version to an existing definition is allowed only when the kind's `may_version`
  says so (the caller decides who: today units.scope.may_version);
- the version number is the previous one plus one, under a row lock on the identity, and the
  identity, its changes and the new version are audited, all in one transaction.

This module imports no app of ours.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core import audit
from tongxin.core.querysets import ScopedQuerySet
from tongxin.core.types import Actor


class DefinitionError(ValueError):
    """A malformed definition; `errors` is a list of messages, each naming what is wrong."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


class VersionedDefinition(models.Model):
    """The stable identity of a definition that changes over time."""

    code = models.SlugField(gettext_lazy("代码"), max_length=50, unique=True)
    name = models.CharField(gettext_lazy("名称"), max_length=100)
    name_en = models.CharField(gettext_lazy("英文名称"), max_length=100, blank=True)
    description = models.TextField(gettext_lazy("说明"), blank=True)
    created_at = models.DateTimeField(gettext_lazy("创建时间"), auto_now_add=True)

    versions: Any  # the reverse of the version model's foreign key (related_name="versions")

    objects = ScopedQuerySet.as_manager()
    scope_shared = True  # shared configuration: every signed-in user reads it

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def latest_version(self) -> Any:
        return self.versions.order_by("-number").first()

    def first_version(self) -> Any:
        return self.versions.order_by("number").first()


class DefinitionVersion(models.Model):
    """One numbered, immutable version of a definition."""

    number = models.PositiveIntegerField(gettext_lazy("版本"))
    definition = models.JSONField(gettext_lazy("定义"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   verbose_name=gettext_lazy("创建人"))
    created_at = models.DateTimeField(gettext_lazy("创建时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_shared = True

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError(f"{type(self).__name__} is immutable: define a new version instead")
        super().save(*args, **kwargs)


D = TypeVar("D", bound=VersionedDefinition)
VERSIONS = "versions"  # the related_name every version model gives its foreign key to the identity


def version_model(definition_model: type[VersionedDefinition]) -> tuple[type[DefinitionVersion], str]:
    """The version model of `definition_model` and the name of its foreign key to it."""
    relation = definition_model._meta.get_field(VERSIONS)
    model = relation.related_model
    if not (isinstance(relation, models.ManyToOneRel) and isinstance(model, type)
            and issubclass(model, DefinitionVersion)):
        raise ImproperlyConfigured(f"{definition_model.__name__}.versions is not the reverse of a DefinitionVersion")
    return model, relation.field.name


@transaction.atomic
def define_version(
    actor: Actor,
    *,
    definition_model: type[D],
    code: str,
    name: str,
    definition: Any,
    validate: Callable[[Any], dict[str, Any]],
    may_version: Callable[[D], bool],
    refused: str,
    name_en: str = "",
    description: str = "",
    renames: bool = True,
) -> DefinitionVersion:
    """Create the definition `code` with version 1, or add the next version; see the module docstring.

    `validate(definition)` returns the clean definition or raises DefinitionError. `may_version(identity)`
    says whether `actor` may change an existing definition; `refused` is the message when not.
    With `renames`, the identity's name, English name and description follow each call (and a
    call changing only them changes the identity but adds no version); without it they stay as
    first defined. `actor` None is the system (built-in definitions).
    """
    try:
        definition = validate(definition)
    except DefinitionError as exc:
        raise ValidationError({"definition": exc.errors}) from None
    name, name_en = name.strip(), name_en.strip()
    if not name:
        raise ValidationError({"name": [_("请填写名称")]})
    model, fk = version_model(definition_model)
    # The manager is declared on the abstract base, so the stubs type its rows as the base: they are Ds.
    identity = cast("D | None", definition_model.objects.select_for_update().filter(code=code).first())
    if identity is None:
        identity = definition_model(code=code, name=name, name_en=name_en, description=description)
        identity.full_clean()
        identity.save()
        audit.record_change(actor, identity, None)
        number = 1
    else:
        last: DefinitionVersion | None = identity.latest_version()
        same_identity = not renames or (identity.name, identity.name_en) == (name, name_en)
        if last is not None and last.definition == definition and same_identity:
            return last
        if not may_version(identity):
            raise PermissionDenied(refused)
        if renames:
            before = audit.snapshot(identity)
            identity.name, identity.name_en, identity.description = name, name_en, description
            identity.full_clean()
            identity.save()
            audit.record_change(actor, identity, before)
        if last is not None and last.definition == definition:
            return last
        number = (last.number if last else 0) + 1
    version = model(**{fk: identity}, number=number, definition=definition,
                    created_by=actor)  # type: ignore[misc]  # AUTH_USER_MODEL: core cannot name it
    version.save()
    audit.record_change(actor, version, None)
    return version
