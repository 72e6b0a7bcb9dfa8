"""Reads over the region tree."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from tongxin.core.pinyin import search_term
from tongxin.regions.models import Region
from tongxin.regions.names import clean_name, short_name


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


# The endings a division's name may be written without (益阳 for 益阳市, 湖南 for 湖南省).
MAX_CANDIDATES = 10


def compact(term: str) -> str:
    """A typed region term without spaces and separators, full-width forms folded: '益阳市 南县' → '益阳市南县'."""
    return clean_name(term or "")


def code_of_prefix(digits: str) -> str | None:
    """The code a string of digits names: six digits itself, or a 2- or 4-digit prefix padded with
    zeros (43 → 430000 the province, 4309 → 430900 the city); None for other lengths."""
    if not (digits.isascii() and digits.isdigit()):  # '²' and '٤' are digits to Python, not to GB/T 2260
        return None
    if len(digits) == 6:
        return digits
    if len(digits) in (2, 4):
        return digits.ljust(6, "0")
    return None


def _path_matches(region: Region, rest: str) -> bool:
    """Whether `rest` (what precedes the region's own name) is made of its ancestors' names, top
    down, each possibly shortened and any of them left out: '湖南省益阳市', '益阳', '湖南' for 南县."""
    for ancestor in ancestors(region):
        for form in (ancestor.name, short_name(ancestor.name)):
            if rest.startswith(form):
                rest = rest[len(form):]
                break
    return rest == ""


def lookup(term: str, within: Q | None = None) -> list[list[Region]]:
    """The divisions a person may mean by `term` (not a code), best guesses first, as tiers:
    the exact name; a path of names (益阳市南县); the name without its ending (益阳, 慈利); the exact
    full pinyin or initials (nanxian, nx); pinyin or initials that start so (nanx). The caller takes
    the first tier with a match it may use; within a tier, more than one region is ambiguous. With
    `within`, only the regions it keeps are candidates (before each tier's limit, so the country's
    other 南县-like names cannot crowd out the user's own)."""
    text = compact(term)
    if not text:
        return []
    key = search_term(text)
    regions = Region.objects.filter(within) if within is not None else Region.objects.all()
    order = ("level", "code")
    if key:
        return [
            list(regions.filter(Q(pinyin=key) | Q(initials=key)).order_by(*order)[:MAX_CANDIDATES]),
            list(regions.filter(Q(pinyin__startswith=key) | Q(initials__startswith=key))
                 .order_by(*order)[:MAX_CANDIDATES]),
        ]
    suffixes = [text[i:] for i in range(1, len(text))]
    by_path = [r for r in regions.filter(name__in=suffixes).order_by(*order)
               if _path_matches(r, text[: -len(r.name)])]
    shortened = [r for r in regions.filter(name__startswith=text).order_by(*order)[:50]
                 if short_name(r.name) == text or short_name(r.name).endswith(text)]
    return [
        list(regions.filter(name=text).order_by(*order)[:MAX_CANDIDATES]),
        by_path[:MAX_CANDIDATES],
        shortened[:MAX_CANDIDATES],
        list(regions.filter(name__startswith=text).order_by(*order)[:MAX_CANDIDATES]),
    ]


def search(term: str, limit: int = 20, within: Q | None = None) -> list[Region]:
    """Find divisions as a person types: by code (or its start), Chinese name or a path of names,
    full pinyin or initials (南县: '4309', '南县', '益阳市南县', 'nx', 'nanxian'); the closest matches
    first; only those `within` keeps, when given."""
    text = compact(term)
    base = Region.objects.filter(within) if within is not None else Region.objects.all()
    if not text:
        return []
    if text.isdigit():
        return list(base.filter(code__startswith=text).order_by("code")[:limit])
    key = search_term(text)
    if key:
        match = Q(pinyin__startswith=key) | Q(initials__startswith=key)
        rank = Case(When(Q(pinyin=key) | Q(initials=key), then=Value(0)), default=Value(1),
                    output_field=IntegerField())
    else:
        match = Q(name__contains=text)
        rank = Case(When(name=text, then=Value(0)), When(name__startswith=text, then=Value(1)), default=Value(2),
                    output_field=IntegerField())
    found: list[Region] = list(base.filter(match).annotate(rank=rank).order_by("rank", "level", "code")[:limit])
    if not found and not key:  # a path of names (益阳市南县): the tiers of `lookup`
        candidates = list(dict.fromkeys(r for tier in lookup(text) for r in tier))
        allowed = set(base.filter(code__in=[r.code for r in candidates]).values_list("code", flat=True))
        found = [r for r in candidates if r.code in allowed][:limit]
    return found
