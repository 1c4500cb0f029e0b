r"""Exposure of a node to foreign supply: restricted share, concentration, governance, substitutes.

For node :math:`i` with known country shares :math:`s_{ic}` (coverage :math:`\kappa_i`,
unknown remainder :math:`r_i = 1 - \kappa_i`), from the home economy's perspective:

* **restricted share** :math:`\bar X_i`: the bound of the share a blockade by every
  restricted country removes (the coverage rule, :mod:`chokepoint.assess.coverage`).
* **concentration** :math:`K_i = \sum_c s_{ic}^2 + r_i^2`: the Herfindahl-Hirschman index
  of supplier countries, the unknown remainder counted as one more supplier (its bound: an
  unknown share never makes supply look less concentrated). :math:`1/K_i` is the effective
  number of supplier countries. Splitting a supplier into two halves lowers it.
* **governance** :math:`W_i`: the concentration-weighted governance risk of the foreign
  supply, :math:`W_i = R_i / K_i` with

  .. math:: R_i = \sum_{c \notin H} s_{ic}^2\, w_c + r_i^2\, w_\varnothing

  the EU's :math:`HHI_{WGI}` (JRC 2017, supply risk) restricted to foreign supply: :math:`w_c`
  is country :math:`c`'s governance risk in [0, 1] (WGI, :mod:`chokepoint.assess.governance`,
  or the perspective's own ``country_risk``), :math:`w_\varnothing` the documented value for a
  country without a score. Home supply carries no sourcing risk.
* **raw exposure** :math:`E^0_i = 1 - (1 - \bar X_i)(1 - \gamma R_i)`: either a blockade by
  the restricted countries or concentrated supply from poorly governed countries stops the
  node; :math:`\gamma` (default 0.5) says that concentration in neutral hands weighs at most
  half a blockade. Increasing in :math:`\bar X_i` and in every :math:`w_c`.
* **substitutability** :math:`\sigma_i \in [0, 1]`, the largest of: the secure share (home
  and allied qualified providers) relative to half the market, :math:`\min(1, a_i/0.5)`; for
  each ``substitute_for`` node :math:`j` with a secure source,
  :math:`\sigma_j^{own}\,(1 - d_{ji})\,/(1 + \text{days}_{ji}/365)` (difficulty
  :math:`d`, unknown: 0.5; unknown days: 365); the node's ``substitutability`` data; the
  experts' median. A substitute never lowers :math:`\sigma`.
* **exposure** :math:`E_i = E^0_i\,(1 - \rho\,\sigma_i)` with relief :math:`\rho`
  (default 0.6).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from chokepoint.assess.governance import GovernanceTable, risk_of
from chokepoint.assess.perspective import Perspective
from chokepoint.assess.supply import (
    AGGREGATE,
    ALLIED,
    HOME,
    NEUTRAL,
    RESTRICTED,
    SupplyIndicators,
    classify_codes,
)
from chokepoint.assess.trade_basis import TradeBasis
from chokepoint.model.chain import ChainMap

Floats = npt.NDArray[np.float64]
SECURE_HALF = 0.5  # a secure share of half the market counts as a full alternative
AGGREGATE_MEMBERS = 5  # an aggregate ("Various countries") with no listed country beside it
UNKNOWN_DIFFICULTY = 0.5
UNKNOWN_SWITCH_DAYS = 365.0


@dataclass(frozen=True)
class ExposureParts:
    """The exposure of every node and the parts it is made of (arrays of length ``n_nodes``)."""

    restricted: Floats
    restricted_basis: npt.NDArray[np.object_]
    concentration: Floats
    governance: Floats
    governance_imputed: npt.NDArray[np.bool_]
    sourcing_risk: Floats
    raw: Floats
    secure_share: Floats
    substitutability: Floats
    substitutability_basis: npt.NDArray[np.object_]
    exposure: Floats
    trade_basis: npt.NDArray[np.bool_] | None = None
    trade_label: str | None = None
    trade_label_zh: str | None = None


def substitutability(
    chain: ChainMap,
    secure: Floats,
    data: Floats,
    expert: Floats,
    reported: Floats,
) -> tuple[Floats, npt.NDArray[np.object_]]:
    """Degree of substitutability per node and its basis (see the module's formula).

    ``secure``: each node's secure (home and allied qualified) known share; ``data``: the
    nodes' ``substitutability`` column (NaN when absent); ``expert``: the experts' median on
    0-1 (NaN when not scored); ``reported``: from the enterprises' reported count of qualified
    suppliers (:func:`chokepoint.assess.reported.reported_substitutability`).
    """
    ix = chain.index
    n = ix.n_nodes
    own = np.minimum(1.0, secure / SECURE_HALF)
    via = np.zeros(n)
    sub = ix.substitute_for.tocoo()  # sub[s, t]: s can replace t
    if sub.nnz:
        edges = chain.edges[chain.edges["kind"] == "substitute_for"]
        pos_s = ix.node_positions(edges["source"].to_numpy(dtype=object))
        pos_t = ix.node_positions(edges["target"].to_numpy(dtype=object))
        days = edges["switching_days"].to_numpy(dtype=float, na_value=np.nan)
        diff = edges["difficulty"].to_numpy(dtype=float, na_value=np.nan)
        days = np.where(np.isnan(days), UNKNOWN_SWITCH_DAYS, days)
        diff = np.where(np.isnan(diff), UNKNOWN_DIFFICULTY, diff)
        ok = (pos_s >= 0) & (pos_t >= 0)
        value = own[pos_s[ok]] * (1.0 - diff[ok]) / (1.0 + days[ok] / 365.0)
        np.maximum.at(via, pos_t[ok], value)
    candidates = np.vstack(
        [
            own,
            via,
            np.nan_to_num(data, nan=0.0),
            np.nan_to_num(expert, nan=0.0),
            np.nan_to_num(reported, nan=0.0),
        ]
    )
    sigma = candidates.max(axis=0)
    which = candidates.argmax(axis=0)
    names = np.array(["derived", "derived", "data", "expert", "reported"], dtype=object)
    basis = names[which]
    return sigma, basis


def aggregate_squares(
    node: npt.NDArray[np.int64], share: Floats, aggregate: npt.NDArray[np.bool_], n: int
) -> Floats:
    r"""Each entry's term of the concentration index: :math:`s^2`, except for aggregates.

    An aggregate (ETO's "Various countries") groups providers each smaller than the
    smallest country listed beside it, :math:`s_{min}`; it counts as :math:`a / s_{min}`
    suppliers of that size, :math:`a\,\min(a, s_{min})` (the largest index such a split
    allows), or as ``AGGREGATE_MEMBERS`` equal suppliers, :math:`a^2/5`, when no country
    is listed beside it.
    """
    listed = ~aggregate & (share > 0)
    smallest = np.full(n, np.inf)
    np.minimum.at(smallest, node[listed], share[listed])
    s_min = smallest[node]
    agg_term = np.where(np.isinf(s_min), share**2 / AGGREGATE_MEMBERS, share * np.minimum(share, s_min))
    return np.where(aggregate, agg_term, share**2)


def exposure_parts(
    chain: ChainMap,
    s: SupplyIndicators,
    perspective: Perspective,
    *,
    governance: GovernanceTable | None,
    missing_risk: float,
    governance_weight: float,
    relief: float,
    qualified_share: float,
    neutral_is_alternative: bool,
    substitutability_data: Floats,
    substitutability_expert: Floats,
    trade: TradeBasis | None = None,
    reported_restricted: Floats | None = None,
    reported_substitutability: Floats | None = None,
) -> ExposureParts:
    """Every node's exposure and its parts, from its supply entries (see the module's formulas);
    nodes with ``trade`` entries use the home economy's import shares instead
    (:mod:`chokepoint.assess.trade_basis`).
    """
    n = chain.index.n_nodes
    e = s.entries
    known = ~np.isnan(e.share)
    share = np.where(known, e.share, 0.0)
    remainder = np.maximum(0.0, 1.0 - s.coverage) * s.has_data
    risk, imputed = risk_of(governance, e.code, perspective.country_risk, missing_value=missing_risk)
    foreign = e.cls != HOME
    bins = {"minlength": n}
    square = aggregate_squares(e.node, share, e.cls == AGGREGATE, n)
    concentration = np.bincount(e.node, weights=square, **bins) + remainder**2
    sourcing = np.bincount(e.node, weights=square * risk * foreign, **bins) + remainder**2 * missing_risk
    restricted = s.exposure
    any_imputed = np.bincount(e.node, weights=(imputed & foreign & (share > 0)), **bins) > 0
    if trade is not None and trade.has_trade.any():
        cls = classify_codes(np.asarray(trade.code, dtype=str), chain, perspective)
        t_risk, t_imp = risk_of(governance, trade.code, perspective.country_risk, missing_value=missing_risk)
        m = trade.share
        t_conc = np.bincount(trade.node, weights=m**2, **bins)
        t_src = np.bincount(trade.node, weights=m**2 * t_risk, **bins)
        t_res = np.bincount(trade.node, weights=m * (cls == RESTRICTED), **bins)
        t_imputed = np.bincount(trade.node, weights=t_imp, **bins) > 0
        use = trade.has_trade
        concentration = np.where(use, t_conc, concentration)
        sourcing = np.where(use, t_src, sourcing)
        restricted = np.where(use, t_res, restricted)
        any_imputed = np.where(use, t_imputed, any_imputed)
    restricted_basis = np.where(
        trade.has_trade if trade is not None else np.zeros(n, dtype=bool), "data (trade)", "data"
    ).astype(object)
    if reported_restricted is not None:
        has_rep = ~np.isnan(reported_restricted)
        restricted = np.where(has_rep, reported_restricted, restricted)
        restricted_basis[has_rep] = "reported"
    governance_mean = np.divide(sourcing, concentration, out=np.zeros(n), where=concentration > 0)
    raw = 1.0 - (1.0 - restricted) * (1.0 - governance_weight * sourcing)
    secure_classes = [HOME, ALLIED] + ([NEUTRAL] if neutral_is_alternative else [])
    secure: Floats = np.bincount(
        e.node, weights=share * (np.isin(e.cls, secure_classes) & (share >= qualified_share)), **bins
    ).astype(np.float64)
    sigma, basis = substitutability(
        chain,
        secure,
        substitutability_data,
        substitutability_expert,
        np.full(n, np.nan) if reported_substitutability is None else reported_substitutability,
    )
    return ExposureParts(
        restricted=restricted,
        restricted_basis=restricted_basis,
        concentration=concentration,
        governance=governance_mean,
        governance_imputed=any_imputed,
        sourcing_risk=sourcing,
        raw=raw,
        secure_share=secure,
        substitutability=sigma,
        substitutability_basis=basis,
        exposure=raw * (1.0 - relief * sigma),
        trade_basis=None if trade is None else trade.has_trade,
        trade_label=None if trade is None else trade.label(),
        trade_label_zh=None if trade is None else trade.label("zh"),
    )
