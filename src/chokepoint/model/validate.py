"""Validation of raw tables into a :class:`ChainMap`, reporting every problem at once.

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
duplicate_id                a node id twice; an actor id twice with conflicting
                            name, kind or country (identical rows are alias rows
                            and are merged)
duplicate_edge              the same (kind, source, target) twice
duplicate_provision         the same (actor, node, year) twice
unknown_reference           an id that no node or actor has
unknown_country             a country code that is neither ISO 3166 alpha-3 nor
                            a declared region
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

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from chokepoint.errors import ChainValidationError, Problem
from chokepoint.model.chain import GEOGRAPHY_KINDS, TABLE_KEYS, ChainMap, frame_as_text
from chokepoint.model.countries import iso3_codes
from chokepoint.model.schema import (
    ACTOR_KINDS,
    CHILDREN_RULES,
    EDGE_KINDS,
    LIST_SEPARATOR,
    NODE_KINDS,
    TABLES,
)
from chokepoint.model.tables import RawTable

#: Known shares of one node may sum to at most ``1 + SHARE_SUM_TOLERANCE`` per provider
#: level and year. Public data rounds small shares up (ETO rounds shares between 0 and 1%
#: up to 1%; its EDA software country shares sum to 102%), so 3 percentage points.
SHARE_SUM_TOLERANCE = 0.03

_HS_CODE = re.compile(r"[0-9]{2,10}")

RANGES: dict[tuple[str, str], tuple[float, float]] = {
    ("nodes", "market_size"): (0.0, np.inf),
    ("nodes", "market_size_year"): (1800, 2200),
    ("nodes", "threshold"): (1, 5),
    ("nodes", "gap"): (0.0, 1.0),
    ("nodes", "gap_years"): (0.0, np.inf),
    ("nodes", "substitutability"): (0.0, 1.0),
    ("edges", "weight"): (0.0, 1.0),
    ("edges", "switching_days"): (0.0, np.inf),
    ("edges", "difficulty"): (0.0, 1.0),
    ("provisions", "share"): (0.0, 1.0),
    ("provisions", "capacity"): (0.0, np.inf),
    ("provisions", "year"): (1800, 2200),
}

VOCABULARIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("nodes", "kind"): NODE_KINDS,
    ("nodes", "children_rule"): CHILDREN_RULES,
    ("actors", "kind"): ACTOR_KINDS,
    ("edges", "kind"): EDGE_KINDS,
}


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
        counts: dict[str, int] = {}
        for w in self.warnings:
            counts[w.code] = counts.get(w.code, 0) + 1
        return counts


def _divide_exact(num: pd.Series, scale: pd.Series | float) -> pd.Series:
    """``num / scale``, rounded through decimal so that ``17.8 / 100`` gives ``0.178``."""
    if isinstance(scale, float) or bool((scale == 1.0).all()):
        return num / scale
    return pd.Series(
        [
            v if (np.isnan(v) or d == 1.0) else float(Decimal(repr(float(v))) / Decimal(repr(float(d))))
            for v, d in zip(num.to_numpy(dtype=float), np.asarray(scale, dtype=float), strict=True)
        ],
        index=num.index,
        dtype="float64",
    )


def _row_message(template: str, column: str) -> Callable[[pd.Series], str]:
    """A row -> message function: ``template`` formatted with the row's ``value`` in ``column``."""

    def message(r: pd.Series) -> str:
        return template.format(value=r[column])

    return message


def _fmt(v: float) -> str:
    return f"{v:g}"


class _Validator:
    def __init__(self, blocks: Sequence[RawTable], tolerance: float):
        self.blocks = list(blocks)
        self.tolerance = tolerance
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.merged_alias_rows = 0

    # -------------------------------------------------------------- reporting
    def add(
        self,
        src: int,
        row: int | None,
        column: str | None,
        reason: str,
        code: str,
        severity: str = "error",
    ) -> None:
        block = self.blocks[src]
        p = Problem(
            source=block.source,
            row=None if row is None else int(row),
            column=None if column is None else block.label(column),
            reason=reason,
            severity="warning" if severity == "warning" else "error",
            code=code,
        )
        (self.warnings if p.severity == "warning" else self.errors).append(p)

    def add_rows(
        self,
        frame: pd.DataFrame,
        mask: np.ndarray | pd.Series,
        column: str | None,
        reason: str | Callable[[pd.Series], str],
        code: str,
        severity: str = "error",
    ) -> None:
        """Report every row of ``frame`` where ``mask`` holds; ``reason`` is a str or row -> str."""
        for _, r in frame[np.asarray(mask, dtype=bool)].iterrows():
            text = reason(r) if callable(reason) else reason
            self.add(int(r["_src"]), int(r["_row"]), column, text, code, severity)

    # ----------------------------------------------------------------- stages
    def concat(self, name: str) -> pd.DataFrame:
        cols = [c.name for c in TABLES[name]]
        parts = []
        for i, block in enumerate(self.blocks):
            if block.name != name:
                continue
            f = block.frame
            missing = [c.name for c in TABLES[name] if c.required and c.name not in f.columns]
            for c in missing:
                self.add(i, None, c, f"required column {block.label(c)!r} is missing", "missing_column")
            extra = [c for c in f.columns if c not in cols and not str(c).startswith("_")]
            for c in extra:
                self.add(
                    i,
                    None,
                    str(c),
                    f"column {c!r} is not part of the {name} table and was not imported",
                    "unknown_column",
                    "warning",
                )
            if missing:
                continue
            part = pd.DataFrame(
                {c: (f[c] if c in f.columns else pd.Series([""] * len(f), index=f.index)) for c in cols}
            )
            part = part.reset_index(drop=True).fillna("").astype(str)
            for c in cols:
                part[c] = part[c].str.strip()
            part["_src"] = i
            part["_row"] = block.row_numbers()
            for c, s in block.scales.items():
                part[f"_scale_{c}"] = s
            parts.append(part)
        if not parts:
            return pd.DataFrame({c: pd.Series([], dtype=object) for c in [*cols, "_src", "_row"]})
        return pd.concat(parts, ignore_index=True)

    def typed(self, name: str, raw: pd.DataFrame) -> pd.DataFrame:
        out = raw.copy()
        for col in TABLES[name]:
            s = raw[col.name]
            blank = s == ""
            if col.required:
                self.add_rows(raw, blank, col.name, "required value is blank", "required_value")
            if col.type in ("float", "int"):
                num = pd.to_numeric(s.where(~blank, None), errors="coerce").astype(float)
                bad = ~blank & (num.isna() | np.isinf(num.astype(float)))
                self.add_rows(
                    raw,
                    bad,
                    col.name,
                    _row_message("{value!r} is not a number", col.name),
                    "not_a_number",
                )
                scale_col = f"_scale_{col.name}"
                scale = raw[scale_col].fillna(1.0).astype(float) if scale_col in raw else 1.0
                if col.type == "int":
                    frac = num.notna() & (num != np.floor(num.fillna(0)))
                    self.add_rows(
                        raw,
                        frac,
                        col.name,
                        _row_message("{value!r} is not a whole number", col.name),
                        "not_an_integer",
                    )
                    num = num.where(~frac)
                lo, hi = RANGES.get((name, col.name), (-np.inf, np.inf))
                scaled = _divide_exact(num, scale)
                outside = scaled.notna() & ((scaled < lo) | (scaled > hi))

                def why(r: pd.Series, c: str = col.name, lo: float = lo, hi: float = hi) -> str:
                    sc = float(r.get(f"_scale_{c}", 1.0) or 1.0)
                    if sc == 1.0:
                        return f"{r[c]} is outside the range {_fmt(lo)} to {_fmt(hi)}"
                    unit = " percent" if sc == 100 else f" (x{_fmt(sc)})"
                    return f"{r[c]} is outside the range {_fmt(lo * sc)} to {_fmt(hi * sc)}{unit}"

                self.add_rows(raw, outside, col.name, why, "out_of_range")
                out[col.name] = scaled.where(~outside)
                if col.type == "int":
                    out[col.name] = out[col.name].round().astype("Int64")
            elif col.type == "list":
                out[col.name] = s.map(
                    lambda v: tuple(x.strip() for x in v.split(LIST_SEPARATOR) if x.strip())
                )
            vocab = VOCABULARIES.get((name, col.name))
            if vocab is not None:
                bad = ~blank & ~s.isin(vocab)
                self.add_rows(
                    raw,
                    bad,
                    col.name,
                    _row_message("{value!r} is not one of: " + ", ".join(vocab), col.name),
                    "unknown_kind",
                )
        return out

    # ----------------------------------------------------------------- checks
    def first_rows(self, frame: pd.DataFrame, keys: list[str]) -> pd.Index:
        """For each row, 'source row N' of the first row with the same key."""
        first_idx = frame.groupby(keys, sort=False, dropna=False).cumcount() == 0
        firsts = frame[first_idx].set_index(keys)
        where = firsts.apply(lambda r: f"{self.blocks[int(r['_src'])].source} row {int(r['_row'])}", axis=1)
        return frame.set_index(keys).index.map(where.to_dict())

    def duplicates(self, frame: pd.DataFrame, keys: list[str], what: str, code: str) -> pd.DataFrame:
        dup = frame.duplicated(keys, keep="first")
        if dup.any():
            first = self.first_rows(frame, keys)
            where = pd.Series(first, index=frame.index)
            self.add_rows(
                frame.assign(_first=where),
                dup,
                keys[0] if len(keys) == 1 else None,
                lambda r: (
                    f"duplicate {what} {'/'.join(str(r[k]) for k in keys)!r} (first defined in {r['_first']})"
                ),
                code,
            )
        return frame[~dup]

    def merge_actor_aliases(self, actors: pd.DataFrame) -> pd.DataFrame:
        dup = actors.duplicated(["id"], keep=False)
        if not dup.any():
            return actors
        keep_rows = []
        for _, group in actors[dup].groupby("id", sort=False):
            head = group.iloc[0].copy()
            aliases: list[str] = list(head["aliases"])
            for _, r in group.iloc[1:].iterrows():
                conflict = [c for c in ("name", "kind", "country") if r[c] != head[c]]
                if conflict:
                    where = f"{self.blocks[int(head['_src'])].source} row {int(head['_row'])}"
                    self.add(
                        int(r["_src"]),
                        int(r["_row"]),
                        conflict[0],
                        f"duplicate actor id {r['id']!r} with a different {conflict[0]} "
                        f"({r[conflict[0]]!r} here, {head[conflict[0]]!r} in {where}); "
                        "rows with the same id must describe the same actor (alias rows)",
                        "duplicate_id",
                    )
                    continue
                aliases += [a for a in r["aliases"] if a not in aliases and a != head["name"]]
                for c in ("name_zh", "description"):
                    if not head[c] and r[c]:
                        head[c] = r[c]
                head["members"] = tuple(dict.fromkeys([*head["members"], *r["members"]]))
                self.merged_alias_rows += 1
            head["aliases"] = tuple(aliases)
            keep_rows.append(head)
        merged = pd.DataFrame(keep_rows)
        return pd.concat([actors[~dup], merged]).sort_values(["_src", "_row"]).reset_index(drop=True)

    def references(
        self,
        frame: pd.DataFrame,
        column: str,
        known: set[str],
        what: str,
        allow_blank: bool = False,
    ) -> np.ndarray:
        s = frame[column]
        bad = ~s.isin(known) & (s != "" if allow_blank else s != "\0")
        bad &= s != ""  # blank required values are reported as required_value
        self.add_rows(
            frame,
            bad,
            column,
            lambda r: f"{r[column]!r} is not the id of any {what}",
            "unknown_reference",
        )
        return bad.to_numpy()

    def cycles(self, edges: pd.DataFrame, node_ids: pd.Index, kinds: tuple[str, ...]) -> bool:
        """Report every edge of ``kinds`` that lies on a cycle; True when there is one."""
        e = edges[edges["kind"].isin(kinds)]
        s = node_ids.get_indexer(pd.Index(e["source"]))
        t = node_ids.get_indexer(pd.Index(e["target"]))
        ok = (s >= 0) & (t >= 0) & (s != t)
        n = len(node_ids)
        if not ok.any():
            return False
        g = sp.coo_array((np.ones(ok.sum()), (s[ok], t[ok])), shape=(n, n)).tocsr()
        _, labels = connected_components(g, directed=True, connection="strong")
        sizes = np.bincount(labels)
        in_cycle = np.zeros(len(e), dtype=bool)
        in_cycle[ok] = (labels[s[ok]] == labels[t[ok]]) & (sizes[labels[s[ok]]] > 1)
        if not in_cycle.any():
            return False
        members = {lab: sorted(node_ids[labels == lab])[:10] for lab in np.unique(labels[s[ok & in_cycle]])}
        self.add_rows(
            e,
            in_cycle,
            None,
            lambda r: (
                f"{r['kind']} edge {r['source']} -> {r['target']} is part of a cycle among "
                f"{', '.join(members[labels[node_ids.get_loc(r['source'])]])}; a chain map must be acyclic"
                + ("" if len(kinds) == 1 else " (input_of and type_of edges together)")
            ),
            "cycle",
        )
        return True

    def share_sum_message(self, r: pd.Series) -> str:
        sc = float(r.get("_scale_share", 1.0) or 1.0)
        year = "" if r["_year"] < 0 else f" in {int(r['_year'])}"
        if sc == 100:
            total, limit = f"{r['_sum']:.4g}%", f"{_fmt(100 * (1 + self.tolerance))}%"
            allowance = f"100% plus {_fmt(100 * self.tolerance)} points for rounding"
        else:
            total, limit = f"{r['_sum'] / sc:.4g}", _fmt(1 + self.tolerance)
            allowance = f"1 plus {_fmt(self.tolerance)} for rounding"
        return (
            f"shares of {r['_level']} for node {r['node']!r}{year} sum to {total}, more than {limit} "
            f"({allowance}); fix the shares"
        )

    def share_sums(self, prov: pd.DataFrame, actor_kind: Mapping[str, str]) -> None:
        known = prov[prov["share"].notna()].copy()
        if known.empty:
            return
        known["_level"] = known["actor"].map(
            lambda a: "countries/regions" if actor_kind.get(a) in GEOGRAPHY_KINDS else "organizations"
        )
        known["_year"] = known["year"].astype("float64").fillna(-1)
        grouped = known.groupby(["node", "_level", "_year"], sort=False)
        sums = grouped["share"].transform("sum")
        first = grouped.cumcount() == 0
        scale = known["_scale_share"].fillna(1.0).astype(float) if "_scale_share" in known else 1.0
        over = first & (sums > 1 + self.tolerance + 1e-9)
        self.add_rows(
            known.assign(_sum=sums * scale),
            over,
            "share",
            self.share_sum_message,
            "share_sum",
        )
        under = first & (sums < 1 - self.tolerance)
        self.add_rows(
            known.assign(_sum=sums),
            under,
            "share",
            lambda r: (
                f"known shares of {r['_level']} for node {r['node']!r} sum to "
                f"{r['_sum']:.4g} of the market; the rest is unknown"
            ),
            "share_sum_below",
            "warning",
        )

    # ------------------------------------------------------------------- main
    def run(self) -> tuple[dict[str, pd.DataFrame], bool]:
        for i, b in enumerate(self.blocks):
            if b.name not in TABLES:
                self.add(
                    i,
                    None,
                    None,
                    f"unknown table {b.name!r}; expected one of {', '.join(TABLES)}",
                    "unknown_table",
                )
        has_nodes = any(b.name == "nodes" for b in self.blocks)
        if not has_nodes and not self.errors:  # else the reader has said why (no double report)
            self.errors.append(
                Problem(
                    "(input)",
                    None,
                    None,
                    "no nodes table: a chain map needs nodes",
                    code="missing_table",
                )
            )
        nodes = self.typed("nodes", self.concat("nodes"))
        edges = self.typed("edges", self.concat("edges"))
        actors = self.typed("actors", self.concat("actors"))
        prov = self.typed("provisions", self.concat("provisions"))

        nodes = self.duplicates(nodes, ["id"], "node id", "duplicate_id")
        actors = self.merge_actor_aliases(actors)
        node_ids = set(nodes["id"])
        actor_ids = set(actors["id"])
        stage_ids = set(nodes.loc[nodes["kind"] == "stage", "id"])

        # nodes: stage reference
        bad_stage = (nodes["stage"] != "") & ~nodes["stage"].isin(stage_ids)
        self.add_rows(
            nodes,
            bad_stage,
            "stage",
            lambda r: f"{r['stage']!r} is not the id of any node of kind 'stage'",
            "unknown_reference",
        )

        # actors: countries and regions
        regions = set(actors.loc[actors["kind"] == "region", "country"]) - {""}
        codes_ok = iso3_codes() | regions
        geo = actors["kind"].isin(GEOGRAPHY_KINDS)
        self.add_rows(
            actors,
            geo & (actors["country"] == ""),
            "country",
            "a country or region needs its own code in 'country' (ISO 3166 alpha-3 for countries)",
            "required_value",
        )
        is_country = actors["kind"] == "country"
        self.add_rows(
            actors,
            is_country & (actors["country"] != "") & ~actors["country"].isin(iso3_codes()),
            "country",
            lambda r: (
                f"{r['country']!r} is not an ISO 3166 alpha-3 country code; "
                "declare aggregates such as Europe as kind 'region'"
            ),
            "unknown_country",
        )
        self.add_rows(
            actors,
            ~geo & (actors["country"] != "") & ~actors["country"].isin(codes_ok),
            "country",
            lambda r: (
                f"{r['country']!r} is neither an ISO 3166 alpha-3 code nor "
                "the code of a region declared in the actors table"
            ),
            "unknown_country",
        )
        self.duplicates(
            actors[geo & (actors["country"] != "")],
            ["country"],
            "country or region code",
            "duplicate_id",
        )
        bad_members = actors["members"].map(lambda ms: [m for m in ms if m not in iso3_codes()])
        self.add_rows(
            actors.assign(_bad=bad_members),
            bad_members.map(bool),
            "members",
            lambda r: f"{', '.join(r['_bad'])}: not ISO 3166 alpha-3 country codes",
            "unknown_country",
        )
        self.add_rows(
            actors,
            (actors["kind"] != "region") & actors["members"].map(bool).astype(bool),
            "members",
            "only regions have members",
            "invalid",
        )
        bad_hs = nodes["hs_codes"].map(lambda cs: [c for c in cs if not _HS_CODE.fullmatch(c)])
        self.add_rows(
            nodes.assign(_bad=bad_hs),
            bad_hs.map(bool),
            "hs_codes",
            lambda r: f"{', '.join(r['_bad'])}: an HS code has 2 to 10 digits (HS2 to national tariff lines)",
            "invalid_hs_code",
        )

        # edges
        self.references(edges, "source", node_ids, "node")
        self.references(edges, "target", node_ids, "node")
        self_loop = (edges["source"] == edges["target"]) & (edges["source"] != "")
        self.add_rows(edges, self_loop, None, lambda r: f"edge from {r['source']!r} to itself", "self_loop")
        edges = self.duplicates(edges, ["kind", "source", "target"], "edge", "duplicate_edge")
        applies = {
            "weight": ("input_of",),
            "switching_days": ("substitute_for",),
            "difficulty": ("substitute_for",),
        }
        for column, kinds in applies.items():
            self.add_rows(
                edges,
                edges[column].notna() & ~edges["kind"].isin(kinds),
                column,
                f"{column} applies to {' and '.join(kinds)} edges only; here it has no effect",
                "unused_value",
                "warning",
            )
        node_index = pd.Index(nodes["id"])
        found = [self.cycles(edges, node_index, (kind,)) for kind in ("input_of", "type_of")]
        if not any(found):  # each kind acyclic, but together they must be too (the dependency graph)
            self.cycles(edges, node_index, ("input_of", "type_of"))

        # provisions
        self.references(prov, "actor", actor_ids, "actor")
        self.references(prov, "node", node_ids, "node")
        prov = self.duplicates(
            prov, ["actor", "node", "year"], "provision (actor/node/year)", "duplicate_provision"
        )
        self.add_rows(
            prov,
            prov["share"].isna() & (prov[["actor", "node"]] != "").all(axis=1),
            "share",
            "share is blank: kept as unknown (not zero)",
            "unknown_share",
            "warning",
        )
        self.share_sums(prov, dict(zip(actors["id"], actors["kind"], strict=True)))
        frames = {"nodes": nodes, "edges": edges, "actors": actors, "provisions": prov}
        return frames, not self.errors


def chain_tables(chain: ChainMap, source: str) -> list[RawTable]:
    """The chain's four tables as raw text blocks named ``source[table]`` (rows numbered from 1)."""
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
    v = _Validator(tables, share_sum_tolerance)
    for p in problems:
        (v.warnings if p.severity == "warning" else v.errors).append(p)
    frames, ok = v.run()
    if not ok:
        raise ChainValidationError(v.errors, v.warnings)
    clean = {k: f[[c.name for c in TABLES[k]]] for k, f in frames.items()}
    chain = ChainMap(meta=dict(meta or {}), **clean)
    return ImportReport(chain=chain, warnings=v.warnings, merged_alias_rows=v.merged_alias_rows)
