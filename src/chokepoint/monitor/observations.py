"""Validation of directly reported indicator values (数据直报): every row, all problems at once.

A submission is a table with columns ``indicator``, ``period`` (``YYYY-MM``),
``value``, optional ``unit`` and the entity columns the indicator needs:
``enterprise`` (actor id), ``node`` (node id), ``country`` (ISO3). A reporter
may submit only ``enterprise`` and ``node_enterprise`` indicators of the
enterprises bound to it; analysts, officers and admins may submit any; viewers
none.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from chokepoint.errors import MAX_REPORTED_PROBLEMS, Problem
from chokepoint.model.chain import ChainMap
from chokepoint.model.countries import iso3_codes
from chokepoint.monitor.catalog import REPORTER_ENTITY_TYPES, Indicator

ROLES = ("admin", "analyst", "officer", "reporter", "viewer")
WRITER_ROLES = ("admin", "analyst", "officer", "reporter")
_MONTH = r"\d{4}-(?:0[1-9]|1[0-2])"
OBSERVATION_COLUMNS = ["indicator", "entity_type", "entity", "period", "value"]


@dataclass(frozen=True)
class Reporter:
    """Who submits: a user name, a role and (for reporters) the actors it owns."""

    name: str
    role: str
    actors: frozenset[str] = frozenset()

    def may_write(self, entity_type: str, actor: str) -> bool:
        """Tell whether this user may report an ``entity_type`` indicator for enterprise ``actor``.

        Admins, analysts and officers may report any indicator; a reporter only ``enterprise``
        and ``node_enterprise`` indicators of the actors it owns; a viewer none.
        """
        if self.role not in WRITER_ROLES:
            return False
        if self.role != "reporter":
            return True
        return entity_type in REPORTER_ENTITY_TYPES and actor in self.actors

    def may_read(self, entity_type: str, entity: str) -> bool:
        """Tell whether this user may read an observation of ``entity`` (an :func:`entity_key`).

        A reporter reads only the ``enterprise`` and ``node_enterprise`` observations of the
        actors it owns; every other role reads all.
        """
        if self.role != "reporter":
            return True
        actor = entity.split("|")[-1]
        return entity_type in REPORTER_ENTITY_TYPES and actor in self.actors


def entity_key(entity_type: str, node: str, enterprise: str, country: str) -> str:
    """Return the entity key of an observation of an ``entity_type`` indicator.

    ``node|enterprise`` for ``node_enterprise``; the node, enterprise or country id for the
    others; ``chain`` for a chain-wide indicator.
    """
    return {
        "enterprise": enterprise,
        "node_enterprise": f"{node}|{enterprise}",
        "node": node,
        "country": country,
        "chain": "chain",
    }[entity_type]


class ValidatedObservations(NamedTuple):
    """What :func:`validate_observations` returns."""

    #: The observations (columns :data:`OBSERVATION_COLUMNS`), one per row; empty when there are
    #: problems (nothing of a submission with a problem is stored).
    clean: pd.DataFrame
    #: The first ``max_problems`` problems, by row and then in the order of the checks.
    problems: list[Problem]
    #: How many problems there are in all.
    problem_count: int


def validate_observations(
    frame: pd.DataFrame,
    rows: np.ndarray | list[int],
    source: str,
    catalog: Mapping[str, Indicator],
    chain: ChainMap,
    reporter: Reporter,
    as_of: str,
    max_problems: int = MAX_REPORTED_PROBLEMS,
) -> ValidatedObservations:
    """Check every row at once (column-wise, no loop over rows) and return the clean observations,
    the first ``max_problems`` problems (row, column, reason) and the number of problems in all.

    The checks, in the order a row's problems are listed: the indicator is in the catalog (a row
    of an unknown indicator is checked no further), its unit, the period (a month ``YYYY-MM``, not
    after ``as_of``, the current month), the value (a finite number within the indicator's range),
    the entity the indicator needs (a node of the chain, an enterprise of the chain, an ISO3
    code), whether ``reporter`` may report it (:meth:`Reporter.may_write`), and that no earlier row
    has the same indicator, entity and period. A million-row upload with a problem on every row
    keeps memory to a few arrays and builds only the problems it lists.
    """
    n = len(frame)
    row_no = np.asarray(rows, dtype=np.int64)
    missing = [c for c in ("indicator", "period", "value") if c not in frame.columns]
    if missing:
        problems = [
            Problem(source, None, c, f"required column {c!r} is missing", code="missing_column")
            for c in missing
        ]
        return ValidatedObservations(pd.DataFrame(columns=OBSERVATION_COLUMNS), problems, len(problems))

    def column(name: str) -> pd.Series:
        if name not in frame:
            return pd.Series([""] * n, dtype="str")
        return frame[name].fillna("").astype("str").str.strip().reset_index(drop=True)

    code, unit, period, raw = column("indicator"), column("unit"), column("period"), column("value")
    node, ent, cty = column("node"), column("enterprise"), column("country")
    # what the indicator says, looked up once per distinct code and spread by the codes' ids
    code_id, codes = pd.factorize(code)
    info = [catalog.get(c) for c in codes]
    known = np.array([i is not None for i in info], dtype=bool)[code_id]
    ind_unit = np.array([i.unit if i else "" for i in info], dtype=object)[code_id]
    et = np.array([i.entity_type if i else "" for i in info], dtype=object)[code_id]
    low = np.array([i.minimum if i else np.nan for i in info], dtype=float)[code_id]
    high = np.array([i.maximum if i else np.nan for i in info], dtype=float)[code_id]
    value = _numbers(raw)
    finite = np.isfinite(value)
    month = period.str.fullmatch(_MONTH).to_numpy(dtype=bool)
    is_type = {t: et == t for t in ("enterprise", "node_enterprise", "node", "country", "chain")}
    needs_node = is_type["node"] | is_type["node_enterprise"]
    needs_ent = is_type["enterprise"] | is_type["node_enterprise"]
    own_type = np.isin(et, list(REPORTER_ENTITY_TYPES))
    if reporter.role not in WRITER_ROLES:
        allowed = np.zeros(n, dtype=bool)
    elif reporter.role != "reporter":
        allowed = np.ones(n, dtype=bool)
    else:
        allowed = own_type & ent.isin(list(reporter.actors)).to_numpy()

    # the same indicator, entity and period: ids of the parts the entity is made of (-1: not part)
    def ids(values: pd.Series, part: np.ndarray) -> np.ndarray:
        return np.where(part, pd.factorize(values)[0], -1)

    key = pd.DataFrame(
        {
            "c": code_id,
            "n": ids(node, needs_node),
            "e": ids(ent, needs_ent),
            "k": ids(cty, is_type["country"]),
            "p": pd.factorize(period)[0],
        }
    )[known]
    group = key.groupby(list(key.columns), sort=False).ngroup().to_numpy()
    position = np.arange(len(group))
    first = np.full(int(group.max()) + 1 if len(group) else 0, len(group), dtype=np.int64)
    np.minimum.at(first, group, position)
    repeated = np.zeros(n, dtype=bool)
    repeated[known] = first[group] != position
    first_row = np.zeros(n, dtype=np.int64)
    first_row[known] = row_no[known][first[group]]
    who = f"user {reporter.name!r} ({reporter.role})"
    nodes = chain.nodes["id"].astype(str).tolist()
    orgs = chain.actors.loc[~chain.actors["kind"].isin(["country", "region"]), "id"].astype(str).tolist()

    checks: list[tuple[np.ndarray, str | None, str, Callable[[int], str]]] = [
        (
            ~known,
            "indicator",
            "unknown_indicator",
            lambda k: f"unknown indicator {code[k]!r}; known: {', '.join(sorted(catalog))}",
        ),
        (
            known & (unit != "").to_numpy() & (unit.to_numpy(dtype=object) != ind_unit),
            "unit",
            "wrong_unit",
            lambda k: f"{code[k]} is reported in {ind_unit[k]!r}, not {unit[k]!r}",
        ),
        (
            known & ~month,
            "period",
            "invalid_period",
            lambda k: f"{period[k]!r} is not a month written YYYY-MM",
        ),
        (
            known & month & (period > as_of).to_numpy(),
            "period",
            "future_period",
            lambda k: f"{period[k]} is in the future (current month {as_of})",
        ),
        (known & ~finite, "value", "not_a_number", lambda k: f"{raw[k]!r} is not a number"),
        (
            known & finite & ((value < low) | (value > high)),
            "value",
            "out_of_range",
            lambda k: f"{value[k]:g} is outside the valid range {low[k]:g} to {high[k]:g} {ind_unit[k]}",
        ),
        (
            known & needs_node & ~node.isin(nodes).to_numpy(),
            "node",
            "unknown_entity",
            lambda k: f"{node[k]!r} is not a node of the chain" if node[k] else f"{code[k]} needs a node",
        ),
        (
            known & needs_ent & ~ent.isin(orgs).to_numpy(),
            "enterprise",
            "unknown_entity",
            lambda k: (
                f"{ent[k]!r} is not an enterprise of the chain"
                if ent[k]
                else f"{code[k]} needs an enterprise"
            ),
        ),
        (
            known & is_type["country"] & ~cty.isin(list(iso3_codes())).to_numpy(),
            "country",
            "unknown_entity",
            lambda k: f"{cty[k]!r} is not an ISO 3166 alpha-3 code",
        ),
        (
            known & ~allowed & own_type,
            "enterprise",
            "forbidden",
            lambda k: (
                f"{who} may not report for enterprise {ent[k]!r}: it is not bound to it"
                if reporter.role == "reporter"
                else f"{who} may not report {et[k]} indicators"
            ),
        ),
        (
            known & ~allowed & ~own_type,
            "indicator",
            "forbidden",
            lambda k: f"{who} may not report {et[k]} indicators",
        ),
        (
            repeated,
            None,
            "duplicate_row",
            lambda k: f"the same indicator, entity and period as row {first_row[k]}",
        ),
    ]
    order = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 10]  # the two "forbidden" checks share a place
    # the first max_problems in row order: the rows up to where the running count reaches it
    per_row = np.zeros(n, dtype=np.int16)
    for mask, *_ in checks:
        per_row += mask
    count = int(per_row.sum(dtype=np.int64))
    in_row_order = np.argsort(row_no, kind="stable")
    cut = int(np.searchsorted(np.cumsum(per_row[in_row_order]), max_problems))
    head = np.zeros(n, dtype=bool)
    head[in_row_order[: cut + 1]] = True
    hits = [np.flatnonzero(mask & head) for mask, *_ in checks]
    where = np.concatenate(hits)
    which = np.concatenate([np.full(len(h), i, dtype=np.int64) for i, h in enumerate(hits)])
    rank = np.asarray(order, dtype=np.int64)[which]
    listed = np.lexsort((rank, row_no[where]))[:max_problems]
    problems = []
    for j in listed:
        k, (_, col, problem_code, message) = int(where[j]), checks[int(which[j])]
        problems.append(Problem(source, int(row_no[k]), col, message(k), code=problem_code))
    if count:  # nothing is stored when anything is wrong
        return ValidatedObservations(pd.DataFrame(columns=OBSERVATION_COLUMNS), problems, count)
    entity = _entity_keys(is_type, node, ent, cty)
    clean = pd.DataFrame(
        {
            "indicator": code[known].to_numpy(),
            "entity_type": et[known],
            "entity": entity[known].to_numpy(),
            "period": period[known].to_numpy(),
            "value": value[known],
        },
        columns=OBSERVATION_COLUMNS,
    )
    return ValidatedObservations(clean, problems, count)


def _numbers(raw: pd.Series) -> np.ndarray:
    """``float(cell)`` of every cell, NaN where it is not a finite number (the C parser, then Python's
    ``float`` for the few cells it refused, which ``float`` may still read: ``1_000``).
    """
    try:  # every cell a number: the string column's own cast, no copy as Python objects
        value = np.array(raw.astype("float64"), dtype=float)
    except (ValueError, TypeError):
        value = np.array(pd.to_numeric(raw, errors="coerce"), dtype=float)  # a writable copy
    for k in np.flatnonzero(np.isnan(value) & (raw != "").to_numpy()):
        with contextlib.suppress(ValueError):
            value[k] = float(raw[k])
    value[~np.isfinite(value)] = np.nan
    return value


def _entity_keys(
    is_type: Mapping[str, np.ndarray], node: pd.Series, ent: pd.Series, cty: pd.Series
) -> pd.Series:
    """:func:`entity_key` of every row at once (empty for an unknown indicator)."""
    entity = pd.Series([""] * len(node), dtype="str")
    for part, values in (
        ("enterprise", ent),
        ("node_enterprise", node + "|" + ent),
        ("node", node),
        ("country", cty),
    ):
        entity = entity.mask(is_type[part], values)
    return entity.mask(is_type["chain"], "chain")


def collection_set(values: Collection[str]) -> frozenset[str]:
    """Return ``values`` as a frozen set of strings (e.g. a reporter's actor ids)."""
    return frozenset(str(v) for v in values)
