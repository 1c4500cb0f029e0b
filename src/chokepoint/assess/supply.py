r"""Supply-side indicators per node, vectorized over every provision at once.

For node :math:`i` with known country shares :math:`s_{ic}` (fractions of the
global market, latest year per node and provider level):

* coverage :math:`\kappa_i = \min(1, \sum_c s_{ic})`
* localization (proxy) :math:`L_i = \sum_{c \in H} s_{ic}`, the share of the world
  market held by home providers (the strict rate needs home consumption data);
  foreign dependency :math:`1 - L_i`
* concentration :math:`HHI_i = \sum_c s_{ic}^2`, top-1 and top-3 shares; the same
  over enterprises
* governance-weighted concentration: see :mod:`chokepoint.assess.exposure`
* exposure :math:`X_i`: the known share a blockade by every restricted country
  removes, and its bound :math:`\bar X_i` (the unknown remainder held by them too),
  by the coverage rule of :mod:`chokepoint.assess.coverage`, the same rule the
  scenarios use: the larger known loss of the country and the enterprise level;
  an unknown share is never read as zero, never scaled up either, and is carried
  as the bound

Country shares come from country or region provisions when the node has any,
else from enterprise provisions summed by the enterprise's country.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from chokepoint.assess.coverage import direct_loss, level_shares
from chokepoint.assess.perspective import Perspective
from chokepoint.model.chain import ChainMap

HOME, ALLIED, NEUTRAL, RESTRICTED, AGGREGATE = 0, 1, 2, 3, 4
CLASS_NAMES = ("home", "allied", "neutral", "restricted", "aggregate")


def classify_codes(codes: np.ndarray, chain: ChainMap, p: Perspective) -> np.ndarray:
    """Class of each country code: home, allied, neutral, restricted or aggregate.

    A region counts by its own code, or by its declared members when all of them
    share one class; a region without members that is not listed is an
    ``aggregate`` (neutral foreign supply that cannot be verified as a source).
    """
    regions = chain.actors[chain.actors["kind"] == "region"]
    members = {c: m for c, m in zip(regions["country"], regions["members"], strict=True)}
    home, restricted, allied = set(p.home), set(p.restricted), set(p.allied)

    def one(code: str) -> int:
        if code in home:
            return HOME
        if code in restricted:
            return RESTRICTED
        if code in allied:
            return ALLIED
        if code in members or code == "":
            ms = members.get(code, ())
            if ms:
                classes = {one(m) for m in ms}
                if len(classes) == 1:
                    return classes.pop()
            return AGGREGATE
        return NEUTRAL

    cache: dict[str, int] = {}
    return np.array([cache.setdefault(c, one(c)) for c in codes], dtype=np.int8)


def group_top(
    keys: np.ndarray, values: np.ndarray, n: int, k: int = 3
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group: largest value, position of the largest, sum of the ``k`` largest.

    NaN values rank last and add nothing; of equal largest values the first position is
    returned. Groups without entries give 0 and -1. One compiled pass over the entries
    (each kept in its group's ``k`` largest by insertion), no sort.
    """
    top1 = np.zeros(n)
    arg = np.full(n, -1, dtype=np.int64)
    topk = np.zeros(n)
    if len(keys) == 0:
        return top1, arg, topk
    best = np.full((n, k), -1.0)
    _top_k(np.asarray(keys, dtype=np.int64), np.asarray(values, dtype=float), best, arg)
    top1 = np.maximum(best[:, 0], 0.0)
    topk = np.where(best >= 0.0, best, 0.0).sum(axis=1)
    return top1, arg, topk


@njit(cache=True, nogil=True)
def _top_k(
    keys: np.ndarray, values: np.ndarray, best: np.ndarray, arg: np.ndarray
) -> None:  # pragma: no cover - compiled; covered through group_top
    k = best.shape[1]
    for i in range(keys.shape[0]):
        v = values[i]
        if not v >= 0.0:  # NaN (and no negative share) ranks last
            continue
        g = keys[i]
        if v > best[g, 0]:
            arg[g] = i
        j = k - 1
        if v <= best[g, j]:
            continue
        while j > 0 and best[g, j - 1] < v:  # strict: an equal value stays ahead
            best[g, j] = best[g, j - 1]
            j -= 1
        best[g, j] = v


@dataclass(frozen=True)
class SupplyEntries:
    """Per node x country entries (after aggregation), for indicators and explanations."""

    node: np.ndarray
    code: np.ndarray  # country code per entry (str)
    share: np.ndarray  # known share (NaN when every contributing share is unknown)
    unknown: np.ndarray  # at least one contributing share unknown
    cls: np.ndarray  # class per entry


def select_provisions(chain: ChainMap, p: Perspective) -> tuple[np.ndarray, np.ndarray]:
    """Mask of provisions used (latest year per node and provider level) and that year."""
    ix = chain.index
    year = np.where(np.isnan(ix.prov_year), -np.inf, ix.prov_year)
    ok = (ix.prov_node >= 0) & (ix.prov_actor >= 0)
    if p.year is not None:
        ok &= year <= p.year
    level = ix.actor_is_geo[np.clip(ix.prov_actor, 0, None)].astype(np.int64)
    key = np.clip(ix.prov_node, 0, None) * 2 + level
    latest = np.full(2 * max(ix.n_nodes, 1), -np.inf)
    np.maximum.at(latest, key[ok], year[ok])
    keep = ok & (year == latest[key])
    return keep, year


def actor_codes(chain: ChainMap) -> tuple[np.ndarray, np.ndarray]:
    """The distinct country codes of the actors, sorted, and each actor's position among them."""
    codes, of_actor = np.unique(chain.index.actor_country.astype(str), return_inverse=True)
    return codes.astype(object), of_actor.astype(np.int64)


def country_entries(chain: ChainMap, p: Perspective, keep: np.ndarray) -> SupplyEntries:
    """Return the node x country entries of the kept provisions, classed from perspective ``p``.

    A node's country-level provisions are used; a node with none falls back on its
    enterprises' provisions, each counted for the enterprise's country. Shares of one
    (node, country) are summed (NaN when all are unknown) and flagged ``unknown`` when any is.
    Entries are ordered by node, then country code; grouped on integer keys (node x code).
    """
    ix = chain.index
    geo = ix.actor_is_geo[np.clip(ix.prov_actor, 0, None)]
    node = ix.prov_node
    node_has_geo = np.zeros(ix.n_nodes, dtype=bool)
    node_has_geo[node[keep & geo]] = True
    use = keep & (geo | ~node_has_geo[np.clip(node, 0, None)])
    codes, code_of_actor = actor_codes(chain)
    n_codes = max(len(codes), 1)
    key = node[use].astype(np.int64) * n_codes + code_of_actor[ix.prov_actor[use]]
    keys, group = np.unique(key, return_inverse=True)
    share = ix.prov_share[use]
    known = ~np.isnan(share)
    m = len(keys)
    total = np.bincount(group, weights=np.where(known, share, 0.0), minlength=m)
    n_known = np.bincount(group, weights=known, minlength=m)
    code = keys % n_codes
    cls = classify_codes(codes, chain, p)[code] if len(codes) else np.zeros(0, dtype=np.int8)
    return SupplyEntries(
        node=keys // n_codes,
        code=codes[code] if len(codes) else np.zeros(0, dtype=object),
        share=np.where(n_known > 0, total, np.nan),
        unknown=np.bincount(group, weights=~known, minlength=m) > 0,
        cls=cls,
    )


@dataclass(frozen=True)
class SupplyIndicators:
    """Arrays of length ``n_nodes`` (see module docstring for the formulas)."""

    has_data: np.ndarray
    year: np.ndarray
    coverage: np.ndarray
    localization: np.ndarray
    localization_upper: np.ndarray
    hhi_country: np.ndarray
    top1_country: np.ndarray
    top1_country_code: np.ndarray
    top3_country: np.ndarray
    exposure_known: np.ndarray
    exposure: np.ndarray
    n_countries: np.ndarray
    hhi_enterprise: np.ndarray
    top1_enterprise: np.ndarray
    top1_enterprise_id: np.ndarray
    top3_enterprise: np.ndarray
    coverage_enterprise: np.ndarray
    n_enterprises: np.ndarray
    n_qualified: np.ndarray
    has_alternative: np.ndarray
    entries: SupplyEntries


def supply_indicators(
    chain: ChainMap,
    p: Perspective,
    *,
    qualified_share: float = 0.01,
    neutral_is_alternative: bool = False,
) -> SupplyIndicators:
    """Compute the supply indicators of every node (see module docstring).

    Parameters
    ----------
    qualified_share : float
        A provider with a known share at least this large is a *qualified*
        source (ETO rounds shares between 0 and 1% up to 1%).
    neutral_is_alternative : bool
        Count neutral (neither home, allied nor restricted) countries as
        alternative sources; by default only home and allied ones do.
    """
    ix = chain.index
    n = ix.n_nodes
    keep, year = select_provisions(chain, p)
    e = country_entries(chain, p, keep)
    known = ~np.isnan(e.share)
    s = np.where(known, e.share, 0.0)
    bins = {"minlength": n}
    total = np.bincount(e.node, weights=s, **bins)
    coverage = np.minimum(1.0, total)
    home = np.bincount(e.node, weights=s * (e.cls == HOME), **bins)
    restricted = np.bincount(e.node, weights=s * (e.cls == RESTRICTED), **bins)
    restricted_unknown = np.bincount(e.node, weights=(e.unknown & (e.cls == RESTRICTED)), **bins) > 0
    any_unknown = np.bincount(e.node, weights=e.unknown, **bins) > 0
    n_countries = np.bincount(e.node, **bins).astype(np.int64)
    has_data = n_countries > 0
    remainder = np.maximum(0.0, 1.0 - coverage)
    hhi = np.bincount(e.node, weights=s**2, **bins)
    top1, arg1, top3 = group_top(e.node, np.where(known, e.share, np.nan), n)
    top1_code = np.where(arg1 >= 0, e.code[np.clip(arg1, 0, None)] if len(e.code) else "", "")

    # enterprises (organizations)
    geo = ix.actor_is_geo[np.clip(ix.prov_actor, 0, None)]
    org = keep & ~geo
    o_node, o_share, o_actor = ix.prov_node[org], ix.prov_share[org], ix.prov_actor[org]
    o_known = ~np.isnan(o_share)
    o_s = np.where(o_known, o_share, 0.0)
    cov_e = np.minimum(1.0, np.bincount(o_node, weights=o_s, **bins))
    hhi_e = np.bincount(o_node, weights=o_s**2, **bins)
    t1e, arg_e, t3e = group_top(o_node, np.where(o_known, o_share, np.nan), n)
    top1_ent = np.where(
        arg_e >= 0, ix.actor_ids[o_actor[np.clip(arg_e, 0, None)]] if len(o_actor) else "", ""
    )
    n_ent = np.bincount(o_node, **bins).astype(np.int64)

    # qualified and alternative sources: enterprises when the node has any, else countries
    codes, code_of_actor = actor_codes(chain)
    actor_cls = classify_codes(codes, chain, p)[code_of_actor] if len(codes) else np.zeros(0, dtype=np.int8)
    o_cls = actor_cls[o_actor]
    secure_classes = [HOME, ALLIED] + ([NEUTRAL] if neutral_is_alternative else [])
    o_qual = o_known & (o_s >= qualified_share)
    c_qual = known & (s >= qualified_share)
    use_org = n_ent > 0
    n_qual_org = np.bincount(o_node, weights=o_qual, **bins)
    n_qual_cty = np.bincount(e.node, weights=c_qual & (e.cls != AGGREGATE), **bins)
    n_qualified = np.where(use_org, n_qual_org, n_qual_cty).astype(np.int64)
    alt_org = np.bincount(o_node, weights=o_qual & np.isin(o_cls, secure_classes), **bins) > 0
    alt_cty = np.bincount(e.node, weights=c_qual & np.isin(e.cls, secure_classes), **bins) > 0
    has_alt = np.where(use_org, alt_org, alt_cty)

    node_year = np.full(n, np.nan)
    if keep.any():
        y = np.where(np.isinf(year), np.nan, year)
        yk = pd.Series(y[keep]).groupby(ix.prov_node[keep]).max()
        node_year[yk.index.to_numpy()] = yk.to_numpy()
    # exposure by the coverage rule: cut every provision of a restricted country or its enterprises
    kept = np.flatnonzero(keep)
    k_actor = ix.prov_actor[kept]
    k_cls = actor_cls[k_actor]
    shares = level_shares(ix.prov_node[kept], ix.actor_is_geo[k_actor], ix.prov_share[kept], n)
    cut = (k_cls == RESTRICTED).astype(float)[:, None]
    x_known, x_upper = direct_loss(shares, cut)
    assert x_upper is not None
    restricted = x_known[:, 0]
    exposure = x_upper[:, 0]
    del restricted_unknown
    return SupplyIndicators(
        has_data=has_data,
        year=node_year,
        coverage=np.where(has_data, coverage, 0.0),
        localization=home,
        localization_upper=np.minimum(1.0, home + remainder * any_unknown),
        hhi_country=hhi,
        top1_country=top1,
        top1_country_code=top1_code.astype(object),
        top3_country=top3,
        exposure_known=restricted,
        exposure=exposure,
        n_countries=n_countries,
        hhi_enterprise=hhi_e,
        top1_enterprise=t1e,
        top1_enterprise_id=top1_ent.astype(object),
        top3_enterprise=t3e,
        coverage_enterprise=cov_e,
        n_enterprises=n_ent,
        n_qualified=n_qualified,
        has_alternative=has_alt,
        entries=e,
    )
