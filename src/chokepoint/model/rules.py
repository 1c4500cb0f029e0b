"""The validation rules, table by table, in the order they run.

:func:`check_tables` types the four tables (:mod:`chokepoint.model.cells`) and applies
the rules of ``docs/exchange-format.md`` to nodes, actors, edges and provisions
(with the checks of :mod:`chokepoint.model.checks`), reporting to a
:class:`~chokepoint.model.findings.Findings`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from chokepoint.errors import Problem
from chokepoint.model.cells import stack_blocks, typed_table
from chokepoint.model.chain import GEOGRAPHY_KINDS
from chokepoint.model.checks import (
    cycles,
    duplicates,
    merge_actor_aliases,
    references,
    share_sums,
    unsafe_ids,
)
from chokepoint.model.countries import iso3_codes
from chokepoint.model.findings import Findings
from chokepoint.model.regions import location_reason
from chokepoint.model.schema import TABLES

HS_CODE = re.compile(r"[0-9]{2,10}")

#: Edge attributes and the edge kinds they apply to.
EDGE_ATTRIBUTE_KINDS: dict[str, tuple[str, ...]] = {
    "weight": ("input_of",),
    "switching_days": ("substitute_for",),
    "difficulty": ("substitute_for",),
}


@dataclass
class CheckedTables:
    """The four typed tables after the rules, and the actor rows merged as alias rows."""

    frames: dict[str, pd.DataFrame]
    merged_alias_rows: int


def check_tables(findings: Findings, tolerance: float) -> CheckedTables:
    """Apply every rule to ``findings.blocks``; the problems are in ``findings``.

    ``tolerance``: known shares may sum up to ``1 + tolerance`` per node, level and year.
    """
    check_table_names(findings)
    nodes = typed_table(findings, "nodes", stack_blocks(findings, "nodes"))
    edges = typed_table(findings, "edges", stack_blocks(findings, "edges"))
    actors = typed_table(findings, "actors", stack_blocks(findings, "actors"))
    prov = typed_table(findings, "provisions", stack_blocks(findings, "provisions"))

    unsafe_ids(findings, nodes, "node")
    unsafe_ids(findings, actors, "actor")
    nodes = duplicates(findings, nodes, ["id"], "node id", "duplicate_id")
    actors, merged = merge_actor_aliases(findings, actors)
    check_stages(findings, nodes)
    check_actors(findings, actors)
    check_hs_codes(findings, nodes)
    edges = check_edges(findings, edges, nodes)
    prov = check_provisions(findings, prov, nodes, actors, tolerance)
    frames = {"nodes": nodes, "edges": edges, "actors": actors, "provisions": prov}
    return CheckedTables(frames, merged)


def check_table_names(findings: Findings) -> None:
    """Every block names a table of the format, and there is a nodes table."""
    for i, b in enumerate(findings.blocks):
        if b.name not in TABLES:
            findings.add(
                i,
                None,
                None,
                f"unknown table {b.name!r}; expected one of {', '.join(TABLES)}",
                "unknown_table",
            )
    has_nodes = any(b.name == "nodes" for b in findings.blocks)
    if not has_nodes and not findings.errors:  # else the reader has said why (no double report)
        findings.report(
            Problem(
                "(input)",
                None,
                None,
                "no nodes table: a chain map needs nodes",
                code="missing_table",
            )
        )


def check_stages(findings: Findings, nodes: pd.DataFrame) -> None:
    """Check that a node's stage is a node of kind ``stage`` (``unknown_reference`` otherwise)."""
    stage_ids = set(nodes.loc[nodes["kind"] == "stage", "id"])
    bad_stage = (nodes["stage"] != "") & ~nodes["stage"].isin(stage_ids)
    findings.add_rows(
        nodes,
        bad_stage,
        "stage",
        lambda r: f"{r['stage']!r} is not the id of any node of kind 'stage'",
        "unknown_reference",
    )


def check_actors(findings: Findings, actors: pd.DataFrame) -> None:
    """Countries and regions have their own unique code; others a known one; only regions have members."""
    regions = set(actors.loc[actors["kind"] == "region", "country"]) - {""}
    codes_ok = iso3_codes() | regions
    geo = actors["kind"].isin(GEOGRAPHY_KINDS)
    findings.add_rows(
        actors,
        geo & (actors["country"] == ""),
        "country",
        "a country or region needs its own code in 'country' (ISO 3166 alpha-3 for countries)",
        "required_value",
    )
    is_country = actors["kind"] == "country"
    findings.add_rows(
        actors,
        is_country & (actors["country"] != "") & ~actors["country"].isin(iso3_codes()),
        "country",
        lambda r: (
            f"{r['country']!r} is not an ISO 3166 alpha-3 country code; "
            "declare aggregates such as Europe as kind 'region'"
        ),
        "unknown_country",
    )
    findings.add_rows(
        actors,
        ~geo & (actors["country"] != "") & ~actors["country"].isin(codes_ok),
        "country",
        lambda r: (
            f"{r['country']!r} is neither an ISO 3166 alpha-3 code nor "
            "the code of a region declared in the actors table"
        ),
        "unknown_country",
    )
    duplicates(
        findings,
        actors[geo & (actors["country"] != "")],
        ["country"],
        "country or region code",
        "duplicate_id",
    )
    bad_members = actors["members"].map(lambda ms: [m for m in ms if m not in iso3_codes()])
    findings.add_rows(
        actors.assign(_bad=bad_members),
        bad_members.map(bool),
        "members",
        lambda r: f"{', '.join(r['_bad'])}: not ISO 3166 alpha-3 country codes",
        "unknown_country",
    )
    findings.add_rows(
        actors,
        (actors["kind"] != "region") & actors["members"].map(bool).astype(bool),
        "members",
        "only regions have members",
        "invalid",
    )
    located = actors[actors["location"] != ""]
    reasons = pd.Series(
        [
            location_reason(*t)
            for t in zip(located["location"], located["kind"], located["country"], strict=True)
        ],
        index=located.index,
        dtype=object,
    )
    findings.add_rows(
        located.assign(_why=reasons),
        (reasons != "").to_numpy(),
        "location",
        lambda r: r["_why"],
        "unknown_location",
    )


def check_hs_codes(findings: Findings, nodes: pd.DataFrame) -> None:
    """Check that every HS code of a node has 2 to 10 digits (``invalid_hs_code`` otherwise)."""
    bad_hs = nodes["hs_codes"].map(lambda cs: [c for c in cs if not HS_CODE.fullmatch(c)])
    findings.add_rows(
        nodes.assign(_bad=bad_hs),
        bad_hs.map(bool),
        "hs_codes",
        lambda r: f"{', '.join(r['_bad'])}: an HS code has 2 to 10 digits (HS2 to national tariff lines)",
        "invalid_hs_code",
    )


def check_edges(findings: Findings, edges: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    """Edges join known nodes, once each, without loops or cycles; the edges without duplicates."""
    node_ids = set(nodes["id"])
    references(findings, edges, "source", node_ids, "node")
    references(findings, edges, "target", node_ids, "node")
    self_loop = (edges["source"] == edges["target"]) & (edges["source"] != "")
    findings.add_rows(edges, self_loop, None, lambda r: f"edge from {r['source']!r} to itself", "self_loop")
    edges = duplicates(findings, edges, ["kind", "source", "target"], "edge", "duplicate_edge")
    for column, kinds in EDGE_ATTRIBUTE_KINDS.items():
        findings.add_rows(
            edges,
            edges[column].notna() & ~edges["kind"].isin(kinds),
            column,
            f"{column} applies to {' and '.join(kinds)} edges only; here it has no effect",
            "unused_value",
            "warning",
        )
    node_index = pd.Index(nodes["id"])
    found = [cycles(findings, edges, node_index, (kind,)) for kind in ("input_of", "type_of")]
    if not any(found):  # each kind acyclic, but together they must be too (the dependency graph)
        cycles(findings, edges, node_index, ("input_of", "type_of"))
    return edges


def check_provisions(
    findings: Findings,
    prov: pd.DataFrame,
    nodes: pd.DataFrame,
    actors: pd.DataFrame,
    tolerance: float,
) -> pd.DataFrame:
    """Provisions name known actors and nodes, once per year, with plausible share sums.

    Returns the provisions without duplicates.
    """
    references(findings, prov, "actor", set(actors["id"]), "actor")
    references(findings, prov, "node", set(nodes["id"]), "node")
    prov = duplicates(
        findings, prov, ["actor", "node", "year"], "provision (actor/node/year)", "duplicate_provision"
    )
    findings.add_rows(
        prov,
        prov["share"].isna() & (prov[["actor", "node"]] != "").all(axis=1),
        "share",
        "share is blank: kept as unknown (not zero)",
        "unknown_share",
        "warning",
    )
    share_sums(findings, prov, dict(zip(actors["id"], actors["kind"], strict=True)), tolerance)
    return prov
