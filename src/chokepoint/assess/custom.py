r"""An assessment graded by a user-defined indicator system (评价指标体系) instead of, or beside,
the default chokepoint score.

The system's indicators read the assessment's own columns (``platform:<column>``, e.g.
``platform:restricted_share``) or the directly reported evidence of each node
(``reported:<code>``, the median over reporting enterprises, :mod:`chokepoint.assess.reported`).
The alternatives are the assessed technologies (stages, categories and nodes without supply data
left out); :func:`chokepoint.indicators.evaluate.evaluate_alternatives` weighs, normalises and
aggregates them, so the system score :math:`T_i \in [0, 1]` is relative to the chain's
technologies. A ``benefit`` indicator raises the chokepoint score (more of it is worse for the
chain: a restricted share), a ``cost`` indicator lowers it (a localization rate).

* ``replace``: :math:`S'_i = T_i`; a technology lacking any of the system's values is not graded
  (``insufficient_data``, and its explanation names what it lacks): nothing is imputed.
* ``extend``: :math:`S'_i = (1 - s) S_i + s T_i`, the system blended in with share ``s`` (an
  arithmetic blend: the technology the system ranks last, :math:`T_i = 0` under min-max, keeps
  :math:`(1 - s) S_i` instead of dropping to 0 as a geometric blend would); a technology lacking
  a value keeps :math:`S_i` and says so.

The system must normalise by min-max (z-scores are not in [0, 1], so they cannot be graded by
the level cut-offs).

Levels use the assessment's cut-offs (:func:`chokepoint.assess.levels.levels_of`); the
explanation names the system and the indicators that weigh most in the node's score.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from chokepoint.assess.assessment import Assessment
from chokepoint.assess.levels import levels_of
from chokepoint.assess.reported import REPORTED
from chokepoint.assess.system_score import SystemScore
from chokepoint.errors import UsageError
from chokepoint.indicators.evaluate import evaluate_alternatives
from chokepoint.indicators.system import IndicatorSystem

MODES = ("replace", "extend")


def system_values(a: Assessment, system: IndicatorSystem) -> np.ndarray:
    """The values of the system's indicators for every node (nodes × indicators; NaN unknown).

    Raises
    ------
    UsageError
        For a source the assessment cannot read: a non-numeric or unknown column, a reported
        indicator without node-level evidence, or a ``table:`` source.
    """
    rows = a.all_rows
    out = np.full((len(rows), len(system.indicators)), np.nan)
    for j, e in enumerate(system.indicators):
        kind, _, name = e.source.partition(":")
        if kind == "platform" and name in rows.columns:
            column = pd.to_numeric(rows[name], errors="coerce")
            if column.isna().all() and rows[name].notna().any():
                raise UsageError(f"indicator {e.id} reads {e.source}, which is not a number per node")
            out[:, j] = column.to_numpy(dtype=float, na_value=np.nan)
        elif kind == "reported" and name in REPORTED:
            out[:, j] = a.reported[name]
        else:
            known = ", ".join(sorted(c for c in rows.columns if pd.api.types.is_numeric_dtype(rows[c]))[:20])
            raise UsageError(
                f"indicator {e.id} reads {e.source}: an assessment reads platform:<column> ({known}, ...) "
                f"or reported:<code> ({', '.join(REPORTED)})"
            )
    return out


def apply_system(
    a: Assessment, system: IndicatorSystem, mode: str = "replace", share: float = 0.5, version: int = 0
) -> Assessment:
    """The assessment graded by ``system`` (see the module docstring), with :class:`SystemScore`
    in its ``system`` field.

    Raises
    ------
    UsageError
        For an unknown mode, a share outside (0, 1), a source the assessment cannot read, or
        fewer than two technologies with every value.
    """
    if mode not in MODES:
        raise UsageError(f"unknown mode {mode!r}; use replace or extend")
    if mode == "extend" and not 0.0 < share < 1.0:
        raise UsageError(f"the system's share of an extended score is in (0, 1), not {share}")
    if system.normalisation != "minmax":
        raise UsageError(
            f"system {system.name} normalises by {system.normalisation}: grading the assessment needs "
            "scores in [0, 1] (normalisation minmax)"
        )
    values = system_values(a, system)
    ix = a.chain.index
    eligible = ~a.insufficient & ~a.groups & ~ix.node_is_stage
    complete = eligible & ~np.isnan(values).any(axis=1)
    if complete.sum() < 2:
        raise UsageError(f"fewer than two technologies have every indicator of system {system.name}")
    ids = [e.id for e in system.indicators]
    frame = pd.DataFrame(values[complete], index=ix.node_ids[complete], columns=ids)
    ev = evaluate_alternatives(system, frame)
    t = np.full(len(values), np.nan)
    t[complete] = ev.scores["score"].reindex(frame.index).to_numpy(dtype=float)
    contributions = np.full(values.shape, np.nan)
    contributions[complete] = (
        ev.normalised.reindex(frame.index) * ev.weights.reindex(ids).to_numpy()
    ).to_numpy()
    if mode == "replace":
        insufficient = a.insufficient | (eligible & ~complete)
        score = np.where(complete, t, np.nan)
    else:
        insufficient = a.insufficient
        score = np.where(complete, (1.0 - share) * a.score + share * t, a.score)
    part = SystemScore(
        name=system.name,
        version=version,
        title=system.title,
        mode=mode,
        share=1.0 if mode == "replace" else share,
        indicators=tuple(ids),
        labels=tuple(e.name for e in system.indicators),
        labels_zh=tuple(e.name_zh or e.name for e in system.indicators),
        units=tuple(e.unit for e in system.indicators),
        sources=tuple(e.source for e in system.indicators),
        weights=ev.weights.reindex(ids).to_numpy(dtype=float),
        values=values,
        contributions=contributions,
        score=t,
        ungraded=eligible & ~complete,
    )
    insufficient = insufficient | (eligible & np.isnan(score))  # never a missing score read as low
    level = levels_of(score, a.config.level_cutoffs, insufficient)
    return replace(a, score=score, level=level, insufficient=insufficient, system=part)
