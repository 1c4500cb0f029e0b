"""Run scenarios and batches on the propagation engine; explain every loss.

Entry points: :func:`run_scenario` (one scenario, a :class:`ScenarioResult`),
:func:`run_batch` (many at once) and :func:`sweep` (every single-country blockade or
single-enterprise outage, :mod:`chokepoint.scenario.sweep`). The shocks are checked and
cut into provisions by :mod:`chokepoint.scenario.shocks`; final products and their value
are :mod:`chokepoint.scenario.final_value`'s.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from chokepoint.assess.perspective import Perspective
from chokepoint.model.chain import ChainMap
from chokepoint.scenario.engine import PropagationEngine
from chokepoint.scenario.final_value import EPS, final_products
from chokepoint.scenario.model import Scenario
from chokepoint.scenario.result import ScenarioResult
from chokepoint.scenario.shocks import check_scenario, scenario_cuts
from chokepoint.scenario.sweep import SweepResult, sweep

__all__ = [
    "EPS",
    "ScenarioResult",
    "SweepResult",
    "check_scenario",
    "final_products",
    "run_batch",
    "run_scenario",
    "scenario_cuts",
    "sweep",
]


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
