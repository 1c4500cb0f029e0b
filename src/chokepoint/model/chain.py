"""The chain map (产业链图谱): four normalized tables and a cached vectorized index."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from chokepoint.model.schema import TABLES, Column

ORGANIZATION_KINDS = ("enterprise", "institution", "pilot_platform")
GEOGRAPHY_KINDS = ("country", "region")


def _normalize_column(series: pd.Series, col: Column) -> pd.Series:
    if col.type == "str":
        if series.isna().all():
            return pd.Series([""] * len(series), index=series.index, dtype="str")
        return series.where(series.notna(), "").astype("str").str.strip()
    if col.type == "float":
        return pd.to_numeric(series, errors="raise").astype("float64")
    if col.type == "int":
        return pd.to_numeric(series, errors="raise").astype("Int64")

    # list: tuple of stripped non-empty strings
    def as_tuple(v: Any) -> tuple[str, ...]:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return ()
        if isinstance(v, str):
            v = v.split(";")
        return tuple(s for s in (str(x).strip() for x in v) if s)

    return series.map(as_tuple).astype(object)


def normalize_frame(table: str, frame: pd.DataFrame | None) -> pd.DataFrame:
    """Return ``frame`` with exactly the exchange-format columns of ``table``, typed.

    Missing optional columns are added empty; text is stripped (``""`` means
    absent) and kept in pandas' Arrow-backed ``str`` dtype (no Python object per cell); floats
    are float64 (NaN absent); integers are nullable ``Int64``; list cells are tuples of strings.
    """
    cols = TABLES[table]
    if frame is None:
        frame = pd.DataFrame({c.name: [] for c in cols})
    out = {}
    n = len(frame)
    for c in cols:
        s = frame[c.name] if c.name in frame.columns else pd.Series([None] * n, dtype=object)
        out[c.name] = _normalize_column(s.reset_index(drop=True), c)
    return pd.DataFrame(out, columns=[c.name for c in cols])


#: Key columns of each table: rows with the same key describe the same thing.
TABLE_KEYS: dict[str, list[str]] = {
    "nodes": ["id"],
    "actors": ["id"],
    "edges": ["kind", "source", "target"],
    "provisions": ["actor", "node", "year"],
}


def cell_as_text(value: Any) -> str:
    """Exchange-format text of a normalized cell: exact floats (``repr``), lists joined by ``;``."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, tuple | list):
        return ";".join(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def frame_as_text(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Return the table as text cells, as a reader would produce them (round-trips exactly)."""
    cols = [c.name for c in TABLES[table]]
    return pd.DataFrame({c: [cell_as_text(v) for v in frame[c]] for c in cols}, columns=cols, dtype=object)


def _canonical(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    keys = TABLE_KEYS[table]
    return frame.sort_values(keys, kind="mergesort", na_position="first").reset_index(drop=True)


@dataclass(eq=False)
class ChainMap:
    """A multi-tier chain map: nodes, edges, actors and provisions.

    Build one with :func:`chokepoint.model.validate.chain_from_tables` (which
    validates) or load one with :func:`chokepoint.datasets.load_semiconductors`.
    The tables are pandas DataFrames with the columns of
    :mod:`chokepoint.model.schema` (text in Arrow-backed ``str`` columns, see
    :func:`normalize_frame`); treat them as read-only. Integer indexes and
    scipy.sparse matrices for vectorized work are built once, on first use,
    in :attr:`index`.

    Examples
    --------
    >>> from chokepoint.datasets import load_semiconductors
    >>> chain = load_semiconductors()
    >>> chain.summary()["nodes"]
    126
    """

    nodes: pd.DataFrame
    edges: pd.DataFrame
    actors: pd.DataFrame
    provisions: pd.DataFrame
    meta: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Normalize the four tables to the columns and types of the exchange format."""
        self.nodes = normalize_frame("nodes", self.nodes)
        self.edges = normalize_frame("edges", self.edges)
        self.actors = normalize_frame("actors", self.actors)
        self.provisions = normalize_frame("provisions", self.provisions)
        self.meta = {str(k): str(v) for k, v in (self.meta or {}).items()}

    # ------------------------------------------------------------------ access
    def tables(self) -> dict[str, pd.DataFrame]:
        """Return the four tables by exchange-format name."""
        return {
            "nodes": self.nodes,
            "edges": self.edges,
            "actors": self.actors,
            "provisions": self.provisions,
        }

    @cached_property
    def index(self) -> ChainIndex:
        """Integer ids and sparse matrices, built once and cached."""
        return ChainIndex.build(self)

    @cached_property
    def region_codes(self) -> frozenset[str]:
        """Codes of the regions among the actors (kind ``region``), computed once."""
        return frozenset(self.actors.loc[self.actors["kind"] == "region", "country"])

    def node(self, node_id: str) -> dict[str, Any]:
        """Return one node's row as a dict (raises ``KeyError`` if unknown)."""
        pos = self.index.node_position(node_id)
        return dict(self.nodes.iloc[pos])

    def actor(self, actor_id: str) -> dict[str, Any]:
        """Return one actor's row as a dict (raises ``KeyError`` if unknown)."""
        pos = self.index.actor_position(actor_id)
        return dict(self.actors.iloc[pos])

    # ------------------------------------------------------------- comparison
    def equals(self, other: ChainMap) -> bool:
        """Tell whether both chain maps hold the same rows and meta (row order does not matter)."""
        if not isinstance(other, ChainMap) or self.meta != other.meta:
            return False
        for name, frame in self.tables().items():
            a = _canonical(name, frame)
            b = _canonical(name, other.tables()[name])
            if not a.equals(b):
                return False
        return True

    def __eq__(self, other: object) -> bool:
        """Compare chain maps by content, as :meth:`equals` (chain maps are not hashable)."""
        return isinstance(other, ChainMap) and self.equals(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        """Show the table sizes: ``ChainMap(129 nodes, 139 edges, 396 actors, 1300 provisions)``."""
        return (
            f"ChainMap({len(self.nodes)} nodes, {len(self.edges)} edges, "
            f"{len(self.actors)} actors, {len(self.provisions)} provisions)"
        )

    # ---------------------------------------------------------------- summary
    def summary(self) -> dict[str, Any]:
        """Summarize the chain map: counts by kind, stages, countries, share coverage and years.

        The result is plain JSON-serializable data; its keys are stable.
        """
        nodes, actors, prov, edges = self.nodes, self.actors, self.provisions, self.edges
        is_stage = nodes["kind"] == "stage"
        stage_nodes = nodes[is_stage]
        kind_of_actor = dict(zip(actors["id"], actors["kind"], strict=True))
        country_of_actor = dict(zip(actors["id"], actors["country"], strict=True))
        prov_on_stage = prov["node"].isin(set(stage_nodes["id"]))
        level = prov["actor"].map(
            lambda a: "country" if kind_of_actor.get(a) in GEOGRAPHY_KINDS else "organization"
        )
        known = prov["share"].notna()
        stages = []
        for sid, sname in zip(stage_nodes["id"], stage_nodes["name"], strict=True):
            stages.append(
                {
                    "id": sid,
                    "name": sname,
                    "nodes": int(((nodes["stage"] == sid) & ~is_stage).sum()),
                }
            )
        org_countries = actors.loc[actors["kind"].isin(ORGANIZATION_KINDS), "country"]
        years = prov["year"].dropna().astype(int)
        nodes_with_prov = prov.loc[~prov_on_stage, "node"].nunique()
        nodes_with_known = prov.loc[~prov_on_stage & known, "node"].nunique()
        return {
            "nodes": int((~is_stage).sum()),
            "stages": int(is_stage.sum()),
            "nodes_by_kind": {
                k: int(v) for k, v in nodes.loc[~is_stage, "kind"].value_counts().sort_index().items()
            },
            "stage_list": stages,
            "edges": len(edges),
            "edges_by_kind": {k: int(v) for k, v in edges["kind"].value_counts().sort_index().items()},
            "actors": len(actors),
            "actors_by_kind": {k: int(v) for k, v in actors["kind"].value_counts().sort_index().items()},
            "countries_or_regions": int(actors["kind"].isin(GEOGRAPHY_KINDS).sum()),
            "organizations": int(actors["kind"].isin(ORGANIZATION_KINDS).sum()),
            "organizations_by_country": {
                k: int(v) for k, v in org_countries[org_countries != ""].value_counts().sort_index().items()
            },
            "provisions": len(prov),
            "provisions_on_nodes": int((~prov_on_stage).sum()),
            "provisions_on_stages": int(prov_on_stage.sum()),
            "provisions_by_level": {k: int(v) for k, v in level.value_counts().sort_index().items()},
            "shares_known": int(known.sum()),
            "shares_unknown": int((~known).sum()),
            "share_coverage": {
                "nodes_with_provisions": int(nodes_with_prov),
                "nodes_with_known_shares": int(nodes_with_known),
                "nodes_without_provisions": int((~is_stage).sum() - nodes_with_prov),
            },
            "years": {str(k): int(v) for k, v in years.value_counts().sort_index().items()},
            "provider_countries": sorted(
                {c for a, c in country_of_actor.items() if c and a in set(prov["actor"])}
            ),
            "meta": dict(self.meta),
        }


@dataclass(frozen=True, eq=False)
class ChainIndex:
    """Integer positions and scipy.sparse matrices of a :class:`ChainMap`.

    Attributes
    ----------
    node_ids, actor_ids : numpy arrays of str
        Position ``i`` is node (actor) ``node_ids[i]``.
    input_of : scipy.sparse.csr_array, shape (n_nodes, n_nodes)
        ``input_of[s, t] = weight`` when node ``s`` goes into node ``t``.
    type_of : csr_array, shape (n_nodes, n_nodes)
        ``type_of[c, p] = 1`` when ``c`` is a kind of ``p``.
    substitute_for : csr_array, shape (n_nodes, n_nodes)
        ``substitute_for[s, t] = 1`` when ``s`` can replace ``t``.
    prov_actor, prov_node : int arrays, one entry per provision
    prov_share : float array, NaN where the share is unknown
    prov_year : float array, NaN where the year is unknown
    actor_country : str array, the country (or region) code of each actor
    actor_is_geo : bool array, True for countries and regions
    """

    node_ids: np.ndarray
    actor_ids: np.ndarray
    _node_lookup: pd.Index
    _actor_lookup: pd.Index
    input_of: sp.csr_array
    type_of: sp.csr_array
    substitute_for: sp.csr_array
    switching_days: sp.csr_array
    prov_actor: np.ndarray
    prov_node: np.ndarray
    prov_share: np.ndarray
    prov_year: np.ndarray
    actor_country: np.ndarray
    actor_is_geo: np.ndarray
    node_is_stage: np.ndarray
    children_all: np.ndarray

    @property
    def n_nodes(self) -> int:
        """Number of nodes (stages included)."""
        return len(self.node_ids)

    @property
    def n_actors(self) -> int:
        """Number of actors (countries, regions and organizations)."""
        return len(self.actor_ids)

    def node_position(self, node_id: str) -> int:
        """Return the position of node ``node_id`` (raises ``KeyError`` if unknown)."""
        pos = self._node_lookup.get_loc(node_id)
        if not isinstance(pos, int | np.integer):
            raise KeyError(node_id)
        return int(pos)

    def actor_position(self, actor_id: str) -> int:
        """Return the position of actor ``actor_id`` (raises ``KeyError`` if unknown)."""
        pos = self._actor_lookup.get_loc(actor_id)
        if not isinstance(pos, int | np.integer):
            raise KeyError(actor_id)
        return int(pos)

    def node_positions(self, ids: Any) -> np.ndarray:
        """Vectorized id -> position; -1 for unknown ids."""
        return self._node_lookup.get_indexer(pd.Index(ids))

    def actor_positions(self, ids: Any) -> np.ndarray:
        """Vectorized actor id -> position; -1 for unknown ids."""
        return self._actor_lookup.get_indexer(pd.Index(ids))

    @classmethod
    def build(cls, chain: ChainMap) -> ChainIndex:
        """Build the positions and sparse matrices of ``chain`` (see :attr:`ChainMap.index`).

        ``switching_days`` stores a substitute's switching time plus one day, so that a zero-day
        switch stays an explicit entry (0 where the time is unknown).
        """
        nodes, edges, actors, prov = chain.nodes, chain.edges, chain.actors, chain.provisions
        node_lookup = pd.Index(nodes["id"].to_numpy(dtype=object))
        actor_lookup = pd.Index(actors["id"].to_numpy(dtype=object))
        node_set = arrow_text(nodes["id"])
        n = len(node_lookup)
        # each edge's kind once (one hash pass), then boolean masks per kind
        kind_codes, kind_names = pd.factorize(edges["kind"])
        kind_pos = {str(k): i for i, k in enumerate(kind_names)}

        def of_kind(kind: str) -> np.ndarray:
            mask: np.ndarray = kind_codes == kind_pos.get(kind, -2)
            return mask

        def matrix(kind: str, values: str | None = None) -> sp.csr_array:
            e = edges[of_kind(kind)]
            s, t = positions(e["source"], node_set), positions(e["target"], node_set)
            if values is None:
                v = np.ones(len(e))
            else:
                v = e[values].to_numpy(dtype=float)
                if values == "weight":
                    v = np.where(np.isnan(v), 1.0, v)
            return sp.csr_array(sp.coo_array((v, (s, t)), shape=(n, n)))

        sw = edges[of_kind("substitute_for")]
        sw_days = sw["switching_days"].to_numpy(dtype=float)
        # store days + 1 so a zero-day switch stays an explicit entry; NaN -> unknown (-1 + 1 = 0 dropped)
        switching = sp.csr_array(
            sp.coo_array(
                (
                    np.where(np.isnan(sw_days), -1.0, sw_days) + 1.0,
                    (positions(sw["source"], node_set), positions(sw["target"], node_set)),
                ),
                shape=(n, n),
            )
        )
        return cls(
            node_ids=node_lookup.to_numpy(dtype=object),
            actor_ids=actor_lookup.to_numpy(dtype=object),
            _node_lookup=node_lookup,
            _actor_lookup=actor_lookup,
            input_of=matrix("input_of", "weight"),
            type_of=matrix("type_of"),
            substitute_for=matrix("substitute_for"),
            switching_days=switching,
            prov_actor=positions(prov["actor"], arrow_text(actors["id"])),
            prov_node=positions(prov["node"], node_set),
            prov_share=prov["share"].to_numpy(dtype=float),
            prov_year=prov["year"].to_numpy(dtype=float, na_value=np.nan),
            actor_country=actors["country"].to_numpy(dtype=object),
            actor_is_geo=actors["kind"].isin(GEOGRAPHY_KINDS).to_numpy(),
            node_is_stage=(nodes["kind"] == "stage").to_numpy(),
            children_all=(nodes["children_rule"] != "any").to_numpy(),
        )


def arrow_text(values: pd.Series) -> pa.Array:
    """A text column as an Arrow ``large_string`` array: the column's own buffers for pandas'
    Arrow-backed ``str`` dtype (how :func:`normalize_frame` stores text), converted otherwise.
    """
    return pa.array(values, type=pa.large_string())


def positions(values: pd.Series, ids: pa.Array) -> np.ndarray:
    """The position of each of ``values`` among the distinct ``ids`` (-1 where absent).

    One hash lookup per value in Arrow (``pyarrow.compute.index_in``) on the strings' bytes
    (``ids`` from :func:`arrow_text`), reading the column's Arrow buffers in place: no Python
    string is made (``pandas.Index.get_indexer`` on Python strings was 1.6x slower at 3 million
    edges, before the text columns were Arrow-backed).
    """
    found = pc.index_in(arrow_text(values), value_set=ids)
    out: np.ndarray = found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return out


def chain_from_frames(
    frames: Mapping[str, pd.DataFrame | None], meta: Mapping[str, str] | None = None
) -> ChainMap:
    """Build a :class:`ChainMap` from already-valid frames (no validation)."""
    return ChainMap(
        nodes=frames.get("nodes"),  # type: ignore[arg-type]
        edges=frames.get("edges"),  # type: ignore[arg-type]
        actors=frames.get("actors"),  # type: ignore[arg-type]
        provisions=frames.get("provisions"),  # type: ignore[arg-type]
        meta=dict(meta or {}),
    )
