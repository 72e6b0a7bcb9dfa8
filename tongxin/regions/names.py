"""Regions written as people write them in their own lists: a code or a name.

`RegionNames` reads the region tree once and `match(text)` answers the regions a cell may mean:
- a GB/T 2260 code, six digits (full-width digits too), or the 12-digit statistical code of a
  county (430921000000);
- a name as such (南县, 城步苗族自治县), in short (城步, 湘西), or with the names above it, full or
  short, with or without spaces or slashes (益阳市南县, 湖南省益阳市南县, 益阳 南县, 湖南/益阳/南县).
Several regions may answer one name (新华区 is in three cities, 湘潭 is a city and a county): the
caller decides, for instance by keeping those in the user's scope, and says so when more remain.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import product

from tongxin.regions.models import Region

# What a region's name ends in: its level, with the nationalities of an autonomous one.
_SUFFIX = re.compile(r"(?:[\u4e00-\u9fff]{1,3}族)*自治(?:州|县|旗|区)|特别行政区|地区|林区|[省市县区旗盟]")
_SEPARATORS = re.compile(r"[\s/\\|·•,，、\-—_]+")


def short_name(name: str) -> str:
    """城步苗族自治县 → 城步, 益阳市 → 益阳; kept as is when that would leave one character (南县)."""
    for cut in range(2, len(name)):
        if _SUFFIX.fullmatch(name[cut:]):
            return name[:cut]
    return name


def clean_name(text: str) -> str:
    """A region as written, without spaces and separators and with full-width forms folded (NFKC)."""
    # NFKC again after the separators go: "A´·B" folds to "A\u0301·B", and without the "·" the
    # accent composes, so the name is the same however often it is cleaned.
    return unicodedata.normalize("NFKC", _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))).strip()


class RegionNames:
    """Every region by code and by the names it goes by; built from one query over the tree."""

    def __init__(self) -> None:
        rows = list(Region.objects.values_list("code", "name", "parent_id"))
        self.by_code: dict[str, tuple[str, str | None]] = {code: (name, parent) for code, name, parent in rows}
        self.by_name: dict[str, set[str]] = {}
        for code in self.by_code:
            for key in self._keys(code):
                self.by_name.setdefault(key, set()).add(code)

    def _chain(self, code: str) -> list[str]:
        names: list[str] = []
        node: str | None = code
        guard = 0
        while node is not None and node in self.by_code and guard < 5:
            name, parent = self.by_code[node]
            names.append(name)
            node, guard = parent, guard + 1
        return list(reversed(names))

    def _keys(self, code: str) -> set[str]:
        *above, own = self._chain(code)
        forms = [{name, short_name(name)} for name in above]
        keys = {own, short_name(own)}
        # Any of the names above may be written (in full or short) or left out, in order.
        for picks in product(*[[None, *sorted(f)] for f in forms]):
            prefix = "".join(p for p in picks if p)
            if prefix:
                keys |= {prefix + own, prefix + short_name(own)}
        return {clean_name(k) for k in keys if k}

    def label(self, code: str) -> str:
        """湖南省益阳市南县（430921）."""
        return f"{''.join(self._chain(code))}（{code}）"

    def match(self, text: str) -> list[str]:
        """The codes `text` may mean, by code first, then by name; [] when none."""
        cleaned = clean_name(str(text))
        if re.fullmatch(r"\d{12}", cleaned) and cleaned.endswith("000000"):
            cleaned = cleaned[:6]
        if re.fullmatch(r"\d{6}", cleaned):
            return [cleaned] if cleaned in self.by_code else []
        return sorted(self.by_name.get(cleaned, ()))
