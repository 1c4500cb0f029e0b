"""Indicator systems (评价指标体系): a user-defined hierarchy, its weighting and its aggregation.

A system is a tree of elements (criteria → sub-criteria → ... → indicators; any depth, the
leaves are the indicators). Each indicator has a direction (``benefit``: more is better,
``cost``: less is better), a unit and a data source::

    platform:<column>   a column of the platform's assessment (e.g. platform:exposure)
    reported:<code>     a directly reported indicator (数据直报)
    table:<name>        an indicator of an imported region-values table

Weights come from one of four methods (``weighting``):

* ``ahp``: a pairwise comparison matrix per parent over its children (the top level's parent
  is blank); local weights by :func:`chokepoint.indicators.ahp.ahp_weights`, consistency
  checked per matrix; the global weight of an indicator is the product of the local weights on
  its path (Saaty 1980, hierarchic composition);
* ``expert``: a local weight for every element, the siblings' weights summing to 1 (1e-6);
* ``entropy`` / ``critic``: computed on the data of the alternatives evaluated, over the
  indicators (the hierarchy then groups the results only).

Sheets (one workbook; :mod:`chokepoint.io.indicator_sheets` reads and writes it): ``system``
(``key``, ``value``: name, title, applies_to, weighting, normalisation, aggregation), ``indicators``
(``id, parent, name, name_zh, direction, unit, source, weight``) and ``comparisons`` (``parent,
row, column, value``: "row is value times as important as column"; each pair of siblings once,
or both ways when reciprocal within 1e-6). :func:`check_system` reads them with row-and-column
problems and returns nothing when any is found.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from chokepoint.errors import Problem, UsageError
from chokepoint.indicators.ahp import AhpResult, InconsistentMatrixError, ahp_weights
from chokepoint.indicators.objective import critic_weights, entropy_weights

WEIGHTINGS: tuple[str, ...] = ("ahp", "expert", "entropy", "critic")
NORMALISATIONS: tuple[str, ...] = ("minmax", "zscore")
AGGREGATIONS: tuple[str, ...] = ("weighted_sum", "topsis")
SOURCE_KINDS: tuple[str, ...] = ("platform", "reported", "table")
ELEMENT_COLUMNS: tuple[str, ...] = (
    "id",
    "parent",
    "name",
    "name_zh",
    "direction",
    "unit",
    "source",
    "weight",
)
COMPARISON_COLUMNS: tuple[str, ...] = ("parent", "row", "column", "value")
SETTINGS: tuple[str, ...] = (
    "name", "title", "applies_to", "weighting", "normalisation", "aggregation", "cr_thresholds",
)  # fmt: skip
#: the most children one parent may have (Saaty's random index is tabled up to 15)
MAX_CHILDREN = 15
_ID = re.compile(r"[A-Za-z0-9_.\-]{1,80}")
_SOURCE = re.compile(r"(platform|reported|table):([^\s:]{1,200})")


@dataclass(frozen=True)
class Element:
    """One criterion, sub-criterion or indicator of a system (an indicator has no children)."""

    id: str
    parent: str
    name: str
    name_zh: str = ""
    direction: str = ""
    unit: str = ""
    source: str = ""
    weight: float | None = None


@dataclass(frozen=True)
class IndicatorSystem:
    """A checked indicator system (see the module docstring)."""

    name: str
    title: str
    applies_to: str
    weighting: str
    normalisation: str
    aggregation: str
    cr_thresholds: str  # "3=0.05,4=0.08,5=0.1", or "" for Saaty's (see parse_thresholds)
    elements: tuple[Element, ...]
    comparisons: Mapping[str, pd.DataFrame] = field(default_factory=dict)  # parent -> square matrix

    def children(self, parent: str) -> list[Element]:
        """The elements under ``parent`` ("" for the top level), in the order given."""
        return [e for e in self.elements if e.parent == parent]

    @property
    def indicators(self) -> list[Element]:
        """The leaves, in the order given."""
        parents = {e.parent for e in self.elements}
        return [e for e in self.elements if e.id not in parents]

    def to_body(self) -> dict[str, Any]:
        """A JSON-ready body (stored, versioned); :func:`system_from_body` reads it back."""
        return {
            **{k: getattr(self, k) for k in SETTINGS},
            "elements": [e.__dict__.copy() for e in self.elements],
            "comparisons": [
                {"parent": p, "row": str(r), "column": str(c), "value": float(m.loc[r, c])}
                for p, m in self.comparisons.items()
                for i, r in enumerate(m.index)
                for c in m.columns[i + 1 :]
            ],
        }


def parse_thresholds(text: str | None) -> dict[int, float] | None:
    """``"3=0.05,4=0.08,5=0.1"`` as a CR threshold per matrix size (None for None or "").

    Raises
    ------
    UsageError
        For a malformed entry.

    >>> parse_thresholds("3=0.05, 5=0.1")
    {3: 0.05, 5: 0.1}
    """
    if not text or not str(text).strip():
        return None
    out = {}
    for part in str(text).split(","):
        size, _, value = part.strip().partition("=")
        try:
            out[int(size)] = float(value)
        except ValueError:
            raise UsageError(
                f"{part!r}: write CR thresholds as SIZE=VALUE, e.g. 3=0.05,4=0.08,5=0.1"
            ) from None
    return out


def thresholds_text(thresholds: Mapping[int, float] | None) -> str:
    """The inverse of :func:`parse_thresholds` ("" for None)."""
    return ",".join(f"{n}={v:g}" for n, v in sorted((thresholds or {}).items()))


def system_from_body(body: Mapping[str, Any]) -> IndicatorSystem:
    """The system of a stored body (:meth:`IndicatorSystem.to_body`); trusted (checked at import)."""
    elements = tuple(Element(**e) for e in body["elements"])
    system = IndicatorSystem(**{k: str(body.get(k, "")) for k in SETTINGS}, elements=elements, comparisons={})
    pairs = pd.DataFrame(body.get("comparisons", []), columns=list(COMPARISON_COLUMNS))
    return IndicatorSystem(
        **{k: getattr(system, k) for k in SETTINGS},
        elements=elements,
        comparisons=_matrices(system, pairs),
    )


def _rows(table: pd.DataFrame) -> list[dict[str, str]]:
    return [{str(k): str(v) for k, v in r.items()} for r in table.to_dict("records")]


def _matrices(system: IndicatorSystem, pairs: pd.DataFrame) -> dict[str, pd.DataFrame]:
    out = {}
    for parent in dict.fromkeys(e.parent for e in system.elements):
        ids = [e.id for e in system.children(parent)]
        m = pd.DataFrame(np.eye(len(ids)), index=ids, columns=ids)
        for r in _rows(pairs[pairs["parent"] == parent]):
            m.loc[r["row"], r["column"]] = float(r["value"])
            m.loc[r["column"], r["row"]] = 1.0 / float(r["value"])
        out[parent] = m
    return out


def check_system(
    sheets: Mapping[str, pd.DataFrame],
    source: str,
    known_sources: Mapping[str, set[str]] | None = None,
    cr_thresholds: Mapping[int, float] | None = None,
) -> tuple[IndicatorSystem | None, list[Problem]]:
    """Check the sheets of an indicator system; the system, or None with every problem.

    Parameters
    ----------
    sheets : mapping
        ``system``, ``indicators`` and (for AHP) ``comparisons``, every cell a string.
    source : str
        The workbook's name, for the problems (``book.xlsx[indicators]``).
    known_sources : mapping, optional
        Known indicator names by source kind (``platform``, ``reported``, ``table``); a source
        naming another is an ``unknown_indicator``. A kind left out is not checked.
    cr_thresholds : mapping, optional
        Consistency-ratio thresholds per matrix size; replace the sheet's ``cr_thresholds``
        setting (Saaty's when neither gives them) and are kept with the system.
    """
    problems: list[Problem] = []

    def at(sheet: str) -> str:
        return f"{source}[{sheet}]"

    settings = _settings(sheets.get("system"), at("system"), problems)
    if cr_thresholds:
        settings["cr_thresholds"] = thresholds_text(cr_thresholds)
    frame = sheets.get("indicators")
    if frame is None or not {"id", "parent", "name"} <= set(frame.columns):
        problems.append(
            Problem(
                at("indicators"),
                None,
                None,
                f"an 'indicators' sheet with the columns {', '.join(ELEMENT_COLUMNS)} is required",
                code="missing_table",
            )
        )
        return None, problems
    table = frame.reindex(columns=list(ELEMENT_COLUMNS)).fillna("").astype(str).apply(lambda c: c.str.strip())
    elements = _elements(
        table, at("indicators"), settings.get("weighting", ""), known_sources or {}, problems
    )
    if not elements and not problems:
        reason = "the indicators sheet has no row: a system needs at least one indicator"
        problems.append(Problem(at("indicators"), None, None, reason, code="required_value"))
    if problems:
        return None, problems
    system = IndicatorSystem(**settings, elements=tuple(elements), comparisons={})
    for parent in dict.fromkeys(e.parent for e in system.elements):
        kids = system.children(parent)
        if len(kids) > MAX_CHILDREN:
            row = 2 + [e.id for e in system.elements].index(kids[MAX_CHILDREN].id)
            label = f"{parent!r}" if parent else "the top level"
            reason = f"{label} has {len(kids)} children; group them, at most {MAX_CHILDREN} per parent"
            problems.append(Problem(at("indicators"), row, "parent", reason))
    comparisons: dict[str, pd.DataFrame] = {}
    if system.weighting == "ahp" and not problems:
        comparisons = _comparisons(
            system,
            sheets.get("comparisons"),
            at("comparisons"),
            parse_thresholds(system.cr_thresholds),
            problems,
        )
    if problems:
        return None, problems
    return IndicatorSystem(**settings, elements=tuple(elements), comparisons=comparisons), []


def _settings(frame: pd.DataFrame | None, where: str, problems: list[Problem]) -> dict[str, str]:
    values = {
        "title": "",
        "applies_to": "",
        "normalisation": "minmax",
        "aggregation": "weighted_sum",
        "cr_thresholds": "",
    }
    rows: dict[str, int] = {}
    if frame is None or not {"key", "value"} <= set(frame.columns):
        problems.append(
            Problem(
                where,
                None,
                None,
                "a 'system' sheet with columns key, value is required",
                code="missing_table",
            )
        )
        return {k: values.get(k, "") for k in SETTINGS}
    for pos, (k, v) in enumerate(zip(frame["key"], frame["value"], strict=True)):
        key, value = str(k).strip(), str(v).strip()
        if key in SETTINGS:
            values[key], rows[key] = value, pos + 2
        elif key:
            problems.append(
                Problem(where, pos + 2, "key", f"unknown setting {key!r}; use {', '.join(SETTINGS)}")
            )
    try:
        parse_thresholds(values["cr_thresholds"])
    except UsageError as exc:
        problems.append(Problem(where, rows.get("cr_thresholds"), "value", str(exc)))
    allowed = {"weighting": WEIGHTINGS, "normalisation": NORMALISATIONS, "aggregation": AGGREGATIONS}
    if not _ID.fullmatch(values.get("name", "")):
        problems.append(
            Problem(where, rows.get("name"), "value", "a system needs a 'name' (letters, digits, _ . -)")
        )
    for key, options in allowed.items():
        if values.get(key, "") not in options:
            problems.append(
                Problem(
                    where,
                    rows.get(key),
                    "value",
                    f"{key} {values.get(key, '')!r}: use one of {', '.join(options)}",
                )
            )
    return {k: values.get(k, "") for k in SETTINGS}


def _elements(
    table: pd.DataFrame,
    where: str,
    weighting: str,
    known_sources: Mapping[str, set[str]],
    problems: list[Problem],
) -> list[Element]:
    first: dict[str, int] = {}
    for pos, i in enumerate(table["id"]):
        if not _ID.fullmatch(i):
            problems.append(Problem(where, pos + 2, "id", f"{i!r}: an id has 1 to 80 letters, digits, _ . -"))
        elif i in first:
            problems.append(
                Problem(
                    where, pos + 2, "id", f"duplicate id {i!r} (first on row {first[i]})", code="duplicate_id"
                )
            )
        first.setdefault(i, pos + 2)
    parents = dict(zip(table["id"], table["parent"], strict=False))
    is_parent = set(table["parent"]) - {""}
    rows = [_Row(**r) for r in _rows(table)]
    for pos, r in enumerate(rows):
        row = pos + 2
        if r.parent and r.parent not in first:
            problems.append(
                Problem(
                    where, row, "parent", f"{r.parent!r} is not the id of any row", code="unknown_reference"
                )
            )
        elif r.parent and _in_cycle(r.id, parents):
            problems.append(
                Problem(
                    where,
                    row,
                    "parent",
                    f"{r.id!r} is its own ancestor (a cycle in the hierarchy)",
                    code="cycle",
                )
            )
        if not r.name:
            problems.append(Problem(where, row, "name", "every element needs a name", code="required_value"))
        leaf = r.id not in is_parent
        if leaf and r.direction not in ("benefit", "cost"):
            problems.append(
                Problem(where, row, "direction", f"{r.direction!r}: an indicator is 'benefit' or 'cost'")
            )
        if leaf:
            _check_source(r.source, row, where, known_sources, problems)
        if weighting == "expert":
            _check_weight(r.weight, row, where, problems)
    if weighting == "expert" and not problems:
        _check_sibling_sums(table, where, problems)
    return [
        Element(
            id=r.id,
            parent=r.parent,
            name=r.name,
            name_zh=r.name_zh,
            direction=r.direction,
            unit=r.unit,
            source=r.source,
            weight=float(r.weight) if r.weight else None,
        )
        for r in rows
    ]


def ratio_value(text: str) -> float:
    """A comparison cell as a number: ``3``, ``0.2`` or a fraction ``1/3``; NaN when it is none.

    >>> ratio_value("1/3") == 1 / 3, ratio_value("5"), ratio_value("x")
    (True, 5.0, nan)
    """
    top, slash, bottom = text.partition("/")
    try:
        return float(top) / float(bottom) if slash else float(text)
    except (ValueError, ZeroDivisionError):
        return math.nan


@dataclass(frozen=True)
class _Row:
    id: str
    parent: str
    name: str
    name_zh: str
    direction: str
    unit: str
    source: str
    weight: str


@dataclass(frozen=True)
class _Pair:
    parent: str
    row: str
    column: str
    value: str


def _in_cycle(node: str, parents: Mapping[str, str]) -> bool:
    seen, at = {node}, parents.get(node, "")
    while at:
        if at in seen:
            return True
        seen.add(at)
        at = parents.get(at, "")
    return False


def _check_source(
    text: str, row: int, where: str, known: Mapping[str, set[str]], problems: list[Problem]
) -> None:
    m = _SOURCE.fullmatch(text)
    if m is None:
        problems.append(
            Problem(
                where,
                row,
                "source",
                f"{text!r}: a source is platform:<column>, reported:<code> or table:<indicator>",
                code="invalid",
            )
        )
    elif m.group(1) in known and m.group(2) not in known[m.group(1)]:
        options = ", ".join(sorted(known[m.group(1)])[:12])
        problems.append(
            Problem(
                where,
                row,
                "source",
                f"unknown indicator {m.group(2)!r} of {m.group(1)}; known: {options}",
                code="unknown_indicator",
            )
        )


def _check_weight(text: str, row: int, where: str, problems: list[Problem]) -> None:
    try:
        w = float(text) if text else math.nan
    except ValueError:
        w = math.nan
    if not (math.isfinite(w) and 0.0 <= w <= 1.0):
        reason = "a weight is missing: expert weighting needs a local weight in [0, 1] for every row"
        problems.append(
            Problem(
                where,
                row,
                "weight",
                reason if not text else f"{text!r} is not a weight in [0, 1]",
                code="required_value" if not text else "invalid",
            )
        )


def _check_sibling_sums(table: pd.DataFrame, where: str, problems: list[Problem]) -> None:
    w = table["weight"].astype(float)
    sums = w.groupby(table["parent"]).sum()
    for parent, total in sums.items():
        if abs(total - 1.0) > 1e-6:
            row = int(np.flatnonzero((table["parent"] == parent).to_numpy())[0]) + 2
            label = f"under {parent!r}" if parent else "at the top level"
            problems.append(
                Problem(
                    where, row, "weight", f"the weights {label} sum to {total:.6g}, not 1", code="share_sum"
                )
            )


def _comparisons(
    system: IndicatorSystem,
    frame: pd.DataFrame | None,
    where: str,
    cr_thresholds: Mapping[int, float] | None,
    problems: list[Problem],
) -> dict[str, pd.DataFrame]:
    if frame is None:
        frame = pd.DataFrame(columns=list(COMPARISON_COLUMNS))
    pairs = (
        frame.reindex(columns=list(COMPARISON_COLUMNS)).fillna("").astype(str).apply(lambda c: c.str.strip())
    )
    siblings = {
        p: {e.id for e in system.children(p)} for p in dict.fromkeys(e.parent for e in system.elements)
    }
    given: dict[tuple[str, str, str], tuple[float, int]] = {}
    for pos, r in enumerate(_Pair(**x) for x in _rows(pairs)):
        row = pos + 2
        if r.parent not in siblings:
            problems.append(
                Problem(
                    where,
                    row,
                    "parent",
                    f"{r.parent!r} has no children in the indicators sheet",
                    code="unknown_reference",
                )
            )
            continue
        bad = [(c, v) for c, v in (("row", r.row), ("column", r.column)) if v not in siblings[r.parent]]
        for col, v in bad:
            problems.append(
                Problem(
                    where,
                    row,
                    col,
                    f"{v!r} is not a child of {r.parent or 'the top level'!r}",
                    code="unknown_indicator",
                )
            )
        value = ratio_value(r.value)
        if not (math.isfinite(value) and value > 0):
            problems.append(
                Problem(where, row, "value", f"{r.value!r}: a comparison is a positive number (1/9 to 9)")
            )
        if bad or not (math.isfinite(value) and value > 0) or r.row == r.column:
            continue
        first = given.get((r.parent, r.row, r.column))
        if first is not None:
            reason = f"{r.row}/{r.column} is compared twice (first on row {first[1]})"
            problems.append(Problem(where, row, "row", reason, code="duplicate_id"))
            continue
        back = given.get((r.parent, r.column, r.row))
        if back is not None and abs(back[0] * value - 1.0) > 1e-6:
            problems.append(
                Problem(
                    where,
                    row,
                    "value",
                    f"{r.row}/{r.column} = {value:g} is not the reciprocal "
                    f"of {r.column}/{r.row} = {back[0]:g} on row {back[1]}",
                )
            )
        given[(r.parent, r.row, r.column)] = (value, row)
    if problems:
        return {}
    out: dict[str, pd.DataFrame] = {}
    for parent in siblings:
        order = [e.id for e in system.children(parent)]
        m = pd.DataFrame(np.eye(len(order)), index=order, columns=order)
        for (p, a, b), (ratio, _) in given.items():
            if p == parent:
                m.at[a, b], m.at[b, a] = ratio, 1.0 / ratio
        missing = [
            (a, b)
            for i, a in enumerate(order)
            for b in order[i + 1 :]
            if (parent, a, b) not in given and (parent, b, a) not in given
        ]
        label = parent or "the top level"
        if missing:
            shown = ", ".join(f"{a}/{b}" for a, b in missing[:6])
            problems.append(
                Problem(
                    where,
                    None,
                    "value",
                    f"the comparisons under {label!r} lack {shown}",
                    code="required_value",
                )
            )
            continue
        try:
            ahp_weights(m, thresholds=cr_thresholds)
        except InconsistentMatrixError as exc:
            rows = [row for (p, _, _), (_, row) in given.items() if p == parent]
            problems.append(
                Problem(
                    where,
                    min(rows) if rows else None,
                    "value",
                    f"under {label!r}: {exc}",
                    code="inconsistent_matrix",
                )
            )
        out[parent] = m
    return out


def local_weights(
    system: IndicatorSystem, cr_thresholds: Mapping[int, float] | None = None
) -> dict[str, float]:
    """The local weight of each element among its siblings (AHP or expert); raises for the
    objective methods, whose weights come from data (:func:`global_weights`).
    """
    if system.weighting == "expert":
        return {e.id: float(e.weight or 0.0) for e in system.elements}
    if system.weighting != "ahp":
        raise UsageError(f"{system.weighting} weights come from the data; use global_weights with a table")
    out: dict[str, float] = {}
    thresholds = cr_thresholds if cr_thresholds is not None else parse_thresholds(system.cr_thresholds)
    for m in system.comparisons.values():
        result: AhpResult = ahp_weights(m, thresholds=thresholds)
        out.update({str(k): float(v) for k, v in result.weights.items()})
    return out


def global_weights(
    system: IndicatorSystem,
    data: pd.DataFrame | None = None,
    cr_thresholds: Mapping[int, float] | None = None,
) -> pd.Series:
    r"""The global weight of each indicator, summing to 1.

    AHP and expert: :math:`W_k = \prod_{e \in \text{path}(k)} w_e` (hierarchic composition,
    Saaty 1980); entropy and CRITIC: computed on ``data`` (alternatives × indicator ids) by
    :func:`~chokepoint.indicators.objective.entropy_weights` or
    :func:`~chokepoint.indicators.objective.critic_weights`.
    """
    leaves = system.indicators
    directions = {e.id: e.direction for e in leaves}
    if system.weighting in ("entropy", "critic"):
        if data is None:
            raise UsageError(f"{system.weighting} weights need the data of the alternatives")
        method = entropy_weights if system.weighting == "entropy" else critic_weights
        return method(data[[e.id for e in leaves]], directions)
    local = local_weights(system, cr_thresholds)
    parent = {e.id: e.parent for e in system.elements}

    def path_product(i: str) -> float:
        w = 1.0
        while i:
            w *= local[i]
            i = parent[i]
        return w

    return pd.Series({e.id: path_product(e.id) for e in leaves}, name="weight")
