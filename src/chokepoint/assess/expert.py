"""Structured expert judgement (专家打分): the panel's scores aggregated per node (pure).

Each expert scores a technology on three 1-5 scales and may give the years it takes to close
the gap:

=====================  =========================================================  ==========
field                  scale                                                      on 0-1
=====================  =========================================================  ==========
``gap``                technology gap: 1 none (level with the leader) .. 5         (s − 1)/4
                       generations behind
``threshold``          technical threshold: 1 low .. 5 very high                  (s − 1)/4
``substitutability``   1 none (no substitute) .. 5 fully substitutable            (s − 1)/4
``gap_years``          years to close the gap (≥ 0)                               years
=====================  =========================================================  ==========

:func:`aggregate_expert_scores` turns the panel's rows (one per expert and node) into one row
per node; :func:`assessable_mask` says which nodes an expert sheet lists.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from chokepoint.assess.hierarchy import group_mask
from chokepoint.model.chain import ChainMap

#: The 1-5 scales, mapped to [0, 1] as (s − 1)/4.
SCALE_FIELDS: tuple[str, ...] = ("gap", "threshold", "substitutability")
#: Every numeric field an expert may give.
SCORE_FIELDS: tuple[str, ...] = (*SCALE_FIELDS, "gap_years")
SCALE_MIN, SCALE_MAX = 1.0, 5.0

#: The columns of :func:`aggregate_expert_scores`, in order (the index is ``node``).
AGGREGATE_COLUMNS: list[str] = [
    *(c for f in SCORE_FIELDS for c in (f, f"{f}_iqr", f"n_{f}")),
    "n",
]


def assessable_mask(chain: ChainMap) -> npt.NDArray[np.bool_]:
    """Which nodes are assessable technologies: leaves of the ``type_of`` taxonomy.

    A node is assessable when it is not a stage and has no ``type_of`` children
    (``type_of[c, p] = 1`` when ``c`` is a kind of ``p``: a node ``p`` whose column holds an
    entry is a category, assessed through its kinds).

    Parameters
    ----------
    chain : ChainMap
        The chain map.

    Returns
    -------
    ndarray of bool
        One flag per node, aligned with ``chain.nodes``.
    """
    return np.asarray(~group_mask(chain) & ~chain.index.node_is_stage, dtype=bool)


def aggregate_expert_scores(scores: pd.DataFrame) -> pd.DataFrame:
    r"""Aggregate a panel's scores into one row per node: medians, spreads and counts.

    For a node :math:`i` and a field :math:`f` scored by the experts :math:`E_{if}` (blank
    cells are not scores and are left out):

    .. math::

        x_{if} = \operatorname{median}_{e \in E_{if}} \frac{s_{eif} - 1}{4}, \qquad
        \mathrm{IQR}_{if} = Q_{0.75} - Q_{0.25} \text{ of } \Big\{\frac{s_{eif} - 1}{4}\Big\},
        \qquad n_{if} = |E_{if}|

    for the 1-5 scales ``gap``, ``threshold`` and ``substitutability``; ``gap_years`` is the
    median (and IQR) of the years themselves. The median is robust to one outlying expert (in
    a panel of three, one extreme score moves it at most to the next expert's score), which a
    mean is not. The spread is carried to the output so that a split panel stays visible
    beside its median: it is the **interquartile range** on the same scale as the median
    (0-1 for the scales, years for ``gap_years``), with quartiles interpolated linearly
    between order statistics (numpy's default); it is 0 for a single expert or a unanimous
    panel. Scores 2, 4, 5 give the median (4 − 1)/4 = 0.75 and the IQR 0.875 − 0.5 = 0.375.

    Parameters
    ----------
    scores : DataFrame
        One row per expert and node: columns ``node``, ``expert`` and any of ``gap``,
        ``threshold``, ``substitutability`` (1-5) and ``gap_years`` (≥ 0); a missing column or
        a NaN cell means not scored. Other columns (``organization``, ``comment``, dates) are
        ignored. One row per (node, expert) is expected, as the store keeps them.

    Returns
    -------
    DataFrame
        Indexed by ``node`` (sorted), nodes with at least one numeric score; columns, for
        each ``f`` of ``gap``, ``threshold``, ``substitutability``, ``gap_years``: ``f`` (the
        median: 0-1 for the scales, years for ``gap_years``; NaN when nobody gave it),
        ``f_iqr`` (its interquartile range) and ``n_f`` (the experts who gave it); and ``n``,
        the experts who gave the node any numeric score.

    Raises
    ------
    ValueError
        When a score lies outside 1-5, a ``gap_years`` is negative, or ``node``/``expert``
        is missing.

    Examples
    --------
    >>> df = pd.DataFrame({"node": ["N20"] * 3, "expert": ["a", "b", "c"], "gap": [2, 4, 5]})
    >>> agg = aggregate_expert_scores(df)
    >>> float(agg.loc["N20", "gap"]), float(agg.loc["N20", "gap_iqr"]), int(agg.loc["N20", "n"])
    (0.75, 0.375, 3)
    """
    missing = {"node", "expert"} - set(scores.columns)
    if missing:
        raise ValueError(f"expert scores need columns {sorted(missing)}")
    values = pd.DataFrame(
        {
            f: pd.to_numeric(scores[f], errors="coerce").astype("float64")
            if f in scores.columns
            else pd.Series(np.nan, index=scores.index, dtype="float64")
            for f in SCORE_FIELDS
        },
        index=scores.index,
    )
    scales = values[list(SCALE_FIELDS)]
    if ((scales < SCALE_MIN) | (scales > SCALE_MAX)).to_numpy().any():
        raise ValueError("expert scores must lie on the 1-5 scale")
    if (values["gap_years"] < 0).any():
        raise ValueError("gap_years must not be negative")
    values[list(SCALE_FIELDS)] = (scales - SCALE_MIN) / (SCALE_MAX - SCALE_MIN)
    scored = values.notna().any(axis=1).to_numpy()
    values = values[scored]
    node = scores["node"].astype(str)[scored].rename("node")
    grouped = values.groupby(node, sort=True)
    median = grouped.median()
    iqr = grouped.quantile(0.75) - grouped.quantile(0.25)
    counts = grouped.count()
    out = pd.DataFrame(index=median.index)
    for f in SCORE_FIELDS:
        out[f] = median[f]
        out[f"{f}_iqr"] = iqr[f].reindex(out.index)
        out[f"n_{f}"] = counts[f].astype("int64")
    experts = scores["expert"].astype(str)[scored]
    out["n"] = experts.groupby(node, sort=True).nunique().reindex(out.index).astype("int64")
    out.index.name = "node"
    return out[AGGREGATE_COLUMNS]
