"""Disruption scenarios (断链模拟) of a stored project: one set of use cases for the CLI and the API.

* a scenario is a file (``.yaml``/``.json``), the name of a saved one, or a request body;
* its perspective follows the one rule of :mod:`chokepoint.service.perspective`: the project's
  stored default, then the fields the scenario names, then the request's fields (flags or query);
* a run gives a :class:`~chokepoint.scenario.ScenarioResult`, a run over time a
  :class:`~chokepoint.scenario.dynamics.DynamicResult`, a sweep a
  :class:`~chokepoint.scenario.SweepResult`, Monte Carlo a
  :class:`~chokepoint.scenario.dynamics.MonteCarloResult`; the ``*_document`` functions give
  the JSON that ``--format json`` prints and the API answers, the same both ways;
* a saved scenario is checked against the chain (ids, codes, not the home economy) whenever a
  perspective is available (the scenario's or the project's stored one).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from chokepoint.assess import Perspective
from chokepoint.errors import UsageError
from chokepoint.model.chain import ChainMap
from chokepoint.scenario import PairSweepResult, Scenario, ScenarioResult, SweepResult, scenario_from_dict
from chokepoint.scenario.dynamics import DynamicResult
from chokepoint.scenario.montecarlo import MonteCarloResult
from chokepoint.service.perspective import Codes, merge_perspective, resolve_perspective
from chokepoint.store import Store

#: ``progress(done, total)``, called as a sweep or a Monte Carlo run advances.
Progress = Callable[[int, int], None]

SWEEP_BY = ("country", "enterprise", "pair")
#: The most Monte Carlo runs one API job may ask for, and the most run-steps (runs x time steps):
#: 100,000 runs of a year in weekly steps.
MAX_RUNS = 100_000
MAX_RUN_STEPS = MAX_RUNS * 52


# ------------------------------------------------------------------ loading
def scenario_from_body(body: Any, name: str | None = None, source: str = "request body") -> Scenario:
    """A scenario from a parsed body (``ScenarioError`` locating each problem).

    Parameters
    ----------
    name : the name to give it (e.g. the ``{name}`` of ``PUT .../scenarios/{name}``).
    """
    data = {**body, "name": name} if name is not None and isinstance(body, Mapping) else body
    return scenario_from_dict(data, source)


def read_scenario_file(path: str | Path, name: str | None = None) -> Scenario:
    """A scenario file (``.yaml``, ``.yml`` or ``.json``), renamed to ``name`` when given."""
    from chokepoint.io.scenario_file import read_scenario

    sc = read_scenario(path)
    return sc.model_copy(update={"name": name}) if name else sc


def load_scenario(store: Store, project: str, ref: str) -> Scenario:
    """A scenario file path, else the name of a scenario saved in ``project``.

    Raises
    ------
    NotFoundError
        When ``ref`` is neither a file nor a saved scenario (the message lists the saved ones).
    """
    if Path(ref).is_file():
        return read_scenario_file(ref)
    return scenario_from_dict(store.scenarios.load(project, ref), f"saved scenario {ref!r}")


# ------------------------------------------------------------------ perspective
def scenario_perspective(
    store: Store,
    project: str,
    sc: Scenario,
    *,
    home: Codes = None,
    restricted: Codes = None,
    allied: Codes = None,
    year: int | None = None,
    chain: ChainMap | None = None,
) -> Perspective:
    """The perspective of a run of ``sc``: stored default, then the scenario's fields, then these."""
    return resolve_perspective(
        store,
        project,
        home=home,
        restricted=restricted,
        allied=allied,
        year=year,
        chain=chain,
        scenario=sc,
    )


# ------------------------------------------------------------------ runs
def run(
    store: Store,
    project: str,
    sc: Scenario,
    *,
    home: Codes = None,
    restricted: Codes = None,
    allied: Codes = None,
    year: int | None = None,
    chain: ChainMap | None = None,
    source: str = "scenario",
) -> ScenarioResult:
    """Propagate ``sc`` through every tier of ``project`` (``chokepoint scenario run``).

    Parameters
    ----------
    home, restricted, allied, year : the request's perspective fields (``None`` keeps the
        scenario's, else the stored one).
    chain : the project's chain when the caller holds it (else it is loaded).
    source : names the scenario in error messages (a file, ``request body``).

    Raises
    ------
    ScenarioError
        When a shock names an unknown node, actor or code, or blockades the home economy.
    """
    from chokepoint.scenario import run_scenario

    chain = chain if chain is not None else store.chains.load(project)
    p = scenario_perspective(
        store, project, sc, home=home, restricted=restricted, allied=allied, year=year, chain=chain
    )
    return run_scenario(chain, sc, p, source=source)


def parse_inventory(items: Iterable[str]) -> dict[str, float]:
    """``NODE=DAYS`` pairs (``--inventory``, ``?inventory=``) as node id -> days of inventory."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        try:
            days = float(value)
        except ValueError:
            days = float("nan")
        if not sep or not key.strip() or not 0 <= days < float("inf"):
            raise UsageError(f"--inventory {item!r}: write NODE=DAYS, e.g. N19=60")
        out[key.strip()] = days
    return out


def run_over_time(
    store: Store,
    project: str,
    sc: Scenario,
    *,
    days: int,
    step: int = 1,
    inventory: Iterable[str] | Mapping[str, float] = (),
    home: Codes = None,
    restricted: Codes = None,
    allied: Codes = None,
    year: int | None = None,
    chain: ChainMap | None = None,
) -> DynamicResult:
    """Loss curves of ``sc`` over ``days`` (``chokepoint scenario run --days``).

    Parameters
    ----------
    days, step : horizon and days per time step (each at least 1).
    inventory : days of inventory per node, as ``NODE=DAYS`` strings or a mapping.
    home, restricted, allied, year, chain : as in :func:`run`.
    """
    from chokepoint.scenario.dynamics import DynamicsConfig, run_dynamic

    if days < 1 or step < 1:
        raise UsageError("--days and --step must be at least 1")
    stock = dict(inventory) if isinstance(inventory, Mapping) else parse_inventory(inventory)
    chain = chain if chain is not None else store.chains.load(project)
    p = scenario_perspective(
        store, project, sc, home=home, restricted=restricted, allied=allied, year=year, chain=chain
    )
    return run_dynamic(chain, sc, p, DynamicsConfig(days=days, step=step, inventory_days=stock))


def sweep(
    store: Store,
    project: str,
    perspective: Perspective,
    by: str = "country",
    *,
    chain: ChainMap | None = None,
    progress: Progress | None = None,
    cluster: str | None = None,
) -> SweepResult | PairSweepResult:
    """Every single-country blockade (or single-enterprise outage, or every pair of countries'
    joint blockade) of ``project`` at once.

    Parameters
    ----------
    perspective : from :func:`chokepoint.service.perspective.resolve_perspective`.
    by : ``country``, ``enterprise`` or ``pair`` (summaries per pair, no loss matrix).
    progress : called with (done, total) after each batch of columns.
    cluster : where the batches run (:func:`chokepoint.service.cluster.open_executor`: absent for
        this process, ``local:N``, or a scheduler's address); the result is the same.
    """
    from chokepoint.scenario import pair_sweep
    from chokepoint.scenario import sweep as sweep_chain
    from chokepoint.service.cluster import open_executor

    if by not in SWEEP_BY:
        raise UsageError("--by must be 'country', 'enterprise' or 'pair'")
    chain = chain if chain is not None else store.chains.load(project)
    with open_executor(cluster) as executor:
        spread = executor if cluster else None
        if by == "pair":
            result = pair_sweep(chain, perspective, executor=spread)
            if progress is not None:
                progress(len(result.members), len(result.members))
            return result
        return sweep_chain(chain, perspective, by, progress=progress, executor=spread)


def monte_carlo(
    store: Store,
    project: str,
    perspective: Perspective,
    *,
    runs: int = 1000,
    seed: int = 0,
    days: int = 364,
    step: int = 7,
    chain: ChainMap | None = None,
    progress: Progress | None = None,
    cluster: str | None = None,
    batch: int = 4,
) -> MonteCarloResult:
    """Random blockades over time (``chokepoint scenario montecarlo``); the same seed, the same result.

    Parameters
    ----------
    perspective : from :func:`chokepoint.service.perspective.resolve_perspective`; the random
        blockades come from its restricted countries.
    runs : number of random scenarios (at least 1; the API allows up to :data:`MAX_RUNS`).
    seed : random seed.
    days, step : horizon and days per time step.
    progress : called with (done, runs) as the runs advance.
    cluster : where the batches of runs go (as for :func:`sweep`); the same seed gives the same
        result on any cluster, any number of workers and any ``batch``.
    batch : runs per batch (one task on a cluster).
    """
    from chokepoint.scenario.dynamics import DynamicsConfig
    from chokepoint.scenario.montecarlo import MonteCarloConfig
    from chokepoint.scenario.montecarlo import monte_carlo as monte_carlo_chain

    if runs < 1:
        raise UsageError("--runs must be at least 1")
    if seed < 0:
        raise UsageError("--seed must be at least 0")
    if days < 1 or step < 1:
        raise UsageError("--days and --step must be at least 1")
    if batch < 1:
        raise UsageError("--batch must be at least 1")
    from chokepoint.service.cluster import open_executor

    chain = chain if chain is not None else store.chains.load(project)
    with open_executor(cluster) as executor:
        return monte_carlo_chain(
            chain,
            perspective,
            MonteCarloConfig(runs=runs, seed=seed),
            DynamicsConfig(days=days, step=step),
            progress=progress,
            batch=batch,
            executor=None if not cluster else executor,
        )


def check_montecarlo_size(runs: int, days: int, step: int) -> None:
    """Refuse a Monte Carlo job above :data:`MAX_RUNS` runs or :data:`MAX_RUN_STEPS` run-steps
    (the API's bound on one job; the command line has none).
    """
    steps = -(-days // max(step, 1))
    if runs > MAX_RUNS or runs * steps > MAX_RUN_STEPS:
        raise UsageError(
            f"{runs:,} runs of {steps:,} steps are more than one job computes "
            f"(at most {MAX_RUNS:,} runs and {MAX_RUN_STEPS:,} run-steps): fewer runs or a longer step"
        )


# ------------------------------------------------------------------ documents
def run_document(r: ScenarioResult, lang: str = "en") -> dict[str, Any]:
    """The JSON of a run (version 2): ``scenario run --format json``, ``POST .../scenarios/run``."""
    return r.document(lang)


def dynamic_document(r: DynamicResult) -> dict[str, Any]:
    """The JSON of a run over time: ``scenario run --days N --format json``, ``POST .../dynamics``.

    ``{"scenario", "days", "step", "lost_final_value_days", "nodes": [per-node times], "curves"}``;
    ``curves`` holds the day of each step, the share of final value lost on it, and the loss
    (1 - availability) of the eight nodes with the most loss-days.
    """
    times = r.times()
    top = [str(i) for i in times["id"].head(8)]
    loss = 1.0 - r.curves(top)
    return {
        "scenario": r.scenario.model_dump(mode="json"),
        "days": r.config.days,
        "step": r.config.step,
        "lost_final_value_days": r.lost_final_value,
        "nodes": json.loads(times.to_json(orient="records")),
        "curves": {
            "days": [int(d) for d in r.days],
            "final_value_lost": [round(float(x), 9) for x in r.final_value_curve()],
            "nodes": {i: [round(float(x), 9) for x in loss[i]] for i in top},
        },
    }


def sweep_document(s: SweepResult | PairSweepResult) -> dict[str, Any]:
    """The JSON of a sweep (version 1): ``scenario sweep --format json``, the sweep job's result."""
    from chokepoint.report.scenario import sweep_document as document

    return dict(document(s))


def montecarlo_document(m: MonteCarloResult) -> dict[str, Any]:
    """The JSON of Monte Carlo: ``{"runs", "expected_loss", "value_at_risk_95",
    "loss_distribution", "most_critical", "worst_runs"}`` (``scenario montecarlo --format json``,
    the Monte Carlo job's result).
    """
    doc: dict[str, Any] = json.loads(json.dumps(m.summary(), default=float))
    return doc


# ------------------------------------------------------------------ saved scenarios
def _check_perspective(store: Store, project: str, sc: Scenario, chain: ChainMap) -> Perspective | None:
    if sc.perspective is None and merge_perspective(store.projects.get_perspective(project)) is None:
        return None
    return scenario_perspective(store, project, sc, chain=chain)


def save_scenario(
    store: Store,
    project: str,
    sc: Scenario,
    *,
    source: str = "scenario",
    chain: ChainMap | None = None,
) -> Scenario:
    """Check ``sc`` against the chain and save it under its name (replacing one of that name).

    It is saved as :func:`stored_body`. The check (:func:`chokepoint.scenario.run.check_scenario`)
    runs when a perspective is available: the scenario's own or the project's stored default.
    """
    from chokepoint.scenario.run import check_scenario

    chain = chain if chain is not None else store.chains.load(project)
    p = _check_perspective(store, project, sc, chain)
    if p is not None:
        check_scenario(chain, sc, p, source)
    store.scenarios.save(project, sc.name, stored_body(sc))
    return sc


def stored_body(sc: Scenario) -> dict[str, Any]:
    """The body a scenario is saved as: every field, but of its perspective only those it names
    (so that, loaded again, the unnamed ones still come from the project's stored default).
    """
    body = sc.model_dump(mode="json")
    if sc.perspective is not None:
        body["perspective"] = sc.perspective.model_dump(mode="json", exclude_unset=True)
    return body


def list_scenarios(store: Store, project: str) -> list[dict[str, Any]]:
    """The saved scenarios of ``project``: ``name``, number of ``shocks`` and ``label``, by name."""
    rows = []
    for n in store.scenarios.names(project):
        sc = scenario_from_dict(store.scenarios.load(project, n), n)
        rows.append({"name": n, "shocks": len(sc.shocks), "label": sc.label()})
    return rows


def scenario_names(store: Store, project: str) -> list[str]:
    """The names of the saved scenarios of ``project``, sorted."""
    return store.scenarios.names(project)


def get_scenario(store: Store, project: str, name: str) -> dict[str, Any]:
    """A saved scenario's body (``NotFoundError`` listing the saved ones)."""
    return store.scenarios.load(project, name)


def delete_scenario(store: Store, project: str, name: str) -> dict[str, str]:
    """Delete a saved scenario (``NotFoundError`` when there is none of that name)."""
    store.scenarios.delete(project, name)
    return {"deleted": name}
