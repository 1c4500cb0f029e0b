"""The result of one scenario: availability of every node, its losses and bounds, explained.

:func:`~chokepoint.scenario.run.run_scenario` builds a :class:`ScenarioResult`; ``frame``
ranks the impacted nodes, ``path`` and ``loss_note`` explain one, ``document`` is the
JSON of ``chokepoint scenario run --format json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from chokepoint.assess.coverage import bound_level, loss_by_level
from chokepoint.assess.perspective import Perspective
from chokepoint.model.chain import ORGANIZATION_KINDS, ChainMap
from chokepoint.model.countries import country_name
from chokepoint.scenario.engine import PropagationEngine
from chokepoint.scenario.final_value import EPS
from chokepoint.scenario.model import Blockade, CapacityLoss, Outage, Scenario


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
        upper: np.ndarray = np.maximum(up, self.loss)
        return upper

    @property
    def final_value_lost_upper(self) -> float:
        r"""Bound of :attr:`final_value_lost`: :math:`\sum_f v_f \bar\ell_f`."""
        return float((self.final_value * self.loss_upper).sum())

    @property
    def final_value_lost(self) -> float:
        r"""Share of final-product value stopped: :math:`\sum_f v_f (1 - a_f)`."""
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
        """Trace the loss of node ``i`` back to the node where it starts and the provision cut there.

        The origin is the node whose own supply was cut; ``(-1, -1)`` when ``i`` has no loss or a
        capacity shock explains it.
        """
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
        """Known coverage behind the loss of node ``i``: that of the node where it starts.

        A node without loss has its own coverage; ``None`` when nothing about its market is known.
        """
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
        steps, kind, j = self._walk(i)
        parts = [str(names[k] or en[k]) for k in steps]
        i = steps[-1] if steps else -1
        if i >= 0:
            if kind == "supply":
                eng = self.engine
                actor = self.chain.actors.iloc[eng.prov_actor[j]]
                si = self.shock_of[j]
                shock = self.scenario.shocks[si] if si >= 0 else None
                if actor["kind"] in ORGANIZATION_KINDS:
                    if not (isinstance(shock, Outage) and shock.actor == actor["id"]):  # named by the shock
                        parts.append(self._actor_name(str(actor["id"]), lang))
                elif not (isinstance(shock, Blockade) and shock.country == actor["country"]):
                    # a country's own provision blockaded by that country is named once, by the shock
                    parts.append(
                        _label(country_name(actor["country"], lang), str(actor["country"]), lang == "zh")
                    )
                if si >= 0:
                    parts.append(self.shock_label(si, lang))
            elif kind == "capacity":
                shocks = [s for s in self.scenario.shocks if isinstance(s, CapacityLoss)]
                label_of = {id(s): k for k, s in enumerate(self.scenario.shocks)}
                node_id = self.chain.index.node_ids[i]
                parts.append(
                    "; ".join(self.shock_label(label_of[id(s)], lang) for s in shocks if s.node == node_id)
                )
        return " <- ".join(parts)

    def path_nodes(self, node_id: str) -> list[str]:
        """The node ids of :meth:`path`, from ``node_id`` back to the node where the shock lands
        (the web UI's chain map draws them).
        """
        steps, _, _ = self._walk(self.chain.index.node_position(node_id))
        ids = self.chain.index.node_ids
        return [str(ids[k]) for k in steps]

    def _walk(self, i: int) -> tuple[list[int], str, int]:
        """Node positions from ``i`` along each loss's cause (inputs and kinds) to where it
        starts, with that last cause (``supply``, ``capacity`` or none) and its position.
        """
        steps: list[int] = []
        seen: set[int] = set()
        bound = self.loss[i] <= 0 if i >= 0 else False
        kind, j = "", -1
        while i >= 0 and i not in seen:
            seen.add(i)
            steps.append(i)
            kind, j = self.cause(i, bound)
            if kind in ("input", "kind"):
                i = j
                continue
            break
        return steps, kind, j

    def shock_label(self, k: int, lang: str = "en") -> str:
        """Label shock ``k`` with names: ``ASML (P88) outage``, ``NLD blockade`` (zh: ``荷兰（NLD）断供``)."""
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
            name = self._node_name(shock.node, lang)
            return f"{name}（{shock.node}）产能损失{shock.loss:.0%}"
        return shock.label()

    def _node_name(self, node_id: str, lang: str) -> str:
        row = self.chain.nodes.iloc[self.chain.index.node_position(node_id)]
        return str((row["name_zh"] if lang == "zh" else "") or row["name"])

    def shock_description(self, k: int, lang: str = "en") -> str:
        """Shock ``k`` in a sentence's words, with names, depth and the nodes it is limited to:
        ``Netherlands (NLD) stops supplying (100%)``, ``荷兰（NLD）对光刻胶（N31）断供50%``.
        """
        shock = self.scenario.shocks[k]
        zh = lang == "zh"
        nodes = getattr(shock, "nodes", None)
        where = ""
        if nodes:
            named = [_label(self._node_name(n, lang), n, zh) for n in nodes]
            where = f"对{'、'.join(named)}" if zh else f" for {', '.join(named)}"
        if isinstance(shock, Blockade):
            who = _label(country_name(shock.country, lang), shock.country, zh)
            if zh:
                return f"{who}{where}断供{shock.depth:.0%}"
            return f"{who} stops supplying{where} ({shock.depth:.0%})"
        if isinstance(shock, Outage):
            who = _label(self._actor_name(shock.actor, lang), shock.actor, zh)
            if zh:
                return f"{who}{where}停供{shock.depth:.0%}"
            return f"{who} stops supplying{where} ({shock.depth:.0%})"
        name = _label(self._node_name(shock.node, lang), shock.node, zh)
        return f"{name}产能损失{shock.loss:.0%}" if zh else f"{name} loses {shock.loss:.0%} of its capacity"

    def alternatives(self, node_id: str) -> list[dict[str, Any]]:
        """List the providers of the node that the scenario leaves in place, and its substitutes."""
        eng, ix = self.engine, self.chain.index
        i = ix.node_position(node_id)
        at = np.flatnonzero((eng.prov_node == i) & (self.cut < 1.0))
        out = []
        for p in at[np.argsort(-eng.prov_weight[at])]:
            actor = self.chain.actors.iloc[eng.prov_actor[p]]
            share = ix.prov_share[eng.prov[p]]
            organization = actor["kind"] in ORGANIZATION_KINDS
            out.append(
                {
                    "type": "provider",
                    "provider_level": "enterprise" if organization else "country",
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
        """Return the stable JSON document of ``chokepoint scenario run --format json``.

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
                    "path_nodes": self.path_nodes(r["id"]),
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
