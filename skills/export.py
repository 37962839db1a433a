"""Spreadsheet exports (CSV and Excel) whose cells a spreadsheet never runs as formulas.

Every download Skill Atlas offers goes through :func:`to_csv_bytes` or
:func:`to_xlsx_bytes`, which both start from :func:`safe_frame`:

- every text cell, whatever the column's dtype (``object``, pandas' ``str`` /
  ``string[python]`` / ``string[pyarrow]``, ``category``, or a value of another
  type in a mixed column, written as its text), and every column name, that
  starts with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a line feed
  (or the full-width ``＝ ＋ － ＠``) gets a leading ``'`` (OWASP's advice
  against CSV injection), so ``=HYPERLINK("http://evil.example","x")`` arrives
  as the text ``'=HYPERLINK(...)``;
- numbers, booleans, dates and missing values are left as they are (a negative
  number is a number, not a formula);
- in the Excel workbook every text cell is also written with the string data
  type (openpyxl's ``'s'``), never inferred, and characters a workbook cannot
  hold (ASCII control characters) are dropped.
"""

from __future__ import annotations

import io
import math
import numbers
from collections.abc import Hashable
from datetime import UTC, date, datetime

import pandas as pd
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell  # type: ignore[import-untyped]

# What a spreadsheet may read as the start of a formula (OWASP CSV injection), and the
# full-width forms some spreadsheets fold into them.
FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")


def safe_text(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would read it as a formula."""
    return "'" + text if text[:1] in FORMULA_STARTS else text


def safe_cell(value: object) -> object:
    """A cell as exported: text made safe by :func:`safe_text`; numbers, booleans,
    dates and missing values unchanged; any other value written as safe text."""
    if _missing(value) or isinstance(value, bool | numbers.Number | date):
        return value
    if isinstance(value, str):
        return safe_text(value)
    return safe_text(str(value))


def _missing(value: object) -> bool:
    return value is None or value is pd.NaT or value is pd.NA


def _label(name: Hashable) -> str:
    return safe_text(str(name))


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell and column name passed through :func:`safe_text`.

    Numeric, boolean and datetime columns are kept as they are; every other
    column (whatever its dtype) is rebuilt cell by cell with :func:`safe_cell`,
    as ``object``.
    """
    out = pd.DataFrame(index=range(len(frame)))
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position].reset_index(drop=True)
        dtype = column.dtype
        keep = (
            pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype)
        ) and not isinstance(dtype, pd.CategoricalDtype)
        values = column if keep else pd.Series([safe_cell(v) for v in column], dtype=object)
        out.insert(position, _label(frame.columns[position]), values, allow_duplicates=True)
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` (without its index) as UTF-8 CSV with a BOM, after :func:`safe_frame`.

    Rows end with CRLF (RFC 4180), so a cell holding a carriage return or a line
    feed is quoted and cannot start a row of its own.
    """
    return safe_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def _xlsx_value(value: object) -> object:
    """A cell value openpyxl can write: text without illegal characters, naive datetimes."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if _missing(value) or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str = "Sheet1") -> bytes:
    """``frame`` (without its index) as an Excel workbook of one sheet, after :func:`safe_frame`.

    Text cells are written with the string data type, so nothing in them is a formula.
    Time zones are converted to UTC and dropped (Excel has none).
    """
    safe = safe_frame(frame)
    book = Workbook(write_only=True)
    ws = book.create_sheet(ILLEGAL_CHARACTERS_RE.sub("", sheet)[:31] or "Sheet1")

    def row(values: list[object]) -> list[WriteOnlyCell]:
        cells = []
        for raw in values:
            value = _xlsx_value(raw)
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            cells.append(cell)
        return cells

    ws.append(row([str(c) for c in safe.columns]))
    for values in safe.itertuples(index=False, name=None):
        ws.append(row(list(values)))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


__all__ = [
    "FORMULA_STARTS",
    "safe_cell",
    "safe_frame",
    "safe_text",
    "to_csv_bytes",
    "to_xlsx_bytes",
]
