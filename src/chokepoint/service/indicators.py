"""Indicator systems of the store (评价指标体系) and weights from files (``chokepoint weights``).

Systems are imported from workbooks (:mod:`chokepoint.io.indicator_sheets`), checked whole
(:func:`chokepoint.indicators.system.check_system`: every problem by sheet, row and column,
nothing stored when any), stored as a new version each time, and exported back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from chokepoint.assess.assessment import INDICATOR_COLUMNS
from chokepoint.assess.reported import REPORTED
from chokepoint.errors import ChainValidationError, UsageError
from chokepoint.indicators import ahp_weights, critic_weights, entropy_weights
from chokepoint.indicators.system import (
    IndicatorSystem,
    check_system,
    global_weights,
    parse_thresholds,
    system_from_body,
)
from chokepoint.io.indicator_sheets import read_system_sheets, write_system_workbook
from chokepoint.io.region_files import read_labelled_table
from chokepoint.store import Store

#: Indicator names each source kind knows at import (``table:`` names are checked on evaluation).
#: text columns of the assessment, not indicators a system can weigh
TEXT_COLUMNS = frozenset(
    {
        "top1_country",
        "top1_enterprise",
        "spof_reasons",
        "gap_basis",
        "substitutability_basis",
        "threshold_basis",
    }
)
KNOWN_SOURCES: dict[str, set[str]] = {
    "platform": (set(INDICATOR_COLUMNS) - TEXT_COLUMNS) | {"score", "exposure", "criticality"},
    "reported": set(REPORTED),
}


def thresholds_from(text: str | None) -> dict[int, float] | None:
    """``--cr 3=0.05,4=0.08,5=0.1`` as thresholds per size (see
    :func:`chokepoint.indicators.system.parse_thresholds`).
    """
    return parse_thresholds(text)


def ahp_from_file(path: Path, thresholds: Mapping[int, float] | None = None) -> dict[str, Any]:
    """AHP weights of a pairwise comparison matrix (a square CSV with row and column labels):
    ``weights``, ``cr``, ``lambda_max``, ``ci``, ``threshold``, ``consistent``.

    Raises
    ------
    InconsistentMatrixError
        When CR passes the threshold of the matrix's size (the message gives ``CR = ...``).
    UsageError, InputFileError
        For a matrix that is not square, reciprocal or positive, or a file that cannot be read.
    """
    return ahp_weights(read_labelled_table(path, "comparison matrices"), thresholds=thresholds).to_dict()


def ahp_from_matrix(
    labels: Sequence[str], matrix: Sequence[Sequence[float]], thresholds: Mapping[int, float] | None = None
) -> dict[str, Any]:
    """AHP weights of a matrix given as labels and rows (the API's body); as :func:`ahp_from_file`.

    Raises
    ------
    UsageError
        When the rows are not ``len(labels)`` numbers each (and as :func:`ahp_from_file`).
    """
    n = len(labels)
    if len(matrix) != n or any(len(row) != n for row in matrix):
        raise UsageError(f"a comparison matrix of {n} labels has {n} rows of {n} numbers")
    frame = pd.DataFrame([list(map(float, row)) for row in matrix], index=list(labels), columns=list(labels))
    return ahp_weights(frame, thresholds=thresholds).to_dict()


def objective_from_file(path: Path, method: str, cost: Sequence[str] = ()) -> dict[str, Any]:
    """Entropy or CRITIC weights of a decision table (rows = alternatives, first column their
    labels; columns = indicators, benefit unless named in ``cost``): ``weights``, ``method``.

    Raises
    ------
    UsageError
        For an unknown method or cost column, or a table the method cannot weigh.
    """
    table = read_labelled_table(path, "decision tables")
    unknown = [c for c in cost if c not in table.columns]
    if unknown:
        raise UsageError(f"--cost names {', '.join(unknown)}, not columns of {path.name}")
    directions = {c: ("cost" if c in cost else "benefit") for c in table.columns}
    methods = {"entropy": entropy_weights, "critic": critic_weights}
    if method not in methods:
        raise UsageError(f"unknown method {method!r}; use entropy or critic")
    weights = methods[method](table, directions)
    return {
        "method": method,
        "weights": {str(k): float(v) for k, v in weights.items()},
        "directions": directions,
    }


def import_system(
    store: Store, path: Path, user: str = "cli", cr: Mapping[int, float] | None = None
) -> dict[str, Any]:
    """Import an indicator system from a workbook as the next version of its name.

    Raises
    ------
    ChainValidationError
        Every problem of the workbook (sheet, row, column); nothing is stored.
    """
    system, problems = check_system(read_system_sheets(path), path.name, KNOWN_SOURCES, cr)
    if problems or system is None:
        raise ChainValidationError(problems)
    version = store.indicator_systems.add(system.name, system.to_body(), user)
    return {
        "name": system.name,
        "version": version,
        "indicators": len(system.indicators),
        "source": path.name,
    }


def stored_system(store: Store, name: str, version: int | None = None) -> IndicatorSystem:
    """A stored system as an :class:`~chokepoint.indicators.system.IndicatorSystem`."""
    return system_from_body(store.indicator_systems.get(name, version))


def system_document(store: Store, name: str, version: int | None = None, lang: str = "en") -> dict[str, Any]:
    """A stored system for display: its settings, elements (with local and, where the method
    allows without data, global weights) and version.
    """
    body = store.indicator_systems.get(name, version)
    system = system_from_body(body)
    weights = None if system.weighting in ("entropy", "critic") else global_weights(system)
    elements = []
    for e in system.elements:
        elements.append(
            {
                **e.__dict__,
                "label": (e.name_zh or e.name) if lang == "zh" else e.name,
                "global_weight": None
                if weights is None or e.id not in weights
                else round(float(weights[e.id]), 6),
            }
        )
    return {
        **{k: body[k] for k in ("name", "version", "created_by", "created_at")},
        **_settings(system),
        "elements": elements,
    }


def _settings(system: IndicatorSystem) -> dict[str, str]:
    keys = ("title", "applies_to", "weighting", "normalisation", "aggregation")
    return {k: str(getattr(system, k)) for k in keys}


def export_system(store: Store, name: str, path: Path, version: int | None = None) -> Path:
    """Write a stored system as a workbook that imports back to the same system."""
    system = stored_system(store, name, version)
    weights = None if system.weighting in ("entropy", "critic") else global_weights(system)
    return write_system_workbook(system, weights, path)


def list_systems(store: Store) -> pd.DataFrame:
    """Every stored system's latest version."""
    return pd.DataFrame(
        store.indicator_systems.list(),
        columns=["name", "version", "title", "applies_to", "created_by", "created_at"],
    )
