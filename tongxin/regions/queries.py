"""Reads over the region tree."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tongxin.regions.models import Region


def subtree_bounds(prefix: str) -> tuple[str, str]:
    """The half-open code range [low, high) holding every code that starts with `prefix`.

    '4309' -> ('4309', '4310'); '43' -> ('43', '44'). Codes are digits only, so this
    ordering is the same under every collation.
    """
    if not prefix.isdigit():
        raise ValueError(f"not a region prefix: {prefix!r}")
    high = str(int(prefix) + 1).zfill(len(prefix))
    return prefix, high


def in_subtree(field: str, prefix: str) -> Q:
    """A Q object: `field` (a region code column) lies in the subtree of `prefix`."""
    low, high = subtree_bounds(prefix)
    return Q(**{f"{field}__gte": low, f"{field}__lt": high})


def subtree(region: Region, include_self: bool = True) -> QuerySet[Region]:
    """Every division under `region` (and the region itself unless told otherwise), one range query."""
    qs = Region.objects.filter(in_subtree("code", region.prefix))
    if not include_self:
        qs = qs.exclude(code=region.code)
    return qs


def chain(code: str) -> list[str]:
    """The codes from the province down to `code` itself, without repeats: '430921' →
    ['430000', '430900', '430921']. Pure code arithmetic (a prefecture may not exist as a row)."""
    return list(dict.fromkeys([code[:2] + "0000", code[:4] + "00", code]))


def ancestors(region: Region) -> list[Region]:
    """From the province down to the region's parent."""
    codes = set(chain(region.code)) - {region.code}
    return list(Region.objects.filter(code__in=codes, level__lt=region.level).order_by("level"))


def search(term: str, limit: int = 20) -> QuerySet[Region]:
    """Find a division by code, Chinese name, full pinyin or initials (南县: 'nx', 'nanxian')."""
    term = term.strip().lower()
    if not term:
        return Region.objects.none()
    if term.isdigit():
        return Region.objects.filter(code__startswith=term)[:limit]
    return Region.objects.filter(
        Q(name__contains=term) | Q(pinyin__startswith=term) | Q(initials__startswith=term)
    ).order_by("level", "code")[:limit]
