"""Validation of directly reported indicator values (数据直报), row by row, all problems at once.

A submission is a table with columns ``indicator``, ``period`` (``YYYY-MM``),
``value``, optional ``unit`` and the entity columns the indicator needs:
``enterprise`` (actor id), ``node`` (node id), ``country`` (ISO3). A reporter
may submit only ``enterprise`` and ``node_enterprise`` indicators of the
enterprises bound to it; analysts, officers and admins may submit any; viewers
none.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chokepoint.errors import Problem
from chokepoint.model.chain import ChainMap
from chokepoint.model.countries import iso3_codes
from chokepoint.monitor.catalog import REPORTER_ENTITY_TYPES, Indicator

ROLES = ("admin", "analyst", "officer", "reporter", "viewer")
WRITER_ROLES = ("admin", "analyst", "officer", "reporter")
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
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


def validate_observations(
    frame: pd.DataFrame,
    rows: np.ndarray | list[int],
    source: str,
    catalog: Mapping[str, Indicator],
    chain: ChainMap,
    reporter: Reporter,
    as_of: str,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Return the clean observations and every problem (row, column, reason).

    ``as_of`` is the current month ``YYYY-MM``: later periods are in the future.
    """
    problems: list[Problem] = []
    cols = {
        c: frame[c].fillna("").astype(str).str.strip() if c in frame else pd.Series([""] * len(frame))
        for c in ("indicator", "period", "value", "unit", "node", "enterprise", "country")
    }
    for c in ("indicator", "period", "value"):
        if c not in frame.columns:
            problems.append(
                Problem(source, None, c, f"required column {c!r} is missing", code="missing_column")
            )
    if problems:
        return pd.DataFrame(columns=OBSERVATION_COLUMNS), problems
    nodes = set(chain.nodes["id"])
    orgs = set(chain.actors.loc[~chain.actors["kind"].isin(["country", "region"]), "id"])
    out = []
    seen: dict[tuple[str, str, str], int] = {}
    for k in range(len(frame)):
        row = int(rows[k])

        def bad(column: str | None, reason: str, code: str = "invalid", row: int = row) -> None:
            problems.append(Problem(source, row, column, reason, code=code))

        code = cols["indicator"].iloc[k]
        ind = catalog.get(code)
        if ind is None:
            bad(
                "indicator",
                f"unknown indicator {code!r}; known: {', '.join(sorted(catalog))}",
                "unknown_indicator",
            )
            continue
        unit = cols["unit"].iloc[k]
        if unit and unit != ind.unit:
            bad("unit", f"{code} is reported in {ind.unit!r}, not {unit!r}", "wrong_unit")
        period = cols["period"].iloc[k]
        if not _PERIOD.match(period):
            bad("period", f"{period!r} is not a month written YYYY-MM", "invalid_period")
        elif period > as_of:
            bad("period", f"{period} is in the future (current month {as_of})", "future_period")
        raw = cols["value"].iloc[k]
        try:
            value = float(raw)
            if not np.isfinite(value):
                raise ValueError
        except ValueError:
            bad("value", f"{raw!r} is not a number", "not_a_number")
            value = np.nan
        if not np.isnan(value) and not ind.minimum <= value <= ind.maximum:
            bad(
                "value",
                f"{value:g} is outside the valid range {ind.minimum:g} to {ind.maximum:g} {ind.unit}",
                "out_of_range",
            )
        node, ent, cty = cols["node"].iloc[k], cols["enterprise"].iloc[k], cols["country"].iloc[k]
        et = ind.entity_type
        if et in ("node", "node_enterprise") and node not in nodes:
            bad(
                "node",
                f"{node!r} is not a node of the chain" if node else f"{code} needs a node",
                "unknown_entity",
            )
        if et in ("enterprise", "node_enterprise") and ent not in orgs:
            bad(
                "enterprise",
                f"{ent!r} is not an enterprise of the chain" if ent else f"{code} needs an enterprise",
                "unknown_entity",
            )
        if et == "country" and cty not in iso3_codes():
            bad("country", f"{cty!r} is not an ISO 3166 alpha-3 code", "unknown_entity")
        if not reporter.may_write(et, ent):
            who = f"user {reporter.name!r} ({reporter.role})"
            reason = (
                f"{who} may not report for enterprise {ent!r}: it is not bound to it"
                if reporter.role == "reporter" and et in REPORTER_ENTITY_TYPES
                else f"{who} may not report {et} indicators"
            )
            bad("enterprise" if et in REPORTER_ENTITY_TYPES else "indicator", reason, "forbidden")
        key = (code, entity_key(et, node, ent, cty), period)
        if key in seen:
            bad(None, f"the same indicator, entity and period as row {seen[key]}", "duplicate_row")
        seen.setdefault(key, row)
        out.append((code, et, key[1], period, value))
    return pd.DataFrame(out, columns=OBSERVATION_COLUMNS), problems


def collection_set(values: Collection[str]) -> frozenset[str]:
    """Return ``values`` as a frozen set of strings (e.g. a reporter's actor ids)."""
    return frozenset(str(v) for v in values)
