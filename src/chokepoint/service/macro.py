"""Input-output datasets of the store and what they tell: linkages, extraction, shocks.

The same calls behind ``chokepoint macro ...`` and ``/api/macro/datasets/...``. Datasets
are store-wide (not per project) and named; loading one under a taken name replaces it.
A shock is a spec (the YAML file of ``chokepoint macro shock``, the JSON body of ``POST
.../shock``)::

    demand: {reg1/food: 0.1}      # demand perturbation c* per region/sector
    caps: {reg2/mining: 0.5}      # supply-side inoperability fixed by an embargo (static only)
    recovery: 0.1                 # with steps: the dynamic model's recovery rate
    steps: 50                     # with recovery: the dynamic model's number of steps
    model: rationing              # with caps: rationing (default), mixed or ghosh
    critical_input: 0.01          # rationing: only input coefficients above this bind

``caps`` with ``steps`` is refused (``UsageError``): the dynamic model does not hold caps.
With caps, ``model`` picks the supply-constrained model of :mod:`chokepoint.macro.rationing`;
without caps the demand-driven inoperability is used whatever ``model`` says.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chokepoint.errors import ConflictError, UsageError
from chokepoint.macro import IOSystem
from chokepoint.macro.imports import IMPORTS, import_content
from chokepoint.macro.rationing import CRITICAL_INPUT, MODELS, supply_shock
from chokepoint.store import Store

EXTRACTION_BY = ("sector", "region")
#: the most steps of the dynamic inoperability model one shock may ask for
MAX_STEPS = 100_000


def read_system(
    path: Path | None = None,
    *,
    test: bool = False,
    year: int = 2015,
    make: Path | None = None,
    imports: Path | None = None,
) -> IOSystem:
    """An input-output system from a file, a folder or pymrio's test system.

    Parameters
    ----------
    path : a folder with ``Z.csv`` and ``Y.csv`` (optional ``F_<extension>.csv``), or a BEA
        summary Use table (``.xlsx``).
    test : pymrio's bundled test system (6 regions x 8 sectors) instead of ``path``.
    year : the year sheet of a BEA workbook.
    make : with a BEA Use table, BEA's Make table of the same year: the symmetric table by the
        industry-technology method (:mod:`chokepoint.macro.make_use`).
    imports : with a BEA Use table, BEA's import matrix of the same year: domestic coefficients
        and each industry's imported inputs (:func:`chokepoint.io.bea.read_bea_summary_use`).

    Raises
    ------
    UsageError
        When neither ``path`` nor ``test`` is given, or ``make``/``imports`` without a BEA Use
        table.
    """
    from chokepoint.io.macro_files import load_pymrio_test, read_bea_summary_use, read_io_csv

    bea = path is not None and path.suffix.lower() == ".xlsx"
    if (make is not None or imports is not None) and not bea:
        raise UsageError("--make and --imports go with a BEA summary Use table (.xlsx) as PATH")
    if test:
        return load_pymrio_test()
    if path is None:
        raise UsageError("give a PATH (CSV folder or BEA .xlsx) or --test (?test=true)")
    if bea:
        return read_bea_summary_use(path, year, make=make, imports=imports)
    return read_io_csv(path)


def load_dataset(
    store: Store,
    dataset: str,
    path: Path | None = None,
    *,
    test: bool = False,
    year: int = 2015,
    make: Path | None = None,
    imports: Path | None = None,
) -> dict[str, Any]:
    """Read a system (:func:`read_system`) and store it as ``dataset`` (replacing one of that name).

    Returns
    -------
    dict
        ``dataset``, ``title``, ``sectors``, ``total_output`` and ``domestic`` (whether the
        system holds domestic flows with each sector's imported inputs) of the stored system.
    """
    system = read_system(path, test=test, year=year, make=make, imports=imports)
    store.io_datasets.save(dataset, system)
    return {
        "dataset": dataset,
        "title": system.name,
        "sectors": system.n,
        "total_output": float(system.x.sum()),
        "domestic": IMPORTS in system.extensions,
    }


def datasets(store: Store) -> list[dict[str, Any]]:
    """The IO datasets of the store: ``name``, ``title``, ``sectors``, ``created_at``."""
    return store.io_datasets.list()


def rename_dataset(store: Store, old: str, new: str) -> dict[str, str]:
    """Rename an IO dataset (``NotFoundError`` when absent, ``ConflictError`` when ``new`` is taken)."""
    if old != new and any(d["name"] == new for d in store.io_datasets.list()):
        raise ConflictError(f"an IO dataset named {new!r} already exists; choose another name")
    store.io_datasets.rename(old, new)
    return {"dataset": new, "renamed_from": old}


def delete_dataset(store: Store, name: str) -> dict[str, str]:
    """Delete an IO dataset (``NotFoundError`` when absent)."""
    store.io_datasets.delete(name)
    return {"deleted": name}


def linkages(store: Store, dataset: str) -> pd.DataFrame:
    """Rasmussen backward and forward linkages of every sector, largest backward first.

    Key sectors (``key_sector``) are above 1 on both.
    """
    df = store.io_datasets.load(dataset).linkages()
    return df.sort_values("backward", ascending=False)


def imports(store: Store, dataset: str) -> pd.DataFrame:
    """Direct and total import content of every sector's output, largest total first.

    The dataset must be domestic (loaded with BEA's import matrix); see
    :func:`chokepoint.macro.imports.import_content`.
    """
    df = import_content(store.io_datasets.load(dataset))
    return df.sort_values("total_import_content", ascending=False)


def extraction(
    store: Store, dataset: str, by: str = "sector", kind: str = "total", keep_diagonal: bool = False
) -> pd.DataFrame:
    """Hypothetical extraction of every sector (or region) at once: output lost, largest first.

    Parameters
    ----------
    by : ``sector`` or ``region`` (a region's sectors all at once).
    kind : for sectors, ``total`` (row and column removed), ``backward`` (its purchases),
        ``forward`` (its sales, row removal in the Leontief model) or ``forward_ghosh`` (row
        removal in the Ghosh model, Dietzenbacher, van der Linden and Steenge 1993).
    keep_diagonal : keep the sector's own coefficient (backward and forward kinds).
    """
    system = store.io_datasets.load(dataset)
    if by == "sector":
        df = system.extraction(kind, keep_diagonal=keep_diagonal)
    elif by == "region":
        df = system.extraction_by_region()
    else:
        raise UsageError(f"by must be {' or '.join(EXTRACTION_BY)}, not {by!r}")
    return df.sort_values("loss", ascending=False)


@dataclass(frozen=True)
class ShockResult:
    """The inoperability of every sector after a shock, largest loss first, and the total loss."""

    table: pd.DataFrame
    economic_loss: float


@dataclass(frozen=True)
class ShockSpec:
    """A parsed shock: demand perturbation, capped sectors, dynamic model (``steps`` or None)."""

    demand: np.ndarray
    caps: dict[int, float]
    recovery: float
    steps: int | None


def _number(value: Any, what: str, source: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{source}: {what} must be a number, not {value!r}") from None
    if not math.isfinite(x):
        raise UsageError(f"{source}: {what} must be a finite number, not {value!r}")
    return x


def _mapping(spec: Mapping[str, Any], key: str, source: str) -> Mapping[Any, Any]:
    value = spec.get(key) or {}
    if not isinstance(value, Mapping):
        raise UsageError(f"{source}: {key} must map region/sector to a fraction")
    return value


def parse_shock(system: IOSystem, spec: Mapping[str, Any] | None, source: str = "shock") -> ShockSpec:
    """The shock of ``spec`` on ``system`` (see the module's spec).

    Parameters
    ----------
    source : the name errors start with (the spec's file name, ``request body``).

    Raises
    ------
    UsageError
        On a sector that is not ``region/sector`` of the system (naming it and an example),
        a value that is not a number, a spec that is not a mapping, or ``caps`` together with
        ``steps`` (the dynamic model does not hold supply caps, so the combination is refused
        rather than the caps silently dropped).
    """
    spec = spec or {}
    if not isinstance(spec, Mapping):
        raise UsageError(f"{source}: a shock is a mapping with demand, caps, recovery and steps")
    keys = {
        f"{r}/{s}": i
        for i, (r, s) in enumerate(zip(system.labels["region"], system.labels["sector"], strict=True))
    }

    def index(key: Any) -> int:
        if str(key) not in keys:
            raise UsageError(
                f"{source}: unknown sector {str(key)!r}; write region/sector, e.g. {next(iter(keys))}"
            )
        return keys[str(key)]

    c = np.zeros(system.n)
    for k, v in _mapping(spec, "demand", source).items():
        c[index(k)] = _number(v, f"demand of {k}", source)
    caps = {index(k): _number(v, f"cap of {k}", source) for k, v in _mapping(spec, "caps", source).items()}
    recovery = _number(spec.get("recovery", 0.1), "recovery", source)
    steps = None
    if spec.get("steps"):
        x = _number(spec["steps"], "steps", source)
        if not x.is_integer() or not 1 <= x <= MAX_STEPS:
            raise UsageError(f"{source}: steps must be a whole number from 1 to {MAX_STEPS}")
        steps = int(x)
    if steps is not None and caps:
        raise UsageError(
            f"{source}: 'caps' and 'steps' cannot be combined: the dynamic model (steps, recovery) "
            "does not hold supply caps; remove 'steps' (and 'recovery') for the static capped "
            "solution, or remove 'caps' for the dynamic path of the demand shock"
        )
    return ShockSpec(c, caps, recovery, steps)


def shock(
    store: Store,
    dataset: str,
    spec: Mapping[str, Any] | None,
    source: str = "shock",
    model: str | None = None,
) -> ShockResult:
    """Inoperability of every sector after a demand perturbation and supply caps (embargoes).

    With ``steps`` (and ``recovery``), the dynamic model's last state (Lian and Haimes 2006),
    without caps (refused by :func:`parse_shock`). With caps, the supply-constrained ``model``
    (argument, else the spec's ``model``, else ``rationing``; see
    :mod:`chokepoint.macro.rationing`): inoperability is the output lost over output, and the
    table gains ``output`` and ``final_demand`` (served). Without caps, the static
    demand-driven inoperability. ``loss`` per sector is output times inoperability. Without
    caps, ``at_bound`` says which sectors the bound (inoperability from 0 to 1) held because
    their solution left it.

    Raises
    ------
    UsageError
        ``model`` is not one of ``rationing``, ``mixed``, ``ghosh``.
    """
    system = store.io_datasets.load(dataset)
    s = parse_shock(system, spec, source)
    chosen = model if model is not None else (spec or {}).get("model") or "rationing"
    if chosen not in MODELS:
        raise UsageError(f"{source}: model must be {', '.join(MODELS)}, not {chosen!r}")
    df = system.labels.copy()
    at_bound = None
    if s.steps:
        path, at_bound = system.bounded_dynamic_inoperability(s.demand, s.recovery, s.steps)
        q = path[-1]
    elif s.caps:
        for v in s.caps.values():
            if not 0.0 <= v <= 1.0:
                raise UsageError(f"{source}: a cap is a fraction from 0 to 1, not {v!r}")
        threshold = float((spec or {}).get("critical_input", CRITICAL_INPUT))
        if not 0.0 <= threshold < 1.0:
            raise UsageError(f"{source}: critical_input must lie in [0, 1), not {threshold}")
        r = supply_shock(system, s.caps, s.demand, str(chosen), critical_input=threshold)
        x = system.x
        q = np.divide(r.loss, x, out=np.zeros(system.n), where=x != 0)
        df["output"] = r.output
        df["final_demand"] = r.final_demand
    else:
        q, at_bound = system.bounded_inoperability(s.demand, s.caps)
    df["inoperability"] = q
    if at_bound is not None:
        df["at_bound"] = at_bound
    df["loss"] = system.x * q
    return ShockResult(df.sort_values("loss", ascending=False), float(system.economic_loss(q)))


def shock_document(result: ShockResult, top: int | None = 20) -> dict[str, Any]:
    """The JSON document of a shock: ``economic_loss`` and the first ``top`` ``sectors``."""
    shown = result.table if top is None else result.table.head(top)
    return {
        "economic_loss": result.economic_loss,
        "sectors": json.loads(shown.to_json(orient="records", force_ascii=False)),
    }
