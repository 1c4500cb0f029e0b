"""The part an indicator system plays in an assessment, per node (built by
:func:`chokepoint.assess.custom.apply_system`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SystemScore:
    """The indicator system's part of an assessment, per node (the chain's node order).

    ``values``, ``contributions``: nodes × indicators (raw values; :math:`W_j x'_{ij}`), NaN where
    unknown or not graded; ``score``: :math:`T_i` (NaN likewise); ``ungraded``: technologies the
    default assessment grades that lack a value of the system.
    """

    name: str
    version: int
    title: str
    mode: str
    share: float
    indicators: tuple[str, ...]
    labels: tuple[str, ...]
    labels_zh: tuple[str, ...]
    units: tuple[str, ...]
    sources: tuple[str, ...]
    weights: np.ndarray
    values: np.ndarray
    contributions: np.ndarray
    score: np.ndarray
    ungraded: np.ndarray  # assessed technologies lacking a value of the system

    def missing(self, i: int, lang: str = "en") -> list[str]:
        """The indicators node ``i`` has no value of (their labels in ``lang``)."""
        labels = self.labels_zh if lang == "zh" else self.labels
        return [labels[j] for j in np.flatnonzero(np.isnan(self.values[i]))]

    def top(self, i: int, lang: str = "en", k: int = 3) -> list[tuple[str, str, float]]:
        """The ``k`` indicators that weigh most in node ``i``'s system score: (label, value with
        its unit, weight); a share (unit ``share``, ``fraction`` or ``%`` of 0-1) as a percentage.
        """
        c = self.contributions[i]
        if np.isnan(c).all():
            return []
        order = np.argsort(-np.nan_to_num(c, nan=-1.0), kind="stable")[:k]
        labels = self.labels_zh if lang == "zh" else self.labels
        return [(labels[j], self.shown(i, j), float(self.weights[j])) for j in order if c[j] > 0]

    def shown(self, i: int, j: int) -> str:
        """Node ``i``'s value of indicator ``j`` as written in a sentence, with its unit."""
        v, unit = float(self.values[i, j]), self.units[j]
        if unit in ("share", "fraction") and 0.0 <= v <= 1.0:
            return f"{v:.0%}"
        return f"{v:.3g}" + (f" {unit}" if unit else "")
