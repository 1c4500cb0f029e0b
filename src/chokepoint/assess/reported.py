r"""Directly reported data (数据直报) as evidence of the assessment.

Enterprises report per node (entity ``NODE|ENTERPRISE``, :mod:`chokepoint.monitor.catalog`). The
latest period each enterprise reported for a node counts, and the node's value is the median
over its reporting enterprises:

* ``restricted_supply_share`` (fraction of the enterprise's supply from restricted countries):
  the home industry's own sourcing, so it replaces the restricted share read from world market
  shares (basis ``reported``);
* ``qualified_suppliers`` (count of qualified suppliers): a substitutability candidate
  :math:`\sigma = \min(1, (q - 1)/3)`: one supplier gives none, four or more a full alternative;
* ``inventory_days`` and ``lead_time_days`` are shown with the node's record and explanation but
  do not enter the score: they measure short-term tension (the monitoring rules and the
  scenarios over time use them), not structural dependence.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from chokepoint.model.chain import ChainMap

REPORTED = ("restricted_supply_share", "qualified_suppliers", "inventory_days", "lead_time_days")


def reported_evidence(observations: pd.DataFrame) -> pd.DataFrame | None:
    """Per node: the median over reporting enterprises of each indicator's latest value, the
    number of enterprises (``n_<indicator>``) and the latest period (``period``).

    ``observations``: columns ``indicator, entity_type, entity, period, value`` (the store's
    reported values). ``None`` when no node-level value of :data:`REPORTED` is stored.
    """
    if observations is None or observations.empty:
        return None
    obs = observations[
        (observations["entity_type"] == "node_enterprise") & observations["indicator"].isin(REPORTED)
    ]
    if obs.empty:
        return None
    parts = obs["entity"].astype(str).str.split("|", n=1, expand=True)
    obs = obs.assign(node=parts[0], enterprise=parts[1])
    latest = obs.sort_values("period").groupby(["indicator", "node", "enterprise"]).tail(1)
    grouped = latest.groupby(["node", "indicator"])
    med = grouped["value"].median().unstack("indicator")
    n = grouped["value"].size().unstack("indicator").fillna(0).astype(np.int64)
    out = med.reindex(columns=list(REPORTED))
    for k in REPORTED:
        out[f"n_{k}"] = n[k] if k in n.columns else 0
    out["period"] = latest.groupby("node")["period"].max()
    return out


def reported_arrays(chain: ChainMap, reported: pd.DataFrame | None) -> dict[str, npt.NDArray[np.float64]]:
    """The reported evidence aligned on the chain's nodes (NaN, and counts 0, where none)."""
    ids = pd.Index(chain.index.node_ids)
    out: dict[str, npt.NDArray[np.float64]] = {}
    for k in REPORTED:
        for col, empty in ((k, np.nan), (f"n_{k}", 0.0)):
            if reported is None or col not in reported.columns:
                out[col] = np.full(len(ids), empty)
            else:
                values = pd.to_numeric(reported[col], errors="coerce").reindex(ids)
                out[col] = values.to_numpy(dtype=float, na_value=empty)
    return out


def reported_substitutability(qualified: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    r""":math:`\min(1, (q - 1)/3)` from a reported count of qualified suppliers (NaN stays NaN)."""
    return np.clip((qualified - 1.0) / 3.0, 0.0, 1.0)
