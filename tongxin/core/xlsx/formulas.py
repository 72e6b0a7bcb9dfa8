"""Cells that can never be read as a formula when an export is opened in a spreadsheet (CSV injection).

`neutralise` is the one rule every xlsx and CSV export applies to each cell (OWASP, "CSV
Injection"): a text value that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is
written with a leading `'`, so `=HYPERLINK("http://evil","x")` typed as a login name or a
donor's name reaches the reader as text. `csv_writer` is a CSV writer for streamed responses
that applies it to every cell it writes.

The rule touches text only, never numbers: an int, float or Decimal (a negative amount, say)
is not a str and passes unchanged, so it stays a number in a workbook and is written by the
csv module as the number it is. Text that is itself a plain number ("-5", "+3.5", as code
sometimes formats an amount before writing it) passes unchanged too: a spreadsheet reads it
as that number and evaluates nothing, and prefixing it would turn the number into text.
Anything else that merely looks numeric ("-5+3", "-1e3") is neutralised.

`restore` undoes it when a workbook is read back (core.xlsx.reading), so an export re-imported
gives back the text that was exported.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def neutralise(value: Any) -> Any:
    """`value` with a leading `'` if it is text a spreadsheet could take for a formula (see the module)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def restore(text: str) -> str:
    """The text `neutralise` was given, for text it produced: the leading `'` dropped again."""
    if text.startswith("'") and neutralise(text[1:]) == text:
        return text[1:]
    return text


class _Echo:
    """A file-like object whose write returns the line, for streaming a CSV response row by row."""

    def write(self, value: str) -> str:
        return value


class SafeCsvWriter:
    """csv.writer for a streamed response: `writerow` neutralises each cell and returns the line."""

    def __init__(self) -> None:
        self._writer = csv.writer(_Echo())

    def writerow(self, values: Iterable[Any]) -> str:
        line: str = self._writer.writerow([neutralise(v) for v in values])
        return line


def csv_writer() -> SafeCsvWriter:
    """A writer whose every cell goes through `neutralise`: the one way our CSV exports write rows."""
    return SafeCsvWriter()
