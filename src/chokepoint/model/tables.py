"""Raw input tables: untyped text cells plus where each row came from.

Readers (CSV folder, Excel workbook, JSON, source adapters) produce
:class:`RawTable` objects; :func:`chokepoint.model.validate.chain_from_tables`
checks them and builds the chain. Keeping the origin of every row lets each
problem name its file, row and column as the user sees them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class RawTable:
    """One block of rows of an exchange-format table, as read.

    Parameters
    ----------
    name : {"nodes", "edges", "actors", "provisions"}
        The exchange-format table these rows belong to.
    frame : DataFrame
        Text cells (``str``), columns already named as in the exchange format.
    source : str
        File (or ``workbook.xlsx[sheet]``) shown in problems.
    rows : sequence of int, optional
        Row number of each frame row as the user sees it; default: header is
        row 1, so frame row ``i`` is row ``i + 2``.
    labels : mapping, optional
        Exchange-format column -> column name in the source, when they differ.
    scales : mapping, optional
        Divisors applied to numeric columns, e.g. ``{"share": 100}`` for percent.
    """

    name: str
    frame: pd.DataFrame
    source: str
    rows: Sequence[int] | np.ndarray | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    scales: Mapping[str, float] = field(default_factory=dict)

    def row_numbers(self) -> np.ndarray:
        """Return the row number of each frame row as the user sees it (default: from 2, after the header)."""
        if self.rows is None:
            return np.arange(len(self.frame), dtype=np.int64) + 2
        return np.asarray(self.rows, dtype=np.int64)

    def label(self, column: str) -> str:
        """Return the source's name of exchange-format column ``column`` (itself when not relabelled)."""
        return self.labels.get(column, column)
