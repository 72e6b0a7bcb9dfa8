"""Excel (.xlsx) in and out, for every module.

- `reading`: an upload read without trusting it; the header row found, its columns matched.
- `cells`: numbers as people type them (full-width digits, thousands commas; words refused).
- `pipeline`: the one import pipeline — a column spec (`ImportSpec`, `Column`) plus a row
  handler (`RowHandler`) given to `run_import`: all cell errors at once, all-or-nothing, dry run.
- `staging`: an upload kept between its preview and the user's confirmation.
- `writing`: an export written in constant memory and streamed.
- `formulas`: the one rule that keeps every exported cell (xlsx and CSV) from being read as a formula.

This package imports no app of ours, so every module's import and export can use it.
"""

from tongxin.core.xlsx import cells
from tongxin.core.xlsx.formulas import csv_writer, neutralise
from tongxin.core.xlsx.pipeline import (
    SKIPPED,
    ImportResult,
    ImportSpec,
    PreviewRow,
    Row,
    RowHandler,
    record_rejection,
    run_import,
)
from tongxin.core.xlsx.reading import (
    ERROR,
    HEADER_SEARCH_ROWS,
    NOTICE,
    CellError,
    CellMessage,
    Column,
    Level,
    Rule,
    SheetData,
    SheetRow,
    WorkbookRejected,
    iter_chunks,
    normalize_header,
    read_sheet,
)
from tongxin.core.xlsx.writing import (
    HEADER_ROW,
    PLAIN_TYPES,
    TITLE_ROW,
    XLSX_CONTENT_TYPE,
    display_width,
    stream_xlsx,
    write_xlsx,
)

__all__ = [
    "SKIPPED", "cells", "csv_writer", "neutralise", "record_rejection",
    "ERROR", "HEADER_ROW", "HEADER_SEARCH_ROWS", "NOTICE", "PLAIN_TYPES", "TITLE_ROW", "XLSX_CONTENT_TYPE",
    "CellError", "CellMessage", "Column", "ImportResult", "ImportSpec", "Level", "PreviewRow", "Row", "RowHandler",
    "Rule", "SheetData", "SheetRow", "WorkbookRejected", "display_width", "iter_chunks", "normalize_header",
    "read_sheet", "run_import", "stream_xlsx", "write_xlsx",
]
