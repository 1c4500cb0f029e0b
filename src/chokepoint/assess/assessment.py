"""The result of an assessment: arrays per node, the ranked frame, JSON records, explanations.

:func:`~chokepoint.assess.score.assess` builds an :class:`Assessment`; its explanations are
those of :mod:`chokepoint.assess.explain`, its sensitivity that of
:mod:`chokepoint.assess.sensitivity`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

import chokepoint.assess.explain as explain
from chokepoint.assess.config import AssessmentConfig
from chokepoint.assess.criticality import Criticality
from chokepoint.assess.explain import rounded
from chokepoint.assess.levels import QUADRANTS
from chokepoint.assess.perspective import Perspective
from chokepoint.assess.sensitivity import sensitivity
from chokepoint.assess.supply import SupplyIndicators
from chokepoint.model.chain import ChainMap

INDICATOR_COLUMNS = (
    "localization",
    "localization_upper",
    "foreign_dependency",
    "restricted_share",
    "restricted_share_upper",
    "hhi_country",
    "hhi_country_risk_weighted",
    "top1_country",
    "top1_country_share",
    "top3_country_share",
    "hhi_enterprise",
    "top1_enterprise",
    "top1_enterprise_share",
    "top3_enterprise_share",
    "n_countries",
    "n_enterprises",
    "n_qualified",
    "single_point_of_failure",
    "spof_reasons",
    "has_alternative",
    "substitute_switch_days",
    "technology_gap",
    "gap_basis",
    "threshold",
    "threshold_basis",
    "downstream_value_share",
    "downstream_reach",
    "coverage_country",
    "coverage_enterprise",
    "year",
)


def jsonable(v: Any) -> Any:
    """Convert a frame cell to JSON: numpy booleans and integers as Python's, NaN as ``None``."""
    if isinstance(v, np.bool_ | bool):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        return rounded(v)
    return v


@dataclass(frozen=True)
class Assessment:
    """The result of :func:`~chokepoint.assess.score.assess`: arrays per node plus explanations on demand."""

    chain: ChainMap
    perspective: Perspective
    config: AssessmentConfig
    supply: SupplyIndicators
    crit: Criticality
    threshold: np.ndarray
    threshold_basis: np.ndarray
    gap: np.ndarray
    gap_basis: np.ndarray
    components: dict[str, np.ndarray]
    has_alternative: np.ndarray
    substitute_switch_days: np.ndarray
    score: np.ndarray
    level: np.ndarray
    quadrant: np.ndarray
    spof: np.ndarray
    spof_reasons: np.ndarray
    insufficient: np.ndarray
    derived_from: np.ndarray

    # ------------------------------------------------------------------ views
    @cached_property
    def frame(self) -> pd.DataFrame:
        """One row per node (stages excluded), ranked by score (insufficient data last)."""
        s, ix = self.supply, self.chain.index
        nodes = self.chain.nodes
        df = pd.DataFrame(
            {
                "id": ix.node_ids,
                "name": nodes["name"].to_numpy(),
                "name_zh": nodes["name_zh"].to_numpy(),
                "kind": nodes["kind"].to_numpy(),
                "stage": nodes["stage"].to_numpy(),
                "level": self.level,
                "score": self.score,
                "quadrant": self.quadrant,
                "gap": self.components["gap"],
                "criticality": self.components["criticality"],
                "exposure": self.components["exposure"],
                "technology_gap": self.gap,
                "gap_basis": self.gap_basis,
                "threshold": self.threshold,
                "threshold_basis": self.threshold_basis,
                "localization": s.localization,
                "localization_upper": s.localization_upper,
                "foreign_dependency": 1.0 - s.localization,
                "restricted_share": s.exposure_known,
                "restricted_share_upper": s.exposure,
                "hhi_country": s.hhi_country,
                "hhi_country_risk_weighted": s.hhi_weighted,
                "top1_country": s.top1_country_code,
                "top1_country_share": s.top1_country,
                "top3_country_share": s.top3_country,
                "hhi_enterprise": s.hhi_enterprise,
                "top1_enterprise": s.top1_enterprise_id,
                "top1_enterprise_share": s.top1_enterprise,
                "top3_enterprise_share": s.top3_enterprise,
                "n_countries": s.n_countries,
                "n_enterprises": s.n_enterprises,
                "n_qualified": s.n_qualified,
                "single_point_of_failure": self.spof,
                "spof_reasons": self.spof_reasons,
                "has_alternative": self.has_alternative,
                "substitute_switch_days": self.substitute_switch_days,
                "downstream_value_share": self.crit.value_share,
                "downstream_reach": self.crit.reach,
                "coverage_country": s.coverage,
                "coverage_enterprise": s.coverage_enterprise,
                "year": s.year,
            }
        )
        df = df[~ix.node_is_stage]
        order = np.lexsort((df["id"].to_numpy(dtype=str), -np.nan_to_num(df["score"].to_numpy(), nan=-1.0)))
        df = df.iloc[order].reset_index(drop=True)
        df.insert(0, "rank", np.arange(1, len(df) + 1))
        return df

    def to_frame(self) -> pd.DataFrame:
        """Return a copy of :attr:`frame`, the ranked node rows, safe to modify."""
        return self.frame.copy()

    def position(self, node_id: str) -> int:
        """Return the position of node ``node_id`` in the chain map's arrays (``KeyError`` if unknown)."""
        return self.chain.index.node_position(node_id)

    def row(self, node_id: str) -> dict[str, Any]:
        """Return the :attr:`frame` row of node ``node_id`` as a column -> value dict (cells unconverted)."""
        return {str(k): v for k, v in self.frame.set_index("id").loc[node_id].items()}

    # ----------------------------------------------------------- explanation
    def restricted_suppliers(self, i: int) -> list[tuple[str, float, list[str]]]:
        """(country, share, top enterprises) of restricted supply of node ``i``, largest first."""
        return explain.restricted_suppliers(self, i)

    def components_of(self, node_id: str) -> list[dict[str, Any]]:
        """Score components of one node: name, value, weight, coverage, basis, year."""
        return explain.components_of(self, self.position(node_id))

    def explanation(self, node_id: str, lang: str = "en") -> str:
        """One sentence a minister can read, in English (``en``) or Chinese (``zh``)."""
        return explain.explanation(self, self.position(node_id), lang)

    def records(self, lang: str = "en", limit: int | None = None) -> list[dict[str, Any]]:
        """JSON-ready rows: id, name, level, score, quadrant, components, explanation, indicators."""
        df = self.frame if limit is None else self.frame.head(limit)
        return [self._record(r, lang) for r in df.to_dict("records")]

    def record(self, node_id: str, lang: str = "en") -> dict[str, Any]:
        """Return the JSON-ready row of one node (raises ``KeyError`` for an unknown or stage node)."""
        rows = self.frame[self.frame["id"] == node_id]
        if rows.empty:
            raise KeyError(node_id)
        return self._record(rows.to_dict("records")[0], lang)

    def _record(self, r: dict[Any, Any], lang: str) -> dict[str, Any]:
        q = r["quadrant"]
        return {
            "rank": int(r["rank"]),
            "id": r["id"],
            "name": r["name"],
            "name_zh": r["name_zh"],
            "kind": r["kind"],
            "level": r["level"],
            "score": rounded(r["score"]),
            "quadrant": q,
            "quadrant_zh": QUADRANTS[q][0] if q in QUADRANTS else "",
            "components": self.components_of(r["id"]),
            "explanation": self.explanation(r["id"], lang),
            "indicators": {k: jsonable(r[k]) for k in INDICATOR_COLUMNS},
        }

    # ------------------------------------------------------------ sensitivity
    def sensitivity(self, delta: float = 0.2) -> pd.DataFrame:
        """Rank stability when each weight moves by +/- ``delta`` (renormalized).

        Returns one row per node: ``rank``, ``rank_min``, ``rank_max``,
        ``level_stable`` (same level in every variant) and ``robust``
        (level stable and rank range at most 3).
        """
        return sensitivity(
            self.components,
            self.config,
            score=self.score,
            level=self.level,
            insufficient=self.insufficient,
            node_ids=self.chain.index.node_ids,
            eligible=~self.chain.index.node_is_stage,
            delta=delta,
        )
