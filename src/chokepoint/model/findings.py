"""The problems validation finds, each located at the file, row and column the user sees.

:class:`Findings` collects errors and warnings while the rules of
:mod:`chokepoint.model.validate` run, so that every problem is reported at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from chokepoint.errors import Problem
from chokepoint.model.tables import RawTable

#: A row's message: a fixed text, or a function of the row.
Reason = str | Callable[[pd.Series], str]


class Findings:
    """Errors and warnings found in ``blocks``, each naming its block's source, row and column."""

    def __init__(self, blocks: Sequence[RawTable]) -> None:
        self.blocks = list(blocks)
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def report(self, problem: Problem) -> None:
        """Keep ``problem`` (a reader's, say) with the errors or the warnings."""
        (self.warnings if problem.severity == "warning" else self.errors).append(problem)

    def add(
        self,
        src: int,
        row: int | None,
        column: str | None,
        reason: str,
        code: str,
        severity: str = "error",
    ) -> None:
        """Report a problem of block ``src`` (row ``None``: the whole block)."""
        block = self.blocks[src]
        self.report(
            Problem(
                source=block.source,
                row=None if row is None else int(row),
                column=None if column is None else block.label(column),
                reason=reason,
                severity="warning" if severity == "warning" else "error",
                code=code,
            )
        )

    def add_rows(
        self,
        frame: pd.DataFrame,
        mask: npt.ArrayLike,
        column: str | None,
        reason: Reason,
        code: str,
        severity: str = "error",
    ) -> None:
        """Report every row of ``frame`` where ``mask`` holds; ``reason`` is a str or row -> str.

        ``frame`` carries each row's block (``_src``) and row number (``_row``).
        """
        for _, r in frame[np.asarray(mask, dtype=bool)].iterrows():
            text = reason(r) if callable(reason) else reason
            self.add(int(r["_src"]), int(r["_row"]), column, text, code, severity)

    def where(self, r: pd.Series) -> str:
        """``"nodes.csv row 4"``: where row ``r`` (with ``_src`` and ``_row``) was read."""
        return f"{self.blocks[int(r['_src'])].source} row {int(r['_row'])}"


def row_message(template: str, column: str) -> Callable[[pd.Series], str]:
    """Make a row -> message function: ``template`` formatted with the row's ``value`` in ``column``."""

    def message(r: pd.Series) -> str:
        return template.format(value=r[column])

    return message


def fmt(v: float) -> str:
    """Format a number as short as it reads: ``0.03``, ``1``, ``inf``."""
    return f"{v:g}"
