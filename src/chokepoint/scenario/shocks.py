"""The shocks of a scenario on a chain: checked against it, then cut into its provisions."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from chokepoint.assess.perspective import Perspective
from chokepoint.errors import Problem
from chokepoint.model.chain import ChainMap
from chokepoint.model.countries import iso3_codes
from chokepoint.scenario.engine import PropagationEngine
from chokepoint.scenario.model import Blockade, CapacityLoss, Outage, Scenario, ScenarioError


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
    """Translate scenarios into the cut matrix of the propagation engine, one column per scenario.

    Returns the provision cuts ``(n_provisions, k)`` (the deepest shock wins), the capacity
    losses ``(n_nodes, k)`` (``None`` without capacity shocks) and, for the first scenario, the
    index of the shock behind each provision's cut (-1 when none).
    """
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
