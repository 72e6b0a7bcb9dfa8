"""Excel and CSV for reporting: the county clerk's batch (批量报送) and the consolidated table (汇总表).

- `common`: the assignment, region and units a user may ask for; the form's columns.
- `batch`: the pre-filled template and the all-or-nothing upload.
- `exports`: the day's consolidated table by region and by unit, as xlsx or CSV.
"""

from tongxin.reports.excel.batch import BatchRows, batch_spec, import_batch, template_response
from tongxin.reports.excel.common import (
    KEY,
    NAME,
    REASON,
    SHEET_TITLE,
    Column,
    expected_units,
    field_columns,
    get_assignment,
    get_region,
    shown,
)
from tongxin.reports.excel.exports import (
    Table,
    csv_response,
    expected_count,
    region_table,
    status_of,
    unit_table,
    xlsx_response,
)

__all__ = [
    "KEY", "NAME", "REASON", "SHEET_TITLE", "BatchRows", "Column", "Table", "batch_spec", "csv_response",
    "expected_count", "expected_units", "field_columns", "get_assignment", "get_region", "import_batch",
    "region_table", "shown",
    "status_of",
    "template_response", "unit_table", "xlsx_response",
]
