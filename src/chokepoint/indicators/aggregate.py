r"""Aggregation of a decision table: normalisation, weighted sum, TOPSIS and rank sensitivity.

A decision table has one row per alternative (a country, a supplier, a node) and one column per
indicator, all finite numbers. Each indicator is a ``"benefit"`` (larger is better) or a
``"cost"`` (smaller is better) one; a column missing from ``directions`` is a benefit.

* :func:`normalise`: min-max :math:`x'_{ij} = (x_{ij} - \min_i x_{ij}) / (\max_i x_{ij} -
  \min_i x_{ij})` (benefit) or :math:`(\max_i x_{ij} - x_{ij}) / (\max - \min)` (cost); or the
  z-score :math:`(x_{ij} - \bar x_j) / s_j` (sample standard deviation, ``ddof=1``), negated for a
  cost column.
* :func:`weighted_sum`: simple additive weighting :math:`S_i = \sum_j w_j x'_{ij}`.
* :func:`topsis`: Hwang and Yoon (1981).
* :func:`rank_sensitivity`: how stable the ranking is when the weights move.

References
----------
C.-L. Hwang and K. Yoon (1981), *Multiple Attribute Decision Making: Methods and Applications*,
Lecture Notes in Economics and Mathematical Systems 186, Springer, Berlin (TOPSIS, ch. 3).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from chokepoint.errors import UsageError

__all__ = [
    "DIRECTIONS",
    "decision_matrix",
    "normalise",
    "rank_sensitivity",
    "topsis",
    "weighted_sum",
]

#: The directions an indicator may have: larger is better (benefit) or smaller is better (cost).
DIRECTIONS = ("benefit", "cost")

#: How far the weights' sum may be from 1.
WEIGHT_SUM_TOLERANCE = 1e-6

_NO_CONTRAST = (
    "every alternative is equal on every indicator with a positive weight: TOPSIS cannot rank them; "
    "give weight to an indicator that differs between the alternatives"
)

Normalisation = Literal["minmax", "zscore"]
Method = Literal["topsis", "weighted_sum"]


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (for messages and JSON), anything else as is."""
    return value.item() if isinstance(value, np.generic) else value


def _numbers(table: pd.DataFrame, what: str, min_rows: int) -> np.ndarray:
    """The table's values as floats, checked: a DataFrame, unique labels, at least ``min_rows``
    rows and one column, every cell a finite number (the first bad cell is named).
    """
    if not isinstance(table, pd.DataFrame):
        raise UsageError(f"the {what} must be a pandas DataFrame, not {type(table).__name__}")
    m, n = table.shape
    if n == 0:
        raise UsageError(f"the {what} has no indicator column")
    if m < min_rows:
        raise UsageError(
            f"the {what} has {m} row{'s' if m != 1 else ''}; it needs at least {min_rows} "
            "alternatives (one row each)"
        )
    for labels, kind in ((table.columns, "column"), (table.index, "row")):
        if labels.has_duplicates:
            dupes = sorted({str(x) for x in labels[labels.duplicated()]})
            raise UsageError(f"the {what} repeats the {kind} label(s) {', '.join(dupes)}: make them unique")
    for column in table.columns:  # a loop over the indicators, not the rows
        raw = table[column]
        coerced = pd.to_numeric(raw, errors="coerce")
        bad = coerced.isna() & raw.notna()
        if bad.any():
            row = raw.index[bad.to_numpy()][0]
            raise UsageError(
                f"the {what} holds {_plain(raw[row])!r} in row {_plain(row)!r}, column {_plain(column)!r}: "
                "every cell must be a number"
            )
    values: np.ndarray = table.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    bad_cells = ~np.isfinite(values)
    if bad_cells.any():
        i, j = np.argwhere(bad_cells)[0]
        kind = "is missing" if np.isnan(values[i, j]) else f"is {float(values[i, j])!r}"
        raise UsageError(
            f"the value in row {_plain(table.index[i])!r}, column {_plain(table.columns[j])!r} "
            f"of the {what} {kind}: "
            "every cell must be a finite number (fill in or drop the alternative or the indicator)"
        )
    return values


def decision_matrix(
    table: pd.DataFrame, directions: Mapping[str, str] | None = None, min_rows: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    """Check a decision table and its directions and return them as arrays.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows = alternatives, columns = indicators, finite numbers, unique labels.
    directions : mapping of column to {"benefit", "cost"}, optional
        The direction of each indicator; columns not in it are benefits.
    min_rows : int
        The fewest rows accepted.

    Returns
    -------
    values : numpy.ndarray
        The ``m x n`` values as floats.
    benefit : numpy.ndarray
        ``n`` booleans, true for a benefit column.

    Raises
    ------
    chokepoint.errors.UsageError
        Naming the row and column of a missing, non-numeric or infinite cell, a column of
        ``directions`` that is not in the table, or a direction other than benefit and cost.
    """
    values = _numbers(table, "decision table", min_rows)
    benefit = np.ones(values.shape[1], dtype=bool)
    if directions is None:
        return values, benefit
    if not isinstance(directions, Mapping):
        raise UsageError(f"directions must map indicator columns to 'benefit' or 'cost', not {directions!r}")
    unknown = [str(c) for c in directions if c not in table.columns]
    if unknown:
        raise UsageError(
            f"directions name column(s) not in the decision table: {', '.join(unknown)}; "
            f"its columns are {', '.join(str(c) for c in table.columns)}"
        )
    for column, direction in directions.items():
        if direction not in DIRECTIONS:
            raise UsageError(f"the direction of column {column!r} is {direction!r}: use 'benefit' or 'cost'")
        benefit[table.columns.get_loc(column)] = direction == "benefit"
    return values, benefit


def _reject_constant(values: np.ndarray, table: pd.DataFrame) -> np.ndarray:
    """The columns' ranges (max - min); a column whose values are all equal is refused."""
    spread: np.ndarray = np.ptp(values, axis=0)
    if (spread == 0).any():
        column = table.columns[int(np.flatnonzero(spread == 0)[0])]
        raise UsageError(
            f"column {_plain(column)!r} of the decision table is constant (every alternative has "
            f"{float(values[0, int(np.flatnonzero(spread == 0)[0])])!r}): it carries no information to tell "
            "the alternatives apart; drop it from the indicator system"
        )
    return spread


def normalise(
    table: pd.DataFrame, directions: Mapping[str, str] | None = None, method: Normalisation = "minmax"
) -> pd.DataFrame:
    r"""Normalise a decision table column by column, cost columns reversed.

    ``"minmax"``: :math:`x'_{ij} = (x_{ij} - \min_i x_{ij}) / (\max_i x_{ij} - \min_i x_{ij})`
    for a benefit column, :math:`(\max_i x_{ij} - x_{ij}) / (\max_i x_{ij} - \min_i x_{ij})` for a
    cost one; every column then spans [0, 1] with 1 the best alternative.
    ``"zscore"``: :math:`(x_{ij} - \bar x_j) / s_j` with the sample standard deviation
    :math:`s_j` (``ddof=1``), negated for a cost column.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows = alternatives (at least 2), columns = indicators, finite numbers.
    directions : mapping of column to {"benefit", "cost"}, optional
        Columns not in it are benefits.
    method : {"minmax", "zscore"}
        The normalisation.

    Returns
    -------
    pandas.DataFrame
        The normalised table, same index and columns.

    Raises
    ------
    chokepoint.errors.UsageError
        For an invalid table (see :func:`decision_matrix`), a constant column or an unknown method.
    """
    if method not in ("minmax", "zscore"):
        raise UsageError(f"normalisation method {method!r} is unknown: use 'minmax' or 'zscore'")
    values, benefit = decision_matrix(table, directions)
    spread = _reject_constant(values, table)
    if method == "minmax":
        low, high = values.min(axis=0), values.max(axis=0)
        out = np.where(benefit, values - low, high - values) / spread
    else:
        z = (values - values.mean(axis=0)) / values.std(axis=0, ddof=1)
        out = np.where(benefit, z, -z)
    return pd.DataFrame(out, index=table.index, columns=table.columns)


def _weight_vector(weights: Mapping[str, float], columns: pd.Index) -> np.ndarray:
    """The weights in the order of ``columns``, checked: exactly the columns, finite, >= 0,
    summing to 1 within :data:`WEIGHT_SUM_TOLERANCE` (never renormalised).
    """
    if not hasattr(weights, "items"):
        raise UsageError(f"weights must map each indicator column to its weight, not {weights!r}")
    given = dict(weights.items())
    missing = [str(c) for c in columns if c not in given]
    extra = [str(c) for c in given if c not in set(columns)]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"no weight for column(s) {', '.join(missing)}")
        if extra:
            parts.append(f"weight(s) for column(s) not in the table: {', '.join(extra)}")
        raise UsageError("; ".join(parts) + ": give exactly one weight per indicator column")
    try:
        w = np.array([float(given[c]) for c in columns])
    except (TypeError, ValueError):
        raise UsageError(f"every weight must be a number, got {given!r}") from None
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        column = columns[int(np.flatnonzero(bad)[0])]
        raise UsageError(
            f"the weight of column {_plain(column)!r} is {_plain(given[column])!r}: "
            "weights are finite and >= 0"
        )
    total = float(w.sum())
    if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
        raise UsageError(
            f"the weights sum to {total:.9g}, not 1 (tolerance {WEIGHT_SUM_TOLERANCE:g}); they are not "
            "rescaled silently: divide each weight by their sum"
        )
    return w


def weighted_sum(normalised: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    r"""Simple additive weighting: :math:`S_i = \sum_j w_j x'_{ij}` (Hwang and Yoon 1981, SAW).

    Parameters
    ----------
    normalised : pandas.DataFrame
        A normalised decision table (e.g. from :func:`normalise`), finite numbers.
    weights : mapping of column to float
        One weight per column, each >= 0, summing to 1 within 1e-6 (not rescaled).

    Returns
    -------
    pandas.Series
        The score of each alternative (name ``"score"``), indexed like ``normalised``.

    Raises
    ------
    chokepoint.errors.UsageError
        For a non-finite cell, weights that miss or add a column, a negative weight, or weights
        whose sum is not 1.
    """
    values = _numbers(normalised, "normalised table", 1)
    w = _weight_vector(weights, normalised.columns)
    return pd.Series(values @ w, index=normalised.index, name="score")


def _vector_normalised(values: np.ndarray, table: pd.DataFrame) -> np.ndarray:
    r""":math:`r_{ij} = x_{ij} / \sqrt{\sum_i x_{ij}^2}`; a column of zeros is refused."""
    norm = np.sqrt((values**2).sum(axis=0))
    if (norm == 0).any():
        column = table.columns[int(np.flatnonzero(norm == 0)[0])]
        raise UsageError(
            f"column {_plain(column)!r} of the decision table is all zeros: TOPSIS divides by the column's "
            "norm; drop the indicator"
        )
    return np.asarray(values / norm)


def _topsis_closeness(r: np.ndarray, benefit: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, ...]:
    r"""TOPSIS for ``k`` weight vectors at once: ``w`` is ``k x n``, the results ``k x m``.

    With :math:`w_j \ge 0` the weighted ideal :math:`v^+_j = w_j r^+_j`, so
    :math:`d^+_i = \sqrt{\sum_j w_j^2 (r_{ij} - r^+_j)^2}` is one matrix product.
    Where :math:`d^+ + d^- = 0` (every alternative equal on the weighted indicators) the
    closeness is NaN.
    """
    high, low = r.max(axis=0), r.min(axis=0)
    best, worst = np.where(benefit, high, low), np.where(benefit, low, high)
    w2 = w**2
    d_best = np.sqrt(np.maximum(w2 @ ((r - best) ** 2).T, 0.0))
    d_worst = np.sqrt(np.maximum(w2 @ ((r - worst) ** 2).T, 0.0))
    total = d_best + d_worst
    closeness = np.divide(d_worst, total, out=np.full_like(total, np.nan), where=total > 0)
    return d_best, d_worst, closeness


def _ranks(scores: np.ndarray) -> np.ndarray:
    """Ranks per row of ``scores`` (``k x m``), 1 = the highest score, ties share the lowest rank."""
    return np.asarray(rankdata(-np.round(scores, 9), method="min", axis=1), dtype=np.int64)


def topsis(
    table: pd.DataFrame, weights: Mapping[str, float], directions: Mapping[str, str] | None = None
) -> pd.DataFrame:
    r"""TOPSIS, the technique for order preference by similarity to an ideal solution.

    After Hwang and Yoon (1981): vector normalisation :math:`r_{ij} = x_{ij} / \sqrt{\sum_i
    x_{ij}^2}`, weighting :math:`v_{ij} = w_j r_{ij}`, the ideal :math:`v^+_j = \max_i v_{ij}`
    (benefit) or :math:`\min_i v_{ij}` (cost) and the anti-ideal :math:`v^-_j` the other extreme,
    Euclidean distances :math:`d^+_i = \lVert v_i - v^+ \rVert`, :math:`d^-_i = \lVert v_i - v^-
    \rVert` and the closeness :math:`C_i = d^-_i / (d^+_i + d^-_i)` in [0, 1].

    Parameters
    ----------
    table : pandas.DataFrame
        Rows = alternatives (at least 2), columns = indicators, finite numbers (the method is meant
        for non-negative ones).
    weights : mapping of column to float
        One weight per column, each >= 0, summing to 1 within 1e-6 (not rescaled).
    directions : mapping of column to {"benefit", "cost"}, optional
        Columns not in it are benefits.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``table``, columns ``d_best``, ``d_worst``, ``closeness`` and ``rank``
        (1 = the largest closeness; ties share the lowest rank).

    Raises
    ------
    chokepoint.errors.UsageError
        For an invalid table or weights, a column of zeros, or when no weighted indicator tells
        the alternatives apart (every closeness would be 0/0).
    """
    values, benefit = decision_matrix(table, directions)
    w = _weight_vector(weights, table.columns)
    r = _vector_normalised(values, table)
    d_best, d_worst, closeness = _topsis_closeness(r, benefit, w[None, :])
    if np.isnan(closeness).any():
        raise UsageError(_NO_CONTRAST)
    return pd.DataFrame(
        {
            "d_best": d_best[0],
            "d_worst": d_worst[0],
            "closeness": closeness[0],
            "rank": _ranks(closeness)[0],
        },
        index=table.index,
    )


def _oat_weights(w: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray]:
    """One-at-a-time weight vectors: row ``2j`` raises, row ``2j + 1`` lowers indicator ``j`` by
    the relative ``step`` (capped at 1), the others rescaled proportionally to keep the sum 1
    (spread equally when the others' weights are all 0). Also returns which were capped.
    """
    n = w.size
    out = np.empty((2 * n, n))
    capped = np.zeros(2 * n, dtype=bool)
    for j in range(n):  # a loop over the indicators
        for s, factor in enumerate((1.0 + step, 1.0 - step)):
            target = w[j] * factor
            capped[2 * j + s] = target > 1.0
            target = min(target, 1.0)
            others = 1.0 - w[j]
            # the others keep their ratios; if they had no weight the rest is spread equally
            rest = 1.0 - target
            row = w * (rest / others) if others > 0 else np.full(n, rest / max(n - 1, 1))
            row[j] = target if n > 1 else 1.0
            out[2 * j + s] = row
    return out, capped


def rank_sensitivity(
    table: pd.DataFrame,
    weights: Mapping[str, float],
    directions: Mapping[str, str] | None = None,
    method: Method = "topsis",
    normalisation: Normalisation = "minmax",
    step: float = 0.1,
    seed: int = 0,
    draws: int = 1000,
    concentration: float = 100.0,
) -> dict[str, Any]:
    r"""How stable the ranking of the alternatives is when the weights change.

    Two designs, both scored with the same method as the base ranking:

    * **one at a time**: each indicator's weight is raised and lowered by the relative ``step``,
      :math:`w'_j = w_j (1 \pm \text{step})` (capped at 1), and the other weights are rescaled
      proportionally, :math:`w'_k = w_k (1 - w'_j) / (1 - w_j)`, so the sum stays 1 (the ratios
      among the others are kept; if they are all 0 the rest is spread equally). Each perturbation
      reports the ranks and whether the order changed.
    * **Monte Carlo**: ``draws`` weight vectors from a Dirichlet distribution centred on the
      weights, :math:`\alpha_j = \kappa w_j` with :math:`\kappa` = ``concentration`` (default
      100), drawn with ``numpy.random.default_rng(seed)``. The mean of each draw is :math:`w` and
      :math:`\operatorname{Var} w_j = w_j (1 - w_j) / (\kappa + 1)`: with :math:`\kappa = 100` a
      weight of 0.3 moves with a standard deviation of about 0.046. Indicators of weight 0 stay at
      0 (they were excluded on purpose). For each alternative the frequency of each rank over the
      draws and the probability it keeps its base rank are reported. All draws are scored at once
      (``draws x alternatives`` matrices).

    Ranks are 1 for the best score, ties sharing the lowest rank. A perturbed TOPSIS weighting
    under which no weighted indicator separates the alternatives (possible only when a weight is
    raised to 1 on a constant column) ranks them all 1.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows = alternatives (at least 2), columns = indicators, finite numbers.
    weights : mapping of column to float
        The base weights (>= 0, summing to 1 within 1e-6).
    directions : mapping of column to {"benefit", "cost"}, optional
        Columns not in it are benefits.
    method : {"topsis", "weighted_sum"}
        The ranking method: :func:`topsis`, or :func:`weighted_sum` of the :func:`normalise`-d table.
    normalisation : {"minmax", "zscore"}
        The normalisation of ``"weighted_sum"`` (TOPSIS always uses its vector normalisation).
    step : float
        The relative change of one weight, in (0, 1).
    seed : int
        The seed of the Monte Carlo draws (the same seed gives the same result).
    draws : int
        How many Monte Carlo weight vectors, at least 1.
    concentration : float
        The Dirichlet concentration :math:`\kappa` (> 0); larger is tighter around the weights.

    Returns
    -------
    dict
        JSON-ready; labels as strings. ``alternatives`` and ``indicators`` (lists); ``base``:
        ``weights``, ``scores``, ``ranks`` and ``order`` (best first); ``one_at_a_time``: ``step``
        and ``results``, one per indicator and change (``indicator``, ``change`` "raise" or
        "lower", ``weight``, ``capped``, ``weights``, ``ranks``, ``order``, ``order_changed``,
        ``moved``: the alternatives whose rank changed); ``monte_carlo``: ``draws``, ``seed``,
        ``concentration``, ``alpha``, ``rank_frequency`` (per alternative, the share of draws
        at rank 1, 2, ..., m), ``keeps_base_rank`` (per alternative), ``mean_rank`` and
        ``order_kept`` (share of draws with the whole base order unchanged).

    Raises
    ------
    chokepoint.errors.UsageError
        For an invalid table, weights or option.
    """
    if method not in ("topsis", "weighted_sum"):
        raise UsageError(f"ranking method {method!r} is unknown: use 'topsis' or 'weighted_sum'")
    if normalisation not in ("minmax", "zscore"):
        raise UsageError(f"normalisation {normalisation!r} is unknown: use 'minmax' or 'zscore'")
    if not (isinstance(step, int | float) and 0 < step < 1):
        raise UsageError(f"step must be a relative change strictly between 0 and 1, not {step!r}")
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or draws < 1:
        raise UsageError(f"draws must be a whole number >= 1, not {draws!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise UsageError(f"seed must be a whole number, not {seed!r}")
    if not (isinstance(concentration, int | float) and math.isfinite(concentration) and concentration > 0):
        raise UsageError(f"concentration must be a finite number > 0, not {concentration!r}")

    values, benefit = decision_matrix(table, directions)
    w = _weight_vector(weights, table.columns)
    alternatives = [str(a) for a in table.index]
    indicators = [str(c) for c in table.columns]
    for labels, kind in ((alternatives, "row"), (indicators, "column")):
        if len(set(labels)) != len(labels):
            raise UsageError(
                f"two {kind} labels of the decision table read the same as text: make them distinct"
            )
    if method == "topsis":
        r = _vector_normalised(values, table)

        def score(weight_rows: np.ndarray) -> np.ndarray:
            return _topsis_closeness(r, benefit, weight_rows)[2]

    else:
        x = normalise(table, directions, normalisation).to_numpy()

        def score(weight_rows: np.ndarray) -> np.ndarray:
            return np.asarray(weight_rows @ x.T)

    base = score(w[None, :])
    if np.isnan(base).any():
        raise UsageError(_NO_CONTRAST)
    base_rank = _ranks(base)[0]

    def order(ranks: np.ndarray) -> list[str]:
        return [alternatives[i] for i in np.argsort(ranks, kind="stable")]

    def by_alternative(row: np.ndarray, cast: type) -> dict[str, Any]:
        return {a: cast(v) for a, v in zip(alternatives, row, strict=True)}

    def by_indicator(row: np.ndarray) -> dict[str, float]:
        return {c: float(v) for c, v in zip(indicators, row, strict=True)}

    oat, capped = _oat_weights(w, float(step))
    oat_ranks = _ranks(np.nan_to_num(score(oat), nan=0.5))
    results = []
    for k in range(oat.shape[0]):
        j = k // 2
        moved = [alternatives[i] for i in np.flatnonzero(oat_ranks[k] != base_rank)]
        results.append(
            {
                "indicator": indicators[j],
                "change": "raise" if k % 2 == 0 else "lower",
                "weight": float(oat[k, j]),
                "capped": bool(capped[k]),
                "weights": by_indicator(oat[k]),
                "ranks": by_alternative(oat_ranks[k], int),
                "order": order(oat_ranks[k]),
                "order_changed": bool(moved),
                "moved": moved,
            }
        )

    rng = np.random.default_rng(int(seed))
    alpha = concentration * w
    positive = w > 0
    sampled = np.tile(w, (int(draws), 1))
    if positive.sum() >= 2:
        sampled[:, positive] = rng.dirichlet(alpha[positive], size=int(draws))
    mc_ranks = _ranks(np.nan_to_num(score(sampled), nan=0.5))
    m = len(alternatives)
    # frequency[i, r - 1]: the share of draws that put alternative i at rank r
    cells = (np.arange(m)[None, :] * m + (mc_ranks - 1)).ravel()
    frequency = np.bincount(cells, minlength=m * m).reshape(m, m) / mc_ranks.shape[0]
    keeps = (mc_ranks == base_rank[None, :]).mean(axis=0)

    return {
        "method": method,
        "normalisation": "vector" if method == "topsis" else normalisation,
        "alternatives": alternatives,
        "indicators": indicators,
        "base": {
            "weights": by_indicator(w),
            "scores": by_alternative(base[0], float),
            "ranks": by_alternative(base_rank, int),
            "order": order(base_rank),
        },
        "one_at_a_time": {"step": float(step), "results": results},
        "monte_carlo": {
            "draws": int(draws),
            "seed": int(seed),
            "concentration": float(concentration),
            "alpha": by_indicator(alpha),
            "rank_frequency": {a: [float(f) for f in frequency[i]] for i, a in enumerate(alternatives)},
            "keeps_base_rank": by_alternative(keeps, float),
            "mean_rank": by_alternative(mc_ranks.mean(axis=0), float),
            "order_kept": float((mc_ranks == base_rank[None, :]).all(axis=1).mean()),
        },
    }
