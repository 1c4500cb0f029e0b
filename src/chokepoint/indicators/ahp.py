r"""Analytic hierarchy process (AHP): priorities and consistency of a pairwise-comparison matrix.

A decision maker compares :math:`n` indicators in pairs on Saaty's 1-9 scale: :math:`a_{ij}` says
how many times indicator :math:`i` matters more than :math:`j`, with :math:`a_{ii} = 1` and
:math:`a_{ji} = 1 / a_{ij}` (a positive reciprocal matrix). Following Saaty (1977, 1980):

* the weights :math:`w` are the principal right eigenvector, :math:`A w = \lambda_{max} w`,
  normalised to :math:`\sum_i w_i = 1` (by Perron-Frobenius all :math:`w_i > 0`);
* the consistency index :math:`CI = (\lambda_{max} - n) / (n - 1)` (:math:`\lambda_{max} \ge n`,
  with equality exactly when :math:`a_{ij} = w_i / w_j` for all pairs);
* the consistency ratio :math:`CR = CI / RI(n)`, with :math:`RI(n)` the mean CI of random
  reciprocal matrices (:data:`RANDOM_INDEX`); a matrix is accepted when :math:`CR` does not
  exceed a threshold that depends on :math:`n` (:data:`CR_THRESHOLDS`, Saaty 1994).

References
----------
T. L. Saaty (1977), "A scaling method for priorities in hierarchical structures", Journal of
Mathematical Psychology 15(3), 234-281.
T. L. Saaty (1980), *The Analytic Hierarchy Process*, McGraw-Hill, New York.
T. L. Saaty (1994), "How to make a decision: the analytic hierarchy process", Interfaces 24(6),
19-43 (the thresholds 0.05, 0.08 and 0.10).
T. L. Saaty (2008), "Decision making with the analytic hierarchy process", International Journal
of Services Sciences 1(1), 83-98 (the random index table for n = 1..15).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from chokepoint.errors import UsageError

__all__ = [
    "CR_THRESHOLDS",
    "RANDOM_INDEX",
    "AhpResult",
    "InconsistentMatrixError",
    "ahp_weights",
    "cr_threshold",
]

# Saaty's random consistency index RI(n): the mean CI of randomly generated reciprocal matrices on
# the 1-9 scale, as tabulated in T. L. Saaty (1980), The Analytic Hierarchy Process (n = 1..10) and
# T. L. Saaty (2008), Int. J. Services Sciences 1(1), 83-98, table 2 (n = 1..15).
RANDOM_INDEX: Mapping[int, float] = MappingProxyType(
    {
        1: 0.0,
        2: 0.0,
        3: 0.58,
        4: 0.90,
        5: 1.12,
        6: 1.24,
        7: 1.32,
        8: 1.41,
        9: 1.45,
        10: 1.49,
        11: 1.51,
        12: 1.48,
        13: 1.56,
        14: 1.57,
        15: 1.59,
    }
)

# The largest acceptable CR per matrix size, after T. L. Saaty (1994), Interfaces 24(6), 19-43:
# 0.05 for a 3 x 3 matrix, 0.08 for a 4 x 4 one, 0.10 for larger ones. A matrix of size 1 or 2 is
# consistent by definition (its CR is 0); 0.10 is listed for it so that every size has a value.
CR_THRESHOLDS: Mapping[int, float] = MappingProxyType(
    {n: (0.05 if n == 3 else 0.08 if n == 4 else 0.10) for n in RANDOM_INDEX}
)


def _plain(label: Any) -> Any:
    """A label as a plain Python value (a numpy scalar's ``item()``), for JSON."""
    return label.item() if isinstance(label, np.generic) else label


@dataclass(frozen=True)
class AhpResult:
    r"""The priorities and the consistency of one pairwise-comparison matrix.

    Attributes
    ----------
    weights : pandas.Series
        The principal eigenvector, indexed by the matrix's labels, positive and summing to 1.
    lambda_max : float
        The principal eigenvalue :math:`\lambda_{max}`.
    ci : float
        The consistency index :math:`(\lambda_{max} - n) / (n - 1)` (0 for :math:`n \le 2`).
    cr : float
        The consistency ratio :math:`CI / RI(n)` (0 for :math:`n \le 2`).
    threshold : float
        The largest acceptable CR for this size.
    consistent : bool
        Whether ``cr <= threshold``.
    """

    weights: pd.Series
    lambda_max: float
    ci: float
    cr: float
    threshold: float
    consistent: bool

    def to_dict(self) -> dict[str, Any]:
        """The result as plain Python values: ``weights`` (label to weight), ``cr``,
        ``lambda_max``, ``ci``, ``threshold`` and ``consistent``.
        """
        return {
            "weights": {_plain(label): float(w) for label, w in self.weights.items()},
            "cr": float(self.cr),
            "lambda_max": float(self.lambda_max),
            "ci": float(self.ci),
            "threshold": float(self.threshold),
            "consistent": bool(self.consistent),
        }


class InconsistentMatrixError(UsageError):
    r"""The comparisons of a pairwise matrix contradict each other beyond the accepted CR.

    Attributes
    ----------
    cr, threshold, lambda_max : float
        The consistency ratio, the largest acceptable one and the principal eigenvalue.
    n : int
        The size of the matrix.
    worst_pair : tuple of (row label, column label, a_ij, w_i / w_j)
        The judgement furthest from the ratio the weights imply, the entry maximising
        :math:`|\log(a_{ij} w_j / w_i)|` (in the upper triangle).
    result : AhpResult
        The weights and consistency figures computed despite the inconsistency.
    """

    code = "inconsistent_matrix"

    def __init__(self, result: AhpResult, n: int, worst_pair: tuple[Any, Any, float, float]):
        self.result = result
        self.cr = result.cr
        self.threshold = result.threshold
        self.lambda_max = result.lambda_max
        self.n = n
        self.worst_pair = worst_pair
        row, col, value, implied = worst_pair
        super().__init__(
            f"the pairwise comparisons are inconsistent: CR = {self.cr:.4f} exceeds the threshold "
            f"{self.threshold:.4f} for a {n} x {n} matrix (lambda_max = {self.lambda_max:.4f}, "
            f"CI = {result.ci:.4f}). Revise the comparisons whose value differs most from the ratio "
            f"of the weights; the worst is a[{row!r}, {col!r}] = {value:.4g}, while the weights imply "
            f"about {implied:.4g}: change it (and its reciprocal a[{col!r}, {row!r}]) toward that "
            "value and check the comparisons linked to it"
        )

    def to_dict(self) -> dict[str, Any]:
        """The error's JSON shape, with ``cr``, ``threshold``, ``lambda_max``, ``ci``, ``n``,
        ``weights`` and ``worst_pair`` (``row``, ``column``, ``value``, ``implied``) in ``details``.
        """
        row, col, value, implied = self.worst_pair
        return {
            "code": self.code,
            "message": str(self),
            "details": {
                "cr": float(self.cr),
                "threshold": float(self.threshold),
                "lambda_max": float(self.lambda_max),
                "ci": float(self.result.ci),
                "n": self.n,
                "weights": {_plain(label): float(w) for label, w in self.result.weights.items()},
                "worst_pair": {"row": _plain(row), "column": _plain(col), "value": value, "implied": implied},
            },
        }


def cr_threshold(n: int, thresholds: Mapping[int, float] | None = None) -> float:
    """The largest acceptable consistency ratio for an ``n`` x ``n`` matrix.

    Parameters
    ----------
    n : int
        The size of the matrix.
    thresholds : mapping of int to float, optional
        Thresholds per size that replace the defaults; sizes not in it keep
        :data:`CR_THRESHOLDS` (0.05 for n = 3, 0.08 for n = 4, 0.10 otherwise; Saaty 1994).

    Returns
    -------
    float
        The threshold.
    """
    if thresholds is not None and n in thresholds:
        value = float(thresholds[n])
        if not math.isfinite(value) or value < 0:
            raise UsageError(f"the CR threshold for n = {n} must be a finite number >= 0, not {value!r}")
        return value
    return CR_THRESHOLDS.get(n, 0.10)


def _as_matrix(matrix: pd.DataFrame, tolerance: float) -> np.ndarray:
    """Check a pairwise matrix (square, same labels, positive, unit diagonal, reciprocal) and
    return its values with the columns in the order of the rows.
    """
    if not isinstance(matrix, pd.DataFrame):
        raise UsageError(
            f"the pairwise comparison matrix must be a pandas DataFrame, not {type(matrix).__name__}"
        )
    n_rows, n_cols = matrix.shape
    if n_rows == 0:
        raise UsageError("the pairwise comparison matrix is empty: compare at least one indicator")
    if n_rows != n_cols:
        raise UsageError(
            f"the pairwise comparison matrix must be square, it has {n_rows} rows and {n_cols} columns: "
            "give one row and one column per indicator"
        )
    rows, cols = list(matrix.index), list(matrix.columns)
    if len(set(rows)) != n_rows:
        dupes = sorted({str(r) for r in rows if rows.count(r) > 1})
        raise UsageError(f"the pairwise comparison matrix repeats row labels: {', '.join(dupes)}")
    if len(set(cols)) != n_cols:
        dupes = sorted({str(c) for c in cols if cols.count(c) > 1})
        raise UsageError(f"the pairwise comparison matrix repeats column labels: {', '.join(dupes)}")
    if set(rows) != set(cols):
        only_rows = [str(r) for r in rows if r not in set(cols)]
        only_cols = [str(c) for c in cols if c not in set(rows)]
        raise UsageError(
            "the row labels of the pairwise comparison matrix differ from its column labels: "
            f"only in the rows: {', '.join(only_rows)}; only in the columns: {', '.join(only_cols)}; "
            "label row i and column i with the same indicator"
        )
    rows = [_plain(r) for r in rows]
    frame = matrix.loc[:, list(matrix.index)]  # columns in the order of the rows
    try:
        a = frame.to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise UsageError(
            f"the pairwise comparison matrix holds a value that is not a number ({exc})"
        ) from None
    bad = ~np.isfinite(a) | (a <= 0)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        cell = f"a[{rows[i]!r}, {rows[j]!r}] = {float(a[i, j])!r}"
        raise UsageError(
            f"the comparison {cell} is not a positive finite number: "
            "pairwise comparisons are positive ratios (Saaty's scale runs from 1/9 to 9)"
        )
    diag_bad = np.abs(np.diag(a) - 1.0) > tolerance
    if diag_bad.any():
        i = int(np.flatnonzero(diag_bad)[0])
        raise UsageError(
            f"the diagonal entry a[{rows[i]!r}, {rows[i]!r}] = {float(a[i, i])!r} must be 1: "
            "an indicator is equally important as itself"
        )
    gap = np.abs(a * a.T - 1.0)
    gap[np.tril_indices(n_rows)] = 0.0
    if (gap > tolerance).any():
        i, j = np.unravel_index(int(np.argmax(gap)), gap.shape)
        count = int((gap > tolerance).sum())
        ij, ji = f"a[{rows[i]!r}, {rows[j]!r}]", f"a[{rows[j]!r}, {rows[i]!r}]"
        raise UsageError(
            f"the pairwise comparison matrix is not reciprocal: {ij} = {float(a[i, j])!r} and "
            f"{ji} = {float(a[j, i])!r} multiply to {float(a[i, j] * a[j, i])!r}, not 1 "
            f"(tolerance {tolerance:g}); set {ji} = 1 / {ij}"
            + (f" ({count} pairs are not reciprocal)" if count > 1 else "")
        )
    return a


def ahp_weights(
    matrix: pd.DataFrame,
    thresholds: Mapping[int, float] | None = None,
    tolerance: float = 1e-6,
    check: bool = True,
) -> AhpResult:
    r"""The AHP priorities of a pairwise-comparison matrix and its consistency (Saaty 1977, 1980).

    The weights are the principal right eigenvector :math:`w` of :math:`A`
    (:func:`numpy.linalg.eig`; the eigenvalue with the largest real part, the real part of its
    vector), normalised to :math:`\sum_i w_i = 1`; :math:`\lambda_{max}` is that eigenvalue's real
    part, :math:`CI = (\lambda_{max} - n)/(n - 1)` and :math:`CR = CI / RI(n)` with Saaty's random
    index (:data:`RANDOM_INDEX`). For :math:`n \le 2` a reciprocal matrix is consistent by
    definition: CI = CR = 0. A CI below 0 can only come from rounding (or from the reciprocity
    ``tolerance``) since :math:`\lambda_{max} \ge n`; it is reported as 0.

    Parameters
    ----------
    matrix : pandas.DataFrame
        Square, with the same labels on the rows and the columns (columns in another order are
        aligned to the rows by label); ``matrix.loc[i, j]`` is :math:`a_{ij}`.
    thresholds : mapping of int to float, optional
        The largest acceptable CR per size, replacing :data:`CR_THRESHOLDS` for the sizes it holds.
    tolerance : float
        How far :math:`a_{ii}` may be from 1 and :math:`a_{ij} a_{ji}` from 1 (entries such as
        0.333 for 1/3 are rounded; pass a larger tolerance for them).
    check : bool
        Raise :class:`InconsistentMatrixError` when CR exceeds the threshold; when false, return the
        result with ``consistent=False`` instead.

    Returns
    -------
    AhpResult
        The weights (indexed by label), :math:`\lambda_{max}`, CI, CR, the threshold and whether the
        matrix is consistent.

    Raises
    ------
    chokepoint.errors.UsageError
        When the matrix is not a positive reciprocal matrix with unit diagonal and matching labels,
        or is larger than 15 x 15 (no published random index).
    InconsistentMatrixError
        When ``check`` is true and CR exceeds the threshold.
    """
    if not (math.isfinite(tolerance) and tolerance >= 0):
        raise UsageError(f"tolerance must be a finite number >= 0, not {tolerance!r}")
    a = _as_matrix(matrix, tolerance)
    labels = [_plain(label) for label in matrix.index]
    n = a.shape[0]
    if n not in RANDOM_INDEX:
        raise UsageError(
            f"the pairwise comparison matrix has {n} indicators; Saaty's random index is published for "
            f"at most {max(RANDOM_INDEX)}: group the indicators into a hierarchy of smaller matrices"
        )
    threshold = cr_threshold(n, thresholds)
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    lambda_max = float(values[k].real)
    v = vectors[:, k].real
    w = v / v.sum()
    if not (np.all(np.isfinite(w)) and np.all(w > 0)):  # excluded by Perron-Frobenius
        raise UsageError("the principal eigenvector of the pairwise comparison matrix is not positive")
    if n <= 2:
        ci = cr = 0.0
    else:
        ci = max((lambda_max - n) / (n - 1), 0.0)
        cr = ci / RANDOM_INDEX[n]
    result = AhpResult(
        weights=pd.Series(w, index=pd.Index(labels), name="weight"),
        lambda_max=lambda_max,
        ci=ci,
        cr=cr,
        threshold=threshold,
        consistent=bool(cr <= threshold),
    )
    if check and not result.consistent:
        deviation = np.abs(np.log(a * w[None, :] / w[:, None]))
        deviation[np.tril_indices(n)] = -1.0
        i, j = np.unravel_index(int(np.argmax(deviation)), deviation.shape)
        worst = (labels[i], labels[j], float(a[i, j]), float(w[i] / w[j]))
        raise InconsistentMatrixError(result, n, worst)
    return result
