"""The released results as a file: CSV (exactly what ``itembank results`` prints) and XLSX.

Both take :func:`itembank.services.results.current_results` — the latest release with every
objection and annulment applied — and keep its columns and order. The CSV is the table's text
as stored. In the XLSX a cell that is a plain decimal number (``28``, ``27.5``, ``5.512``; no
leading zero, at most 15 significant digits, so the number is exactly the text) is a number
cell and everything else — candidate codes always — stays text.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from itembank.io.tables import write_table

__all__ = ["results_csv", "results_xlsx", "xlsx_cell_value"]

_PLAIN_NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?")
_TEXT_COLUMNS = ("candidate",)


def results_csv(table: pd.DataFrame) -> str:
    """The results as CSV text (comma-separated, a header row, no index)."""
    return table.to_csv(index=False)


def xlsx_cell_value(value: Any) -> str | int | float:
    """A results cell for XLSX: a plain decimal number as a number, anything else as text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    if _PLAIN_NUMBER.fullmatch(text) and len(text.replace("-", "").replace(".", "").lstrip("0")) <= 15:
        return int(text) if "." not in text else float(text)
    return text


def results_xlsx(table: pd.DataFrame) -> bytes:
    """The results as an XLSX workbook (one sheet, ``results``)."""
    rows = [[str(v) if c in _TEXT_COLUMNS else xlsx_cell_value(v) for c, v in zip(table.columns, row)]
            for row in table.itertuples(index=False)]
    with tempfile.TemporaryDirectory() as folder:
        path = write_table(Path(folder) / "results.xlsx", [str(c) for c in table.columns], rows, sheet_name="results")
        return path.read_bytes()
