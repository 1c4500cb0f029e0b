r"""Stability of the top of the chokepoint list under a wide sweep of the component weights.

The score is the weighted geometric mean :math:`S_i(w) = \prod_k x_{ik}^{w_k}` with
:math:`\sum_k w_k = 1` (:func:`~chokepoint.assess.levels.weighted_geometric_mean`), so over a
grid of weightings :math:`W` (one row per weighting) all scores come from one product,
:math:`S = \exp(W \log X^\top)`. For each weighting the nodes are ranked with
:func:`~chokepoint.assess.ranking.rank_order` (the rule of every table) and compared with the
base weighting by

* the Jaccard overlap of the top :math:`t` sets, :math:`J = |A \cap B| / |A \cup B|`
  (Jaccard 1901), and
* Kendall's :math:`\tau_b` between the base and the swept scores of the eligible nodes
  (Kendall 1945; :func:`scipy.stats.kendalltau`), which counts ties in either ranking;
  scores are compared rounded to :data:`~chokepoint.assess.ranking.DECIMALS` decimals, as
  in the ranking.

The sweep (:func:`weight_grid`) lets each weight run from 0.1 to 0.8 (issue 17, item 7).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.stats import kendalltau

from chokepoint.assess.ranking import DECIMALS, rank_order
from chokepoint.errors import UsageError

SIMPLEX = "simplex"
ONE_AT_A_TIME = "one_at_a_time"
TOL = 1e-9


def grid_design(k: int, low: float = 0.1, high: float = 0.8) -> str:
    r"""Return the design :func:`weight_grid` uses for ``k`` weights: ``simplex`` or ``one_at_a_time``.

    The full grid (``simplex``: every combination of grid values summing to 1) is used when in
    it every weight takes every value from ``low`` to ``high``, that is when
    :math:`high + (k-1)\,low \le 1` and :math:`low + (k-1)\,high \ge 1`; with the defaults that
    is :math:`k = 3`. Otherwise the full grid would narrow each weight's range (to 0.1-0.4
    for seven weights, 0.2-0.8 for two), and ``one_at_a_time`` is used: each weight in turn
    runs from ``low`` to ``high`` and the others share the rest.
    """
    if k >= 1 and high + (k - 1) * low <= 1 + TOL and low + (k - 1) * high >= 1 - TOL:
        return SIMPLEX
    return ONE_AT_A_TIME


def _simplex(k: int, values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """All rows of ``k`` entries from ``values`` summing to 1 (within 1e-9), pruned column by column."""
    lo, hi = float(values.min()), float(values.max())
    rows = np.zeros((1, 0))
    for j in range(k):
        left = k - j - 1
        cand = np.hstack([np.repeat(rows, len(values), axis=0), np.tile(values, len(rows))[:, None]])
        s = cand.sum(axis=1)
        rows = cand[(s + left * lo <= 1 + TOL) & (s + left * hi >= 1 - TOL)]
    return rows


def _one_at_a_time(
    names: Sequence[str], values: npt.NDArray[np.float64], base: Mapping[str, float] | None
) -> npt.NDArray[np.float64]:
    """Each weight in turn over ``values``, the others sharing ``1 - v`` in their base proportions."""
    k = len(names)
    b = np.array([1.0 if base is None else float(base[n]) for n in names])
    blocks = []
    for j in range(k):
        rest = np.delete(b, j)
        share = rest / rest.sum() if rest.sum() > 0 else np.full(k - 1, 1.0 / max(k - 1, 1))
        w = np.empty((len(values), k))
        w[:, j] = values
        w[:, np.arange(k) != j] = (1.0 - values)[:, None] * share[None, :]
        blocks.append(w)
    grid = np.vstack(blocks)
    _, first = np.unique(np.round(grid, 12), axis=0, return_index=True)
    return grid[np.sort(first)]


def weight_grid(
    names: Sequence[str],
    low: float = 0.1,
    high: float = 0.8,
    step: float = 0.1,
    *,
    base: Mapping[str, float] | None = None,
) -> npt.NDArray[np.float64]:
    """Return the weightings of the sweep, one row per weighting, columns in the order of ``names``.

    Parameters
    ----------
    names : sequence of str
        The weighted components.
    low, high, step : float
        The values each weight takes: ``low, low + step, ..., high``.
    base : mapping, optional
        The base weights; in the ``one_at_a_time`` design the weights not swept share the rest
        in these proportions (equally when omitted, or when all of them are 0).

    Returns
    -------
    numpy.ndarray, shape (m, len(names))
        Rows summing to 1 within 1e-9, in the design of :func:`grid_design`: for three
        components and the defaults, the 36 combinations of 0.1, ..., 0.8 summing to 1;
        otherwise ``8 * len(names)`` rows (fewer where rows repeat, as with two names).

    Raises
    ------
    UsageError
        No names, or the values are not ``0 <= low <= high < 1`` with ``step > 0``.
    """
    k = len(names)
    if k == 0 or not (0 <= low <= high < 1) or step <= 0:
        raise UsageError("weight grid needs names and 0 <= low <= high < 1, step > 0")
    values = low + step * np.arange(int(np.floor((high - low) / step + TOL)) + 1, dtype=np.float64)
    if k == 1:
        return np.ones((1, 1))
    if grid_design(k, low, high) == SIMPLEX:
        return _simplex(k, values)
    return _one_at_a_time(names, values, base)


def sweep_scores(x: npt.NDArray[np.float64], weights: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    r"""Return :math:`S = \exp(W \log X^\top)` for components ``x`` (n, k) and weightings (m, k).

    As :func:`~chokepoint.assess.levels.weighted_geometric_mean` per row of ``weights``:
    components clipped to [0, 1]; a component with weight 0 is ignored; the score is 0 where
    a weighted component is 0 and NaN where one is NaN. Shape (m, n).
    """
    c = np.clip(x, 0.0, 1.0)
    missing, zero = np.isnan(c), c <= 0
    with np.errstate(divide="ignore"):
        logs = np.where(missing | zero, 0.0, np.log(np.where(zero | missing, 1.0, c)))
    used = (weights > 0).astype(float)
    s = np.exp(weights @ logs.T)
    s[used @ zero.T.astype(float) > 0] = 0.0
    s[used @ missing.T.astype(float) > 0] = np.nan
    return s


def _tau_b(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> float:
    """Kendall's tau-b over the pairs where both are finite; NaN when undefined (see module)."""
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 2:
        return float("nan")
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore")
        return float(kendalltau(np.round(x[ok], DECIMALS), np.round(y[ok], DECIMALS), variant="b").statistic)


def _stat(a: npt.NDArray[np.float64], fn: Any) -> float:
    """``fn`` (mean, min) over the defined values of ``a``; NaN when none is defined."""
    ok = a[~np.isnan(a)]
    return float(fn(ok)) if len(ok) else float("nan")


@dataclass(frozen=True)
class StabilityReport:
    """The stability of the top of the list over a sweep of the weights (:func:`ranking_stability`).

    ``jaccard`` and ``tau`` hold one value per weighting (rows of ``grid``, columns ``names``);
    ``membership`` maps each id of the base top (``top_ids``, in rank order) to the share of
    weightings that keep it in the top; ``always_top`` are those kept in every one. Tau is
    NaN for a weighting where it is undefined (fewer than two scored nodes, or all scores
    equal under either weighting, as when every node has the same components); the means and
    minima leave such weightings out and are NaN when none is left.
    """

    top: int
    names: tuple[str, ...]
    design: str
    weight_range: tuple[float, float]
    grid: tuple[tuple[float, ...], ...]
    jaccard: tuple[float, ...]
    tau: tuple[float, ...]
    top_ids: tuple[str, ...]
    always_top: tuple[str, ...]
    membership: dict[str, float]

    @property
    def n_weightings(self) -> int:
        """Return the number of weightings swept."""
        return len(self.grid)

    @property
    def jaccard_mean(self) -> float:
        """Return the mean Jaccard overlap of the top with the base top."""
        return _stat(np.array(self.jaccard, dtype=float), np.mean)

    @property
    def jaccard_min(self) -> float:
        """Return the smallest Jaccard overlap of the top with the base top."""
        return _stat(np.array(self.jaccard, dtype=float), np.min)

    @property
    def tau_mean(self) -> float:
        """Return the mean Kendall's tau-b with the base scores (undefined weightings left out)."""
        return _stat(np.array(self.tau, dtype=float), np.mean)

    @property
    def tau_min(self) -> float:
        """Return the smallest Kendall's tau-b with the base scores (undefined weightings left out)."""
        return _stat(np.array(self.tau, dtype=float), np.min)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict: the summary, the base top, and one entry per weighting (NaN as None)."""

        def num(v: float) -> float | None:
            return None if np.isnan(v) else round(float(v), 6)

        return {
            "top": self.top,
            "n_weightings": self.n_weightings,
            "design": self.design,
            "weight_range": list(self.weight_range),
            "jaccard_mean": num(self.jaccard_mean),
            "jaccard_min": num(self.jaccard_min),
            "tau_mean": num(self.tau_mean),
            "tau_min": num(self.tau_min),
            "top_ids": list(self.top_ids),
            "always_top": list(self.always_top),
            "membership": {k: num(v) for k, v in self.membership.items()},
            "weightings": [
                {
                    "weights": dict(zip(self.names, (round(x, 6) for x in w), strict=True)),
                    "jaccard": num(j),
                    "tau": num(t),
                }
                for w, j, t in zip(self.grid, self.jaccard, self.tau, strict=True)
            ],
        }

    def lines(self, lang: str = "en") -> list[str]:
        """Return the report as short lines of text, in English or (``lang="zh"``) Chinese."""
        zh = lang == "zh"

        def f(v: float) -> str:
            return ("无法计算" if zh else "n/a") if np.isnan(v) else f"{v:.2f}"

        lo, hi = (f"{v:g}" for v in self.weight_range)
        n, t = self.n_weightings, self.top
        sep = "、" if zh else ", "
        always = sep.join(self.always_top) or ("无" if zh else "none")
        shares = sep.join(f"{k} {v:.2f}" for k, v in self.membership.items()) or ("无" if zh else "none")
        if zh:
            return [
                f"权重扫描（每个权重{lo}–{hi}，共{n}组）下前{t}名的稳定性："
                f"Jaccard重合度均值{f(self.jaccard_mean)}（最小{f(self.jaccard_min)}），"
                f"Kendall τ均值{f(self.tau_mean)}（最小{f(self.tau_min)}）；"
                f"在每组权重下均位列前{t}名：{always}",
                f"基准前{t}名在各组权重下仍居前{t}名的比例：{shares}",
            ]
        return [
            f"Top {t} under {n} weightings (each weight {lo}-{hi}): "
            f"Jaccard overlap mean {f(self.jaccard_mean)} (min {f(self.jaccard_min)}), "
            f"Kendall's tau mean {f(self.tau_mean)} (min {f(self.tau_min)}); "
            f"in the top {t} in every weighting: {always}",
            f"Share of weightings keeping each of the base top {t} in the top: {shares}",
        ]


def ranking_stability(
    components: Mapping[str, npt.NDArray[np.float64]],
    base_weights: Mapping[str, float],
    eligible: npt.NDArray[np.bool_],
    ids: npt.NDArray[Any],
    top: int = 15,
    grid: npt.NDArray[np.float64] | None = None,
    *,
    tiebreaks: Sequence[npt.NDArray[np.float64]] = (),
    insufficient: npt.NDArray[np.bool_] | None = None,
) -> StabilityReport:
    """Sweep the weights and report how stable the top ``top`` of the ranking stays.

    Parameters
    ----------
    components : mapping of str to array, shape (n,)
        The score components per node (at least the keys of ``base_weights``).
    base_weights : mapping of str to float
        The assessment's weights (normalized here); their order is the order of the grid's
        columns.
    eligible : array of bool, shape (n,)
        The nodes ranked (as in the main table); the others take no part.
    ids : array, shape (n,)
        Node ids, the last tie-break of :func:`~chokepoint.assess.ranking.rank_order`.
    top : int
        Size of the top compared.
    grid : array, shape (m, k), optional
        The weightings (rows normalized here); :func:`weight_grid` of ``base_weights`` when
        omitted.
    tiebreaks : sequence of arrays, shape (n,)
        The main table's tie-breaks (criticality, exposure), so the base top is its top.
    insufficient : array of bool, shape (n,), optional
        Nodes whose score is NaN (insufficient data), ranked last as in the main table.

    Returns
    -------
    StabilityReport
        Per weighting, the Jaccard overlap of its top with the base top, and Kendall's tau-b
        between its scores and the base scores over the eligible nodes scored in both.

    Notes
    -----
    The base ranking is recomputed here from ``components`` and ``base_weights`` by
    :func:`sweep_scores`; for eligible nodes it equals the assessment's score (the same
    weighted geometric mean, compared to 12 decimals), so ``top_ids`` is the main table's
    top. The Jaccard overlap is NaN when there is no eligible node (empty tops).
    """
    names = tuple(base_weights)
    b = np.array([float(base_weights[k]) for k in names])
    if b.sum() <= 0:
        raise UsageError("base weights must not all be zero")
    if grid is None:
        g = weight_grid(names, base=base_weights)
        design, weight_range = grid_design(len(names)), (0.1, 0.8)
    else:
        g = np.asarray(grid, dtype=float).reshape(-1, len(names))
        g = g / g.sum(axis=1, keepdims=True)
        design = "given"
        weight_range = (round(float(g.min()), 6), round(float(g.max()), 6)) if g.size else (np.nan, np.nan)
    x = np.column_stack([np.asarray(components[k], dtype=float) for k in names])
    elig = np.flatnonzero(np.asarray(eligible, dtype=bool))
    scores = sweep_scores(x[elig], np.vstack([b / b.sum(), g]))
    if insufficient is not None:
        scores[:, np.asarray(insufficient, dtype=bool)[elig]] = np.nan
    e_ids = np.asarray(ids)[elig]
    order = rank_order(scores, e_ids, *(np.asarray(tb, dtype=float)[elig] for tb in tiebreaks))
    t = min(top, len(elig))
    member = np.zeros(scores.shape, dtype=bool)
    np.put_along_axis(member, order[:, :t], True, axis=-1)
    base_in, swept_in = member[0], member[1:]
    union = (swept_in | base_in).sum(axis=1)
    inter = (swept_in & base_in).sum(axis=1)
    jac = np.where(union > 0, inter / np.maximum(union, 1), np.nan)
    tau = np.array([_tau_b(scores[0], s) for s in scores[1:]], dtype=float)
    base_top = order[0, :t]
    share = swept_in[:, base_top].mean(axis=0) if len(g) else np.full(t, np.nan)
    top_ids = tuple(str(i) for i in e_ids[base_top])
    return StabilityReport(
        top=top,
        names=names,
        design=design,
        weight_range=weight_range,
        grid=tuple(tuple(float(v) for v in row) for row in g),
        jaccard=tuple(float(v) for v in jac),
        tau=tuple(float(v) for v in tau),
        top_ids=top_ids,
        always_top=tuple(i for i, s in zip(top_ids, share, strict=True) if s == 1.0),
        membership={i: float(s) for i, s in zip(top_ids, share, strict=True)},
    )
