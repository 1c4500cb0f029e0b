"""Sensitivity of the assessment: how stable ranks and levels are when the weights move.

Ranks follow :func:`~chokepoint.assess.ranking.rank_order`, the rule of the main table: score
descending (NaN last), then the tie-breaks given (the main table's: criticality, exposure),
then id ascending, so both tables give every node the same rank.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from chokepoint.assess.config import AssessmentConfig
from chokepoint.assess.levels import levels_of, weighted_geometric_mean
from chokepoint.assess.ranking import rank_order, ranks_of


def ranks(
    score: npt.NDArray[np.float64],
    eligible: npt.NDArray[np.bool_],
    ids: npt.NDArray[np.object_],
    *tiebreaks: npt.NDArray[np.float64],
) -> npt.NDArray[np.int64]:
    """1 = first by :func:`~chokepoint.assess.ranking.rank_order` among eligible nodes.

    Eligible nodes take ranks 1 to their number, in the order of ``rank_order(score, ids,
    *tiebreaks)``; the others follow them, in the same order among themselves.
    """
    ok = np.asarray(eligible, dtype=bool)
    parts = []
    for mask in (ok, ~ok):
        pos = np.flatnonzero(mask)
        parts.append(pos[rank_order(score[pos], ids[pos], *(np.asarray(tb)[pos] for tb in tiebreaks))])
    return ranks_of(np.concatenate(parts), len(score))


def sensitivity(
    components: Mapping[str, npt.NDArray[np.float64]],
    config: AssessmentConfig,
    *,
    score: npt.NDArray[np.float64],
    level: npt.NDArray[np.object_],
    insufficient: npt.NDArray[np.bool_],
    node_ids: npt.NDArray[np.object_],
    eligible: npt.NDArray[np.bool_],
    delta: float = 0.2,
    tiebreaks: Sequence[npt.NDArray[np.float64]] = (),
) -> pd.DataFrame:
    """Rank stability when each weight of ``config`` moves by +/- ``delta`` (renormalized).

    ``score`` and ``level`` are the assessment's, from ``components``; ``eligible`` marks
    the nodes ranked (stages are not); ``tiebreaks`` are the main table's tie-breaks (pass
    the same arrays, e.g. ``(components["criticality"], components["exposure"])``, so that
    ``rank`` here is the main table's rank). Returns one row per eligible node: ``rank``,
    ``rank_min``, ``rank_max``, ``level_stable`` (same level in every variant) and
    ``robust`` (level stable and rank range at most 3).
    """
    base = config.normalized_weights()
    variant_ranks, levels = [], []
    for k in base:
        for sign in (-1, 1):
            w = dict(base)
            w[k] = base[k] * (1 + sign * delta)
            sc = weighted_geometric_mean(components, w)
            sc = np.where(insufficient, np.nan, sc)
            variant_ranks.append(ranks(sc, eligible, node_ids, *tiebreaks))
            levels.append(levels_of(sc, config.level_cutoffs, insufficient))
    r = np.vstack(variant_ranks)
    lv = np.vstack(levels)
    same = (lv == level[None, :]).all(axis=0)
    base_rank = ranks(score, eligible, node_ids, *tiebreaks)
    df = pd.DataFrame(
        {
            "id": node_ids,
            "level": level,
            "rank": base_rank,
            "rank_min": np.minimum(r.min(axis=0), base_rank),
            "rank_max": np.maximum(r.max(axis=0), base_rank),
            "level_stable": same,
        }
    )[eligible]
    df["robust"] = df["level_stable"] & (df["rank_max"] - df["rank_min"] <= 3)
    return df.sort_values("rank").reset_index(drop=True)
