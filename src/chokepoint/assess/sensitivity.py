"""Sensitivity of the assessment: how stable ranks and levels are when the weights move."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

from chokepoint.assess.config import AssessmentConfig
from chokepoint.assess.levels import levels_of, weighted_geometric_mean


def ranks(score: npt.NDArray[np.float64], eligible: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """1 = highest score among eligible nodes; NaN last; ties by position."""
    key = np.where(eligible, np.nan_to_num(score, nan=-1.0), -2.0)
    order = np.argsort(-key, kind="stable")
    out = np.empty(len(score), dtype=np.int64)
    out[order] = np.arange(1, len(score) + 1)
    return out


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
) -> pd.DataFrame:
    """Rank stability when each weight of ``config`` moves by +/- ``delta`` (renormalized).

    ``score`` and ``level`` are the assessment's, from ``components``; ``eligible`` marks
    the nodes ranked (stages are not). Returns one row per eligible node: ``rank``,
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
            variant_ranks.append(ranks(sc, eligible))
            levels.append(levels_of(sc, config.level_cutoffs, insufficient))
    r = np.vstack(variant_ranks)
    lv = np.vstack(levels)
    same = (lv == level[None, :]).all(axis=0)
    base_rank = ranks(score, eligible)
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
