"""The look every written workbook shares: the header cell (white bold on dark blue, wrapped)
and the pale yellow of cells a person fills in. Used by the templates (:mod:`chokepoint.io`) and
by every rendered workbook (:mod:`chokepoint.report.workbook`).
"""

from __future__ import annotations

from typing import Any

HEADER_FILL = "1F3864"
FILL_IN = "FFF2CC"


def style_header(cell: Any) -> None:
    """Style ``cell`` (an openpyxl cell) as a column header."""
    from openpyxl.styles import Alignment, Font, PatternFill

    cell.font = Font(bold=True, color="FFFFFF")
    cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
    cell.alignment = Alignment(wrap_text=True, vertical="center")
