"""Validation of raw tables into a :class:`ChainMap`, reporting every problem at once.

Entry points: :func:`chain_from_tables` and :func:`merge_tables`, returning an
:class:`ImportReport`. The rules live in :mod:`chokepoint.model.rules` (with the
cell typing of :mod:`chokepoint.model.cells` and the checks of
:mod:`chokepoint.model.checks`), the problems they find in
:mod:`chokepoint.model.findings`.

Rules (each has a stable ``code``; see ``docs/exchange-format.md``):

==========================  =====================================================
code                        rule
==========================  =====================================================
missing_column              a required column is absent
unknown_column (warning)    a column that is not part of the format is ignored
required_value              a required cell is blank
not_a_number                a numeric cell does not parse
not_an_integer              an integer cell has a fraction
out_of_range                a value outside its range (shares 0-1, threshold 1-5...)
unknown_kind                a kind (or children_rule) outside the vocabulary
unsafe_id                   a node or actor id with a markup character (< > " ' ` = backslash &),
                            a control character, a space at either end, or over 200
duplicate_id                a node id twice; an actor id twice with conflicting
                            name, kind or country (identical rows are alias rows
                            and are merged)
duplicate_edge              the same (kind, source, target) twice
duplicate_provision         the same (actor, node, year) twice
unknown_reference           an id that no node or actor has
unknown_country             a country code that is neither ISO 3166 alpha-3 nor
                            a declared region
unknown_location            an organisation's location that is not an ISO 3166-2
                            subdivision of its country (optionally extended by
                            city and park segments), or a location on a country
self_loop / cycle           an edge from a node to itself; a cycle of
                            ``input_of`` or ``type_of`` edges, or of both together
                            (the dependency graph must be acyclic)
share_sum                   known shares of one node, one provider level
                            (countries/regions or organizations) and one year sum
                            above ``1 + share_sum_tolerance``
unknown_share (warning)     a blank share: unknown, never read as zero
share_sum_below (warning)   known shares sum below ``1 - share_sum_tolerance``
invalid_hs_code             an HS code that is not 2 to 10 digits
unused_value (warning)      an edge attribute that does not apply to its kind
missing_table               no nodes table (file, sheet or JSON list)
unknown_table               a block for a table outside the format
==========================  =====================================================

Readers add, before validation: ``missing_file``, ``empty_file``, ``encoding``
(not UTF-8; names the line), ``csv_syntax``, ``duplicate_column``,
``json_syntax``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from chokepoint.errors import ChainValidationError, Problem
from chokepoint.model.chain import TABLE_KEYS, ChainMap, frame_as_text
from chokepoint.model.findings import Findings
from chokepoint.model.rules import check_tables
from chokepoint.model.schema import TABLES
from chokepoint.model.tables import RawTable

__all__ = [
    "SHARE_SUM_TOLERANCE",
    "ImportReport",
    "chain_from_tables",
    "chain_tables",
    "merge_tables",
]

#: Known shares of one node may sum to at most ``1 + SHARE_SUM_TOLERANCE`` per provider
#: level and year. Public data rounds small shares up (ETO rounds shares between 0 and 1%
#: up to 1%; its EDA software country shares sum to 102%), so 3 percentage points.
SHARE_SUM_TOLERANCE = 0.03


@dataclass
class ImportReport:
    """The result of a successful validation.

    Attributes
    ----------
    chain : ChainMap
    warnings : list of Problem
        Findings that did not block (blank shares, sums below 1, ignored columns).
    merged_alias_rows : int
        Actor rows merged into an earlier row of the same id (alias rows).
    """

    chain: ChainMap
    warnings: list[Problem] = field(default_factory=list)
    merged_alias_rows: int = 0

    def warning_counts(self) -> dict[str, int]:
        """Count the warnings by code (e.g. ``{"share_sum_below": 12}``)."""
        counts: dict[str, int] = {}
        for w in self.warnings:
            counts[w.code] = counts.get(w.code, 0) + 1
        return counts


def chain_tables(chain: ChainMap, source: str) -> list[RawTable]:
    """Return the chain's four tables as raw text blocks named ``source[table]`` (rows numbered from 1)."""
    return [
        RawTable(name, frame_as_text(name, frame), f"{source}[{name}]", rows=np.arange(1, len(frame) + 1))
        for name, frame in chain.tables().items()
    ]


def merge_tables(
    base: ChainMap,
    blocks: Sequence[RawTable],
    meta: Mapping[str, str] | None = None,
    *,
    base_source: str = "stored project",
    share_sum_tolerance: float = SHARE_SUM_TOLERANCE,
    problems: Sequence[Problem] = (),
) -> ImportReport:
    """Add ``blocks`` to ``base`` and validate the result as a whole.

    A new row replaces the stored row with the same key (node and actor ``id``;
    edge ``kind, source, target``; provision ``actor, node, year``), so new rows
    may refer to stored nodes and actors, and a merge that would leave the
    chain invalid (shares summing above 1, dangling references) is refused with
    every problem, naming the new file's rows or the stored ones.
    """
    new_keys: dict[str, set[tuple[str, ...]]] = {name: set() for name in TABLES}
    for b in blocks:
        keys = TABLE_KEYS.get(b.name)
        if keys and all(k in b.frame.columns for k in keys):
            cells = b.frame[keys].fillna("").astype(str)
            new_keys[b.name] |= {tuple(v.strip() for v in row) for row in cells.itertuples(index=False)}
    kept = []
    for block in chain_tables(base, base_source):
        keys = TABLE_KEYS[block.name]
        mask = np.array(
            [tuple(row) not in new_keys[block.name] for row in block.frame[keys].itertuples(index=False)],
            dtype=bool,
        )
        rows = np.asarray(block.rows)[mask] if len(mask) else np.zeros(0, dtype=np.int64)
        kept.append(RawTable(block.name, block.frame[mask].reset_index(drop=True), block.source, rows=rows))
    return chain_from_tables(
        [*kept, *blocks],
        {**base.meta, **dict(meta or {})},
        share_sum_tolerance=share_sum_tolerance,
        problems=problems,
    )


def chain_from_tables(
    tables: Sequence[RawTable],
    meta: Mapping[str, str] | None = None,
    *,
    share_sum_tolerance: float = SHARE_SUM_TOLERANCE,
    problems: Sequence[Problem] = (),
) -> ImportReport:
    """Validate raw tables and build a :class:`ChainMap`.

    Every problem is collected before anything is returned; if any is an
    error, :class:`~chokepoint.errors.ChainValidationError` is raised with all
    of them (and the warnings), so a caller can never half-import.

    Parameters
    ----------
    tables : sequence of RawTable
        Blocks of rows; several blocks may feed the same table.
    meta : mapping, optional
        Title, source, license and attribution of the chain map.
    share_sum_tolerance : float
        Known shares of a node may sum up to ``1 + share_sum_tolerance`` per
        provider level and year (default :data:`SHARE_SUM_TOLERANCE`).
    problems : sequence of Problem
        Problems found by the reader (encoding, empty files); reported together.

    Returns
    -------
    ImportReport

    Examples
    --------
    >>> import pandas as pd
    >>> from chokepoint.model.tables import RawTable
    >>> nodes = pd.DataFrame({"id": ["a", "b"], "name": ["Wafer", "Chip"],
    ...                       "kind": ["material", "product"]})
    >>> edges = pd.DataFrame({"source": ["a"], "target": ["b"], "kind": ["input_of"]})
    >>> report = chain_from_tables([RawTable("nodes", nodes, "nodes.csv"),
    ...                             RawTable("edges", edges, "edges.csv")])
    >>> report.chain
    ChainMap(2 nodes, 1 edges, 0 actors, 0 provisions)
    """
    findings = Findings(tables)
    for p in problems:
        findings.report(p)
    checked = check_tables(findings, share_sum_tolerance)
    if findings.errors:
        raise ChainValidationError(findings.errors, findings.warnings)
    clean = {k: f[[c.name for c in TABLES[k]]] for k, f in checked.frames.items()}
    chain = ChainMap(meta=dict(meta or {}), **clean)
    return ImportReport(chain=chain, warnings=findings.warnings, merged_alias_rows=checked.merged_alias_rows)
