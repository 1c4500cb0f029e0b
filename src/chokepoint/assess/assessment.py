"""The result of an assessment: arrays per node, the ranked frame, JSON records, explanations.

:func:`~chokepoint.assess.score.assess` builds an :class:`Assessment`; its explanations are
those of :mod:`chokepoint.assess.explain`, its sensitivity that of
:mod:`chokepoint.assess.sensitivity`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

import chokepoint.assess.explain as explain
from chokepoint.assess.config import AssessmentConfig
from chokepoint.assess.criticality import Criticality
from chokepoint.assess.explain import rounded
from chokepoint.assess.exposure import ExposureParts
from chokepoint.assess.hierarchy import group_summaries, parent_of
from chokepoint.assess.levels import QUADRANTS
from chokepoint.assess.perspective import Perspective
from chokepoint.assess.ranking import rank_order
from chokepoint.assess.sensitivity import sensitivity
from chokepoint.assess.supply import SupplyIndicators
from chokepoint.model.chain import ChainMap

if TYPE_CHECKING:  # annotations only
    from chokepoint.assess.system_score import SystemScore

#: the columns a regional perspective adds (:func:`chokepoint.assess.score.regional_shares`)
REGIONAL_COLUMNS = (
    "region_share", "region_share_upper", "domestic_share", "home_unlocated_share", "region_partial",
)  # fmt: skip

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
    "concentration",
    "effective_suppliers",
    "governance_risk",
    "substitutability",
    "substitutability_basis",
    "secure_share",
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
    gap_years: np.ndarray
    components: dict[str, np.ndarray]
    has_alternative: np.ndarray
    substitute_switch_days: np.ndarray
    score: np.ndarray
    level: np.ndarray
    quadrant: np.ndarray
    spof: np.ndarray
    spof_reasons: np.ndarray
    spof_reasons_zh: np.ndarray  # the same reasons in Chinese
    insufficient: np.ndarray
    derived_from: np.ndarray
    exposure_parts: ExposureParts
    expert_n: dict[str, np.ndarray]
    groups: np.ndarray
    governance_source: str | None
    reported: dict[str, np.ndarray]
    #: the user-defined indicator system that grades it, if any (:mod:`chokepoint.assess.custom`)
    system: SystemScore | None = None
    #: with a regional perspective: :data:`REGIONAL_COLUMNS` per node (:mod:`chokepoint.assess.regional`)
    regional: dict[str, np.ndarray] | None = None

    # ------------------------------------------------------------------ views
    @cached_property
    def frame(self) -> pd.DataFrame:
        """One row per technology (leaf node; stages and groups excluded), ranked by score
        (insufficient data last); ties by criticality, then exposure, then id.
        """
        df = self.all_rows
        df = pd.DataFrame(df[~self.chain.index.node_is_stage & ~self.groups])
        order = rank_order(
            df["score"].to_numpy(dtype=float),
            df["id"].to_numpy(dtype=object),
            df["criticality"].to_numpy(dtype=float),
            df["exposure"].to_numpy(dtype=float),
        )
        df = df.iloc[order].reset_index(drop=True)
        df.insert(0, "rank", np.arange(1, len(df) + 1))
        return df

    @cached_property
    def group_frame(self) -> pd.DataFrame:
        """One row per group (a category with ``type_of`` children): its members' summary."""
        summary = group_summaries(self.chain, self.score, self.level)
        rows = self.all_rows.set_index("id").loc[summary["id"], ["name", "name_zh", "stage"]]
        out: pd.DataFrame = pd.concat([summary.reset_index(drop=True), rows.reset_index(drop=True)], axis=1)
        return out

    @cached_property
    def all_rows(self) -> pd.DataFrame:
        """Every node's row (stages and groups included), in the chain's order."""
        s, ix = self.supply, self.chain.index
        nodes = self.chain.nodes
        x = self.exposure_parts
        parent = parent_of(self.chain)
        group_id = np.where(parent >= 0, ix.node_ids[np.clip(parent, 0, None)], "")
        df = pd.DataFrame(
            {
                # the chain's own text arrays (Arrow-backed): no Python string per row
                "id": nodes["id"].array,
                "name": nodes["name"].array,
                "name_zh": nodes["name_zh"].array,
                "kind": nodes["kind"].array,
                "stage": nodes["stage"].array,
                "group": group_id,
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
                "restricted_share": s.exposure_known
                if x.trade_basis is None
                else np.where(x.trade_basis, x.restricted, s.exposure_known),
                "restricted_share_upper": x.restricted,
                "hhi_country": s.hhi_country,
                "hhi_country_risk_weighted": x.sourcing_risk,
                "concentration": x.concentration,
                "effective_suppliers": np.divide(
                    1.0, x.concentration, out=np.full(len(ix.node_ids), np.nan), where=x.concentration > 0
                ),
                "governance_risk": x.governance,
                "substitutability": x.substitutability,
                "substitutability_basis": x.substitutability_basis,
                "secure_share": x.secure_share,
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
                "experts": np.maximum.reduce(list(self.expert_n.values())),
            }
        )
        if self.system is not None:
            df["system_score"] = self.system.score
        for k, v in (self.regional or {}).items():
            df[k] = v
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
        """Return the JSON-ready row of one technology or group (``KeyError`` for an unknown or
        stage node).
        """
        rows = self.frame[self.frame["id"] == node_id]
        if rows.empty:
            groups = [g for g in self.group_records(lang) if g["id"] == node_id]
            if not groups:
                raise KeyError(node_id)
            return groups[0]
        return self._record(rows.to_dict("records")[0], lang)

    def group_records(self, lang: str = "en") -> list[dict[str, Any]]:
        """JSON-ready rows of the groups: ``kind: "group"``, ``score: null``, the members' summary."""
        out = []
        for row in self.group_frame.to_dict("records"):
            g = {str(k): v for k, v in row.items()}
            out.append(
                {
                    "id": g["id"],
                    "name": g["name"],
                    "name_zh": g["name_zh"],
                    "kind": "group",
                    "score": None,
                    "level": g["worst_level"],
                    "members": g["members"],
                    "n_members": int(g["n_members"]),
                    "worst_member": g["worst_member"],
                    "worst_score": rounded(g["worst_score"]) if g["worst_score"] is not None else None,
                    "member_levels": g["levels"],
                    "explanation": explain.group_explanation(self, g, lang),
                }
            )
        return out

    def _record(self, r: dict[Any, Any], lang: str) -> dict[str, Any]:
        q = r["quadrant"]
        return {
            "rank": int(r["rank"]),
            "id": r["id"],
            "name": r["name"],
            "name_zh": r["name_zh"],
            "kind": r["kind"],
            "group": r["group"] or None,
            "level": r["level"],
            "score": rounded(r["score"]),
            "quadrant": q,
            "quadrant_zh": QUADRANTS[q][0] if q in QUADRANTS else "",
            "components": self.components_of(r["id"]),
            "explanation": self.explanation(r["id"], lang),
            "indicators": {k: jsonable(r[k]) for k in (*INDICATOR_COLUMNS, *REGIONAL_COLUMNS) if k in r},
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
            eligible=~self.chain.index.node_is_stage & ~self.groups,
            delta=delta,
            tiebreaks=(self.components["criticality"], self.components["exposure"]),
        )
