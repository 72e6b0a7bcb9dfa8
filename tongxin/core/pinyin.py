"""Pinyin search keys: how a Chinese name is found by typing `nanxian` or `nx`.

`search_keys(text)` gives the full pinyin and the initials of a name, lower-case ASCII letters and
digits only (南县敬老院 → ("nanxianjinglaoyuan", "nxjly")). It is deterministic: the same text always
gives the same keys (pypinyin's default readings, with its phrase dictionary for polyphonic
characters, so 长沙 is "changsha", not "zhangsha"). Keys are computed once, when a name is written,
and stored beside it; a query compares the stored keys with `search_term(term)`, never converts rows.
"""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

_NOT_KEY = re.compile(r"[^a-z0-9]+")


def _clean(parts: list[str]) -> str:
    return _NOT_KEY.sub("", "".join(parts).lower())


def search_keys(text: str) -> tuple[str, str]:
    """(full pinyin, initials) of `text`; characters that are not Chinese keep their letters and digits."""
    text = text or ""
    return _clean(lazy_pinyin(text)), _clean(lazy_pinyin(text, style=Style.FIRST_LETTER))


def search_term(term: str) -> str:
    """A typed term as a key to compare with stored keys: 'Nan Xian' → 'nanxian', "xi'an" → 'xian'.
    Empty when the term has Chinese (or nothing) in it: those are matched on the name itself."""
    term = (term or "").strip().lower()
    if not term.isascii():
        return ""
    return _NOT_KEY.sub("", term)
