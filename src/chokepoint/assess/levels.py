r"""Levels and quadrants of the assessment, and the score that grades them.

Levels (default cut-offs of :class:`~chokepoint.assess.config.AssessmentConfig`): I (red)
:math:`S \ge 0.90`, II (orange) :math:`\ge 0.85`, III (yellow) :math:`\ge 0.70`, IV (blue)
:math:`\ge 0.50`, else ``low``; a node without supply data is
``insufficient_data``, never safe. Quadrants by threshold x localization: 攻坚 tackle,
长板 strength, 替代 substitute, 安全 safe (see :mod:`chokepoint.assess.score`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

LEVELS = ("I", "II", "III", "IV")
LEVEL_COLORS = {"I": "red", "II": "orange", "III": "yellow", "IV": "blue"}
LEVEL_ZH = {
    "I": "红色（I级）",
    "II": "橙色（II级）",
    "III": "黄色（III级）",
    "IV": "蓝色（IV级）",
    "low": "低风险",
    "insufficient_data": "数据不足",
}
QUADRANTS = {
    "tackle": ("攻坚", "high threshold, low localization: long-term chokepoint"),
    "strength": ("长板", "high threshold, high localization: strength"),
    "substitute": ("替代", "low threshold, low localization: quick substitution"),
    "safe": ("安全", "low threshold, high localization: safe"),
}


def weighted_geometric_mean(
    components: Mapping[str, npt.NDArray[np.float64]], weights: Mapping[str, float]
) -> npt.NDArray[np.float64]:
    r""":math:`\prod_k x_k^{w_k}` with :math:`\sum w_k = 1`; 0 when any weighted component is 0."""
    total = sum(weights.values())
    out = np.ones_like(next(iter(components.values())), dtype=float)
    for k, x in components.items():
        w = weights[k] / total
        if w > 0:
            out = out * np.power(np.clip(x, 0.0, 1.0), w)
    return out


def levels_of(
    score: npt.NDArray[np.float64], cutoffs: tuple[float, ...], insufficient: npt.NDArray[np.bool_]
) -> npt.NDArray[np.object_]:
    """Level label per node: I-IV, ``low`` or ``insufficient_data``."""
    labels = np.array([*LEVELS, "low"], dtype=object)
    idx = np.searchsorted(-np.asarray(cutoffs), -np.nan_to_num(score, nan=-1.0), side="right")
    out: npt.NDArray[np.object_] = labels[np.minimum(idx, 4)]
    out[insufficient] = "insufficient_data"
    return out
