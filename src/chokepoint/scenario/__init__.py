"""Disruption scenarios (断链模拟): shocks propagated through every tier (pure core).

Entry points: :func:`run_scenario`, :func:`run_batch`, :func:`sweep`, and the
:class:`PropagationEngine` they share.
"""

from chokepoint.scenario.engine import PropagationEngine
from chokepoint.scenario.model import (
    Blockade,
    CapacityLoss,
    Outage,
    Scenario,
    ScenarioError,
    scenario_from_dict,
)
from chokepoint.scenario.result import ScenarioResult
from chokepoint.scenario.run import run_batch, run_scenario
from chokepoint.scenario.sweep import PairSweepResult, SweepResult, pair_sweep, sweep

__all__ = [
    "Blockade",
    "CapacityLoss",
    "Outage",
    "PairSweepResult",
    "PropagationEngine",
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "SweepResult",
    "pair_sweep",
    "run_batch",
    "run_scenario",
    "scenario_from_dict",
    "sweep",
]
