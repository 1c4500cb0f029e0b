r"""Evaluate alternatives (parks, regions, nodes) with an indicator system, explained.

For alternatives :math:`i` with indicator values :math:`x_{ij}`: the global weights
:math:`W_j` (:func:`chokepoint.indicators.system.global_weights`), the normalised values
:math:`x'_{ij}` (the system's ``normalisation``), and the score: the weighted sum
:math:`S_i = \sum_j W_j x'_{ij}` or the TOPSIS closeness (the system's ``aggregation``). Rank 1
is the best; equal scores share the better rank.

Explanations: the weighted gap to the group's mean, :math:`g_{ij} = W_j (x'_{ij} - \bar x'_j)`;
an alternative's strengths are its indicators of largest positive gap, its weaknesses those of
largest negative gap (at most ``top`` each); for a weighted sum the gaps sum to
:math:`S_i - \bar S`, so they say exactly why a park is above or below the average of its type.
Criterion scores sum the weighted values of each top-level criterion's indicators.

An alternative missing any indicator value is not ranked (and says which): nothing is imputed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from chokepoint.errors import UsageError
from chokepoint.indicators.aggregate import normalise, topsis, weighted_sum
from chokepoint.indicators.objective import critic_weights, entropy_weights
from chokepoint.indicators.system import IndicatorSystem, global_weights


@dataclass(frozen=True)
class Evaluation:
    """What :func:`evaluate_alternatives` returns.

    Attributes
    ----------
    scores : DataFrame
        Per ranked alternative: ``score``, ``rank`` and one column per top-level criterion.
    weights : Series
        Global weight per indicator.
    normalised : DataFrame
        :math:`x'_{ij}` of the ranked alternatives.
    gaps : DataFrame
        :math:`g_{ij}`, the weighted gap to the group's mean.
    unranked : dict
        Alternative -> the indicators it lacks.
    constant : list
        Indicators with one value for every ranked alternative (they add nothing).
    """

    scores: pd.DataFrame
    weights: pd.Series
    normalised: pd.DataFrame
    gaps: pd.DataFrame
    unranked: dict[str, list[str]]
    constant: list[str] = field(default_factory=list)

    def strengths(self, alternative: str, top: int = 2) -> list[str]:
        """The indicators of largest positive weighted gap (at most ``top``)."""
        g = pd.Series(self.gaps.loc[alternative], dtype=float)
        return [str(k) for k in g[g > 1e-12].sort_values(ascending=False).index[:top]]

    def weaknesses(self, alternative: str, top: int = 2) -> list[str]:
        """The indicators of largest negative weighted gap (at most ``top``)."""
        g = pd.Series(self.gaps.loc[alternative], dtype=float)
        return [str(k) for k in g[g < -1e-12].sort_values().index[:top]]


def top_criterion(system: IndicatorSystem) -> dict[str, str]:
    """The top-level criterion of each indicator (the indicator itself at the top level)."""
    parent = {e.id: e.parent for e in system.elements}
    out = {}
    for e in system.indicators:
        at = e.id
        while parent[at]:
            at = parent[at]
        out[e.id] = at
    return out


def evaluate_alternatives(
    system: IndicatorSystem,
    data: pd.DataFrame,
    cr_thresholds: Mapping[int, float] | None = None,
) -> Evaluation:
    """Score and rank the alternatives of ``data`` (rows; columns = the system's indicator ids).

    An indicator with the same value for every alternative tells them nothing apart: it adds
    nothing to any score (its normalised value is 0; with entropy or CRITIC its weight is 0) and
    is listed in :attr:`Evaluation.constant`. Scores equal to 9 decimals share a rank.

    With TOPSIS the weighted gaps are those of the vector-normalised values TOPSIS measures
    distances on, oriented so that more is better (a cost indicator's sign reversed); there are no
    criterion scores (the closeness does not split by criterion).

    Raises
    ------
    UsageError
        When fewer than two alternatives have every indicator, when no indicator tells them
        apart, or for invalid weights.
    """
    ids = [e.id for e in system.indicators]
    directions = {e.id: e.direction for e in system.indicators}
    table = data.reindex(columns=ids).astype(float)
    missing = table.isna()
    unranked = {str(i): [c for c in ids if missing.loc[i, c]] for i in table.index[missing.any(axis=1)]}
    complete = table[~missing.any(axis=1)]
    if len(complete) < 2:
        raise UsageError(
            f"{len(complete)} alternative(s) with every indicator of system {system.name}: "
            "a ranking needs two"
        )
    constant = [c for c in ids if complete[c].nunique() <= 1]
    informative = [c for c in ids if c not in constant]
    if not informative:
        raise UsageError(f"every indicator of system {system.name} has one value for all alternatives")
    if system.weighting in ("entropy", "critic"):
        method = entropy_weights if system.weighting == "entropy" else critic_weights
        weights = method(complete[informative], directions).reindex(ids, fill_value=0.0).rename("weight")
    else:
        weights = global_weights(system, None, cr_thresholds)
    kept = {c: directions[c] for c in informative}
    normalised = normalise(complete[informative], kept, system.normalisation)  # type: ignore[arg-type]
    normalised = normalised.reindex(columns=ids, fill_value=0.0)
    w = {str(k): float(v) for k, v in weights.items()}
    crit = top_criterion(system)
    order = list(dict.fromkeys(crit[i] for i in ids))
    if system.aggregation == "topsis":
        score = topsis(complete, w, directions)["closeness"]
        r = complete / np.sqrt((complete**2).sum(axis=0)).replace(0.0, 1.0)
        sign = np.array([1.0 if directions[c] == "benefit" else -1.0 for c in ids])
        contributions = r * sign * weights.reindex(ids).to_numpy()
        by_criterion = pd.DataFrame(index=complete.index)
        order = []
    else:
        score = weighted_sum(normalised, w)
        contributions = normalised * weights.reindex(ids).to_numpy()
        by_criterion = contributions.T.groupby(pd.Series(crit)).sum().T
    gaps = contributions - contributions.mean(axis=0)
    scores = pd.DataFrame({"score": score.to_numpy()}, index=complete.index)
    scores["rank"] = scores["score"].round(9).rank(ascending=False, method="min").astype(int)
    scores = scores.join(by_criterion[order]).sort_values(["rank"], kind="stable")
    return Evaluation(scores, weights, normalised, gaps, unranked, constant)


def ranks_within(
    groups: pd.Series, systems: Mapping[str, IndicatorSystem], data: pd.DataFrame
) -> dict[str, Evaluation]:
    """One evaluation per group (e.g. park type) with that group's system (classified evaluation,
    分类评价): ``groups`` maps each alternative to its group; a group without a system is left
    out (the caller reports it).
    """
    out = {}
    for group, system in systems.items():
        members = groups.index[groups.to_numpy() == group]
        if len(members):
            out[group] = evaluate_alternatives(system, data.loc[np.asarray(members)])
    return out
