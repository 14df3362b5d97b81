"""Excel workbooks (.xlsx) read into rows of text cells through openpyxl, an optional extra."""

from __future__ import annotations

import datetime
from pathlib import Path

INSTALL_HINT = 'install the extra: pip install "nnsim[xlsx]" (or: uv sync --extra xlsx)'


def read_xlsx_cells(
    path: Path, sheet: str | None = None
) -> tuple[list[list[str]], list[int], str, tuple[str, ...]]:
    """Read one sheet of the workbook at `path`: the first, or the one named `sheet`.

    Out: the non-blank rows as text cells (numbers written so that they read back the same),
    the spreadsheet row number of each, the sheet's name and the names of all sheets. Raises
    TableImportError naming the file (openpyxl missing, not a workbook, no such sheet).
    """
    from .table_import import TableImportError

    name = Path(path).name
    try:
        import openpyxl  # optional: only people who open workbooks need it
    except ImportError:
        raise TableImportError(
            f"{name}: reading .xlsx workbooks needs openpyxl; {INSTALL_HINT}, or save the "
            "sheet as CSV"
        ) from None
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise TableImportError(f"{name}: not a readable .xlsx workbook ({exc})") from None
    try:
        sheets = tuple(workbook.sheetnames)
        if sheet is None:
            sheet = sheets[0]
        elif sheet not in sheets:
            listed = ", ".join(sheets)
            raise TableImportError(f"{name}: no sheet named {sheet!r}; the sheets are {listed}")
        rows: list[list[str]] = []
        lines: list[int] = []
        for number, values in enumerate(workbook[sheet].iter_rows(values_only=True), start=1):
            cells = [_text(value) for value in values]
            if any(cells):
                rows.append(cells)
                lines.append(number)
    finally:
        workbook.close()
    return rows, lines, sheet, sheets


def _text(value: object) -> str:
    """A cell's value as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):  # before int: True is an int too
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()
