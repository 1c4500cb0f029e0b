"""Run scenarios, batches and sweeps on the propagation engine; explain every loss."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from chokepoint.assess.coverage import bound_level, loss_by_level
from chokepoint.assess.perspective import Perspective
from chokepoint.errors import Problem
from chokepoint.model.chain import ORGANIZATION_KINDS, ChainMap
from chokepoint.model.countries import country_name, iso3_codes
from chokepoint.scenario.engine import PropagationEngine
from chokepoint.scenario.model import Blockade, CapacityLoss, Outage, Scenario, ScenarioError

#: Losses below this are reported as none (floating-point noise).
EPS = 1e-9


def final_products(chain: ChainMap) -> tuple[np.ndarray, np.ndarray]:
    """Final products (no outgoing ``input_of``/``type_of``, not stages) and their value weights.

    Values are market sizes normalized to sum 1, or equal when any is missing.
    """
    ix = chain.index
    out_deg = np.diff(ix.input_of.indptr) + np.diff(ix.type_of.indptr)
    is_final = (out_deg == 0) & ~ix.node_is_stage
    ms = chain.nodes["market_size"].to_numpy(dtype=float)
    v = np.zeros(ix.n_nodes)
    fv = ms[is_final]
    v[is_final] = fv if len(fv) and not np.isnan(fv).any() and fv.sum() > 0 else 1.0
    return is_final, v / v.sum() if v.sum() > 0 else v


def check_scenario(chain: ChainMap, scenario: Scenario, perspective: Perspective, source: str) -> None:
    """Every id and code a shock names exists; nobody blockades the home economy from inside."""
    ix = chain.index
    regions = set(chain.actors.loc[chain.actors["kind"] == "region", "country"])
    problems = []
    for k, shock in enumerate(scenario.shocks):
        where = f"shocks.{k}"
        nodes = getattr(shock, "nodes", None) or ([shock.node] if isinstance(shock, CapacityLoss) else [])
        for nid in nodes:
            if ix.node_positions([nid])[0] < 0:
                problems.append(Problem(source, None, f"{where}.node", f"{nid!r} is not a node of the chain"))
        if isinstance(shock, Blockade):
            if shock.country not in iso3_codes() and shock.country not in regions:
                problems.append(
                    Problem(
                        source, None, f"{where}.country", f"{shock.country!r} is not an ISO3 or region code"
                    )
                )
            if shock.country in perspective.home:
                problems.append(
                    Problem(source, None, f"{where}.country", f"{shock.country} is the home economy")
                )
        if isinstance(shock, Outage) and ix.actor_positions([shock.actor])[0] < 0:
            problems.append(Problem(source, None, f"{where}.actor", f"{shock.actor!r} is not an actor"))
    if problems:
        raise ScenarioError(source, problems)


def scenario_cuts(
    engine: PropagationEngine, scenarios: Sequence[Scenario]
) -> tuple[sp.csc_array, np.ndarray | None, np.ndarray]:
    """Provision cuts ``(n_provisions, k)`` (deepest shock wins), capacity losses, and for the
    first scenario the index of the shock behind each provision's cut (-1 when none)."""
    m, n, k = engine.n_provisions, engine.chain.index.n_nodes, len(scenarios)
    rows, cols, vals = [], [], []
    cap: np.ndarray | None = None
    shock_of = np.full(m, -1)
    depth0 = np.zeros(m)
    for j, sc in enumerate(scenarios):
        for si, shock in enumerate(sc.shocks):
            if isinstance(shock, CapacityLoss):
                if cap is None:
                    cap = np.zeros((n, k))
                i = engine.chain.index.node_position(shock.node)
                cap[i, j] = 1.0 - (1.0 - cap[i, j]) * (1.0 - shock.loss)
                continue
            nodes = list(shock.nodes) if shock.nodes is not None else None
            if isinstance(shock, Blockade):
                hit = engine.provider_mask(countries=[shock.country], nodes=nodes)
            else:
                hit = engine.provider_mask(actors=[shock.actor], nodes=nodes)
            idx = np.flatnonzero(hit)
            rows.append(idx)
            cols.append(np.full(len(idx), j))
            vals.append(np.full(len(idx), shock.depth))
            if j == 0:
                deeper = hit & (shock.depth > depth0)
                shock_of[deeper] = si
                depth0[deeper] = shock.depth
    if rows and sum(len(x) for x in rows):
        r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
        key = r.astype(np.int64) * k + c
        order = np.lexsort((-v, key))
        first = np.r_[True, key[order][1:] != key[order][:-1]]
        sel = order[first]  # deepest cut per (provision, scenario)
        cut = sp.csc_array((v[sel], (r[sel], c[sel])), shape=(m, k))
    else:
        cut = sp.csc_array((m, k))
    return cut, cap, shock_of


def _label(name: str, code: str, zh: bool) -> str:
    return f"{name}（{code}）" if zh else f"{name} ({code})"


@dataclass
class ScenarioResult:
    """Availability of every node under one scenario, with explanations.

    ``frame`` ranks the impacted nodes by loss; ``path(node_id)`` explains one.
    """

    chain: ChainMap
    scenario: Scenario
    perspective: Perspective
    engine: PropagationEngine
    availability: np.ndarray
    supply: np.ndarray
    availability_lower: np.ndarray  # availability if every unknown remainder the shock may hold is lost
    supply_lower: np.ndarray
    cut: np.ndarray
    shock_of: np.ndarray
    is_final: np.ndarray
    final_value: np.ndarray
    _cause: dict[tuple[int, bool], tuple[str, int]] = field(default_factory=dict)

    @property
    def loss(self) -> np.ndarray:
        """Central loss per node: known shares only (coverage rule, :mod:`chokepoint.assess.coverage`)."""
        return np.where(self.availability < 1.0 - EPS, 1.0 - self.availability, 0.0)

    @property
    def loss_upper(self) -> np.ndarray:
        """Bound per node: the loss if the unknown remainders the shocked parties may hold were theirs."""
        up = np.where(self.availability_lower < 1.0 - EPS, 1.0 - self.availability_lower, 0.0)
        return np.maximum(up, self.loss)

    @property
    def final_value_lost_upper(self) -> float:
        """Bound of :attr:`final_value_lost`: :math:`\\sum_f v_f \\bar\\ell_f`."""
        return float((self.final_value * self.loss_upper).sum())

    @property
    def final_value_lost(self) -> float:
        """Share of final-product value stopped: :math:`\\sum_f v_f (1 - a_f)`."""
        return float((self.final_value * self.loss).sum())

    # ------------------------------------------------------------ explanation
    def cause(self, i: int, bound: bool = False) -> tuple[str, int]:
        """Why node ``i`` lost: ("supply", provision) / ("input", node) / ("kind", node) / ("", -1).

        ``bound``: explain the bound (``loss_upper``) instead of the central loss.
        """
        if (i, bound) in self._cause:
            return self._cause[(i, bound)]
        a = self.availability_lower if bound else self.availability
        supply = self.supply_lower if bound else self.supply
        result: tuple[str, int] = ("", -1)
        if a[i] < 1.0 - EPS:
            eng, ix = self.engine, self.chain.index
            inputs = ix.input_of.tocsc()
            lo, hi = inputs.indptr[i], inputs.indptr[i + 1]
            srcs, ws = inputs.indices[lo:hi], inputs.data[lo:hi]
            cons = 1.0 - ws * (1.0 - a[srcs]) if len(srcs) else np.zeros(0)
            kinds = ix.type_of.tocsc()
            kids = kinds.indices[kinds.indptr[i] : kinds.indptr[i + 1]]
            if not eng.combines_kinds[i] and supply[i] <= a[i] + EPS:
                at = np.flatnonzero((eng.prov_node == i) & (self.cut > 0))
                lost = eng.prov_weight[at] * self.cut[at]
                # name the level that lost most (the coverage rule's reconciliation); an enterprise
                # when its level lost as much as the country level
                org = ~eng.prov_geo[at]
                org_lost, geo_lost = lost[org].sum(), lost[~org].sum()
                use = org if org.any() and org_lost >= geo_lost - 1e-12 else ~org if (~org).any() else org
                pick = at[use][np.argmax(lost[use])] if len(at) else -1
                result = ("supply", int(pick)) if pick >= 0 else ("capacity", i)
            elif len(cons) and cons.min() <= a[i] + EPS:
                result = ("input", int(srcs[np.argmin(cons)]))
            elif len(kids):
                result = ("kind", int(kids[np.argmin(a[kids])]))
        self._cause[(i, bound)] = result
        return result

    def origin(self, i: int) -> tuple[int, int]:
        """The node where the loss of ``i`` starts (its own supply was cut) and the provision cut
        there; ``(-1, -1)`` when ``i`` has no loss or a capacity shock explains it."""
        bound = self.loss[i] <= 0
        seen = set()
        while i >= 0 and i not in seen:
            seen.add(i)
            kind, j = self.cause(i, bound)
            if kind in ("input", "kind"):
                i = j
                continue
            return (i, j) if kind == "supply" else (-1, -1)
        return -1, -1

    def party(self, provision: int, lang: str = "en") -> str:
        """Who the shock behind ``provision`` names: "Belgium (BEL)", "ASML (P88)" (zh: "比利时（BEL）")."""
        si = self.shock_of[provision] if provision >= 0 else -1
        shock = self.scenario.shocks[si] if si >= 0 else None
        zh = lang == "zh"
        if isinstance(shock, Outage):
            return _label(self._actor_name(shock.actor, lang), shock.actor, zh)
        if isinstance(shock, Blockade):
            return _label(country_name(shock.country, lang), shock.country, zh)
        if provision < 0:
            return ""
        aid = str(self.chain.index.actor_ids[self.engine.prov_actor[provision]])
        return _label(self._actor_name(aid, lang), aid, zh)

    def _actor_name(self, actor_id: str, lang: str) -> str:
        actor = self.chain.actor(actor_id)
        return str((actor.get("name_zh") if lang == "zh" else "") or actor["name"])

    def coverage_of(self, i: int) -> float | None:
        """Known coverage behind the loss of ``i``: that of the node where it starts (own coverage when
        unaffected); ``None`` when nothing about its market is known."""
        o, _ = self.origin(i)
        c = self.engine.coverage[o if o >= 0 else i]
        return None if np.isnan(c) else float(c)

    @cached_property
    def _level_loss(self) -> np.ndarray:
        """Known loss per provider level ``(2, n_nodes)`` and the level setting each bound (row 2)."""
        eng = self.engine
        per_level, depth = loss_by_level(eng.shares, self.cut[:, None])
        _, which = bound_level(eng.shares, per_level, depth)
        return np.vstack([per_level[:, :, 0], which[:, 0][None, :]])

    def loss_note(self, i: int, lang: str = "en") -> str:
        """``"10% (up to 15% if Belgium (BEL) holds the unknown 5% of Cathode active material)"``."""
        lo, up = float(self.loss[i]), float(self.loss_upper[i])
        zh = lang == "zh"
        if up <= lo + 1e-9:
            return f"{lo:.0%}"
        o, prov = self.origin(i)
        if o < 0:
            return f"{lo:.0%}" + (f"（最多{up:.0%}）" if zh else f" (up to {up:.0%})")
        eng = self.engine
        level = int(self._level_loss[2, o])
        remainder = float(eng.shares.remainder[o, max(level, 0)])
        names = self.chain.nodes["name_zh" if zh else "name"].to_numpy()
        oname = str(names[o] or self.chain.nodes["name"].iloc[o])
        who = self.party(prov, lang)
        if zh:
            return f"{lo:.0%}（若{oname}未知的{remainder:.0%}市场份额属于{who}，最多{up:.0%}）"
        return f"{lo:.0%} (up to {up:.0%} if {who} holds the unknown {remainder:.0%} of {oname})"

    def path(self, node_id: str, lang: str = "en") -> str:
        """``"Finished logic chip <- ... <- EUV lithography tools <- ASML <- NLD blockade"``."""
        ix = self.chain.index
        i = ix.node_position(node_id)
        names = self.chain.nodes["name_zh" if lang == "zh" else "name"].to_numpy()
        en = self.chain.nodes["name"].to_numpy()
        parts = []
        seen = set()
        bound = self.loss[i] <= 0 if i >= 0 else False
        while i >= 0 and i not in seen:
            seen.add(i)
            parts.append(str(names[i] or en[i]))
            kind, j = self.cause(i, bound)
            if kind in ("input", "kind"):
                i = j
                continue
            if kind == "supply":
                eng = self.engine
                actor = self.chain.actors.iloc[eng.prov_actor[j]]
                label = (
                    _label(country_name(actor["country"], lang), str(actor["country"]), lang == "zh")
                    if actor["kind"] not in ORGANIZATION_KINDS
                    else self._actor_name(str(actor["id"]), lang)
                )
                parts.append(label)
                si = self.shock_of[j]
                if si >= 0:
                    parts.append(self.shock_label(si, lang))
            elif kind == "capacity":
                shocks = [s for s in self.scenario.shocks if isinstance(s, CapacityLoss)]
                label_of = {id(s): k for k, s in enumerate(self.scenario.shocks)}
                node_id = self.chain.index.node_ids[i]
                parts.append(
                    "; ".join(self.shock_label(label_of[id(s)], lang) for s in shocks if s.node == node_id)
                )
            break
        return " <- ".join(parts)

    def shock_label(self, k: int, lang: str = "en") -> str:
        """The shock's label with names: ``ASML (P88) outage``, ``NLD blockade`` (zh: ``荷兰（NLD）断供``)."""
        shock = self.scenario.shocks[k]
        zh = lang == "zh"
        if isinstance(shock, Outage):
            name = self.chain.actor(shock.actor)["name"]
            if zh:
                part = "" if shock.depth == 1 else f"{shock.depth:.0%}"
                return f"{name}（{shock.actor}）停供{part}"
            part = "" if shock.depth == 1 else f" ({shock.depth:.0%})"
            return f"{name} ({shock.actor}) outage{part}"
        if zh and isinstance(shock, Blockade):
            part = "" if shock.depth == 1 else f"{shock.depth:.0%}"
            return f"{country_name(shock.country, 'zh')}（{shock.country}）断供{part}"
        if zh and isinstance(shock, CapacityLoss):
            return f"{shock.node}产能损失{shock.loss:.0%}"
        return shock.label()

    def alternatives(self, node_id: str) -> list[dict[str, Any]]:
        """Providers of the node that the scenario leaves in place, and its substitutes."""
        eng, ix = self.engine, self.chain.index
        i = ix.node_position(node_id)
        at = np.flatnonzero((eng.prov_node == i) & (self.cut < 1.0))
        out = []
        for p in at[np.argsort(-eng.prov_weight[at])]:
            actor = self.chain.actors.iloc[eng.prov_actor[p]]
            share = ix.prov_share[eng.prov[p]]
            out.append(
                {
                    "type": "provider",
                    "actor": actor["id"],
                    "name": actor["name"],
                    "country": actor["country"],
                    "share": None if np.isnan(share) else float(share),
                    "remaining": float(1.0 - self.cut[p]),
                }
            )
        sub = ix.substitute_for.tocsc()
        sw = ix.switching_days.tocsc()
        for k in range(sub.indptr[i], sub.indptr[i + 1]):
            j = sub.indices[k]
            days = sw[j, i] - 1.0 if sw[j, i] > 0 else np.nan
            out.append(
                {
                    "type": "substitute",
                    "node": ix.node_ids[j],
                    "name": self.chain.nodes.iloc[j]["name"],
                    "availability": float(self.availability[j]),
                    "switching_days": None if np.isnan(days) else float(days),
                }
            )
        return out

    # ------------------------------------------------------------------ views
    @cached_property
    def frame(self) -> pd.DataFrame:
        """Impacted nodes (central loss or bound > 0), largest loss first, with the explanation path."""
        ix = self.chain.index
        loss, upper = self.loss, self.loss_upper
        hit = np.flatnonzero(((loss > 0) | (upper > EPS)) & ~ix.node_is_stage)
        nodes = self.chain.nodes
        df = pd.DataFrame(
            {
                "id": ix.node_ids[hit],
                "name": nodes["name"].to_numpy()[hit],
                "kind": nodes["kind"].to_numpy()[hit],
                "availability": self.availability[hit],
                "loss": loss[hit],
                "loss_upper": upper[hit],
                "coverage": [self.coverage_of(int(i)) for i in hit],
                "supply_availability": self.supply[hit],
                "final_product": self.is_final[hit],
                "unknown_share_used": self.engine.unknown_share_used[hit],
            }
        )
        # largest loss first, then the largest bound; among equals final products first, then deepest tiers
        keys = (
            df["id"].to_numpy(dtype=str),
            -self.engine.tier_of[hit],
            ~df["final_product"].to_numpy(dtype=bool),
            -df["loss_upper"].to_numpy(),
            -df["loss"].to_numpy(),
        )
        df = df.iloc[np.lexsort(keys)].reset_index(drop=True)
        df["path"] = [self.path(i) for i in df["id"]]
        return df

    def document(self, lang: str = "en") -> dict[str, Any]:
        """The stable JSON document of ``chokepoint scenario run --format json``.

        Per node: ``loss`` (known shares), ``loss_upper`` (bound), ``coverage`` (known share of the
        market behind the loss), ``loss_note`` (the loss in words, with its bound) and ``path``.
        """
        ix = self.chain.index
        rows = []
        for r in self.frame.to_dict("records"):
            i = ix.node_position(r["id"])
            cov = r["coverage"]
            rows.append(
                {
                    "id": r["id"],
                    "name": r["name"],
                    "name_zh": str(self.chain.nodes["name_zh"].iloc[i]),
                    "kind": r["kind"],
                    "availability": round(float(r["availability"]), 12),
                    "loss": round(float(r["loss"]), 12),
                    "loss_upper": round(float(r["loss_upper"]), 12),
                    "coverage": None if cov is None or cov != cov else round(float(cov), 12),
                    "loss_note": self.loss_note(i, lang),
                    "supply_availability": round(float(r["supply_availability"]), 12),
                    "final_product": bool(r["final_product"]),
                    "unknown_share_used": bool(r["unknown_share_used"]),
                    "path": r["path"] if lang == "en" else self.path(r["id"], lang),
                    "alternatives": self.alternatives(r["id"]),
                }
            )
        return {
            "version": 2,
            "scenario": self.scenario.model_dump(mode="json"),
            "perspective": self.perspective.to_dict(),
            "final_value_lost": round(self.final_value_lost, 12),
            "final_value_lost_upper": round(self.final_value_lost_upper, 12),
            "impacted_nodes": len(rows),
            "coverage_rule": "docs/scenarios.md#unknown-shares",
            "attribution": self.chain.meta.get("attribution", ""),
            "nodes": rows,
        }


def run_scenario(
    chain: ChainMap,
    scenario: Scenario,
    perspective: Perspective,
    *,
    engine: PropagationEngine | None = None,
    source: str = "scenario",
) -> ScenarioResult:
    """Propagate one scenario through every tier.

    Examples
    --------
    >>> from chokepoint.datasets import load_semiconductors
    >>> from chokepoint.scenario.model import Scenario
    >>> chain = load_semiconductors()
    >>> s = Scenario.model_validate({"shocks": [{"type": "blockade", "country": "NLD"}]})
    >>> r = run_scenario(chain, s, Perspective.from_codes("CHN"))
    >>> float(r.availability[chain.index.node_position("N20")])
    0.0
    """
    check_scenario(chain, scenario, perspective, source)
    eng = engine or PropagationEngine(chain, perspective)
    cut, cap, shock_of = scenario_cuts(eng, [scenario])
    s_loss, s_bound = eng.supply_loss_bounds(cut, cap)
    supply, supply_lower = 1.0 - s_loss, 1.0 - s_bound
    a = eng.propagate(supply)
    a_lower = eng.propagate(supply_lower)
    is_final, v = final_products(chain)
    return ScenarioResult(
        chain=chain,
        scenario=scenario,
        perspective=perspective,
        engine=eng,
        availability=a[:, 0],
        supply=supply[:, 0],
        availability_lower=a_lower[:, 0],
        supply_lower=supply_lower[:, 0],
        cut=cut.toarray()[:, 0],
        shock_of=shock_of,
        is_final=is_final,
        final_value=v,
    )


def run_batch(
    chain: ChainMap,
    scenarios: Sequence[Scenario],
    perspective: Perspective,
    *,
    engine: PropagationEngine | None = None,
) -> np.ndarray:
    """Availability ``(n_nodes, len(scenarios))``: all scenarios as columns of one propagation."""
    for k, s in enumerate(scenarios):
        check_scenario(chain, s, perspective, f"scenario {k}")
    eng = engine or PropagationEngine(chain, perspective)
    cut, cap, _ = scenario_cuts(eng, scenarios)
    return eng.availability(cut, cap)


@dataclass
class SweepResult:
    """Every single-country blockade (or single-enterprise outage) at once."""

    by: str
    keys: list[str]
    labels: list[str]
    availability: np.ndarray  # (n_nodes, k)
    chain: ChainMap
    final_value: np.ndarray

    def loss_matrix(self) -> pd.DataFrame:
        """Node x key loss (1 - availability); stages left out."""
        ix = self.chain.index
        keep = ~ix.node_is_stage
        return pd.DataFrame(1.0 - self.availability[keep], index=ix.node_ids[keep], columns=self.keys)

    def ranking(self) -> pd.DataFrame:
        """Keys ranked by the share of final-product value they can stop."""
        loss = np.where(self.availability < 1 - EPS, 1.0 - self.availability, 0.0)
        loss[self.chain.index.node_is_stage] = 0.0
        value = self.final_value @ loss
        impacted = (loss > 0.01).sum(axis=0)
        stopped = (loss > 1 - 1e-6).sum(axis=0)
        worst = np.argmax(loss, axis=0)
        df = pd.DataFrame(
            {
                self.by: self.keys,
                "name": self.labels,
                "final_value_stopped": value,
                "nodes_impacted": impacted,
                "nodes_stopped": stopped,
                "worst_node": self.chain.index.node_ids[worst],
                "worst_node_loss": loss[worst, np.arange(loss.shape[1])],
            }
        )
        order = np.lexsort(
            (df[self.by].to_numpy(dtype=str), -df["nodes_impacted"], -df["final_value_stopped"])
        )
        df = df.iloc[order].reset_index(drop=True)
        df.insert(0, "rank", np.arange(1, len(df) + 1))
        return df


def sweep(
    chain: ChainMap,
    perspective: Perspective,
    by: str = "country",
    *,
    chunk: int = 256,
    progress: Callable[[int, int], None] | None = None,
    engine: PropagationEngine | None = None,
) -> SweepResult:
    """Every single-country blockade against the home economy, or every single-enterprise outage.

    The scenarios are the columns of one cut matrix, propagated ``chunk`` columns
    at a time; ``progress(n_done, n_total)`` is called after each chunk.
    """
    eng = engine or PropagationEngine(chain, perspective)
    actors = chain.actors
    regions = set(actors.loc[actors["kind"] == "region", "country"])
    if by == "country":
        # aggregates (regions such as 'various countries') cannot blockade: left out
        codes = sorted(
            {str(c) for c in eng.prov_country if c and c not in perspective.home and c not in regions}
        )
        keys, labels = codes, [country_name(c) for c in codes]
        col_of = {c: j for j, c in enumerate(codes)}
        col = np.array([col_of.get(str(c), -1) for c in eng.prov_country])
    elif by == "enterprise":
        org = np.flatnonzero(~chain.index.actor_is_geo)
        used = np.unique(eng.prov_actor[~eng.prov_geo])
        used = used[np.isin(used, org)]
        country = chain.index.actor_country[used].astype(str)
        # home enterprises do not blockade the home economy; aggregate 'various companies' are no firm
        used = used[~np.isin(country, [*perspective.home, *regions])]
        keys = [str(x) for x in chain.index.actor_ids[used]]
        labels = [str(x) for x in actors["name"].to_numpy()[used]]
        pos = {a: j for j, a in enumerate(used)}
        col = np.array([pos.get(a, -1) for a in eng.prov_actor])
    else:
        raise ValueError("by must be 'country' or 'enterprise'")
    k = len(keys)
    m = eng.n_provisions
    ok = col >= 0
    cut_all = sp.csc_array((np.ones(ok.sum()), (np.flatnonzero(ok), col[ok])), shape=(m, k))
    out = np.empty((chain.index.n_nodes, k))
    for start in range(0, k, chunk):
        stop = min(k, start + chunk)
        out[:, start:stop] = eng.availability(cut_all[:, start:stop])
        if progress is not None:
            progress(stop, k)
    _, v = final_products(chain)
    return SweepResult(by=by, keys=keys, labels=labels, availability=out, chain=chain, final_value=v)
