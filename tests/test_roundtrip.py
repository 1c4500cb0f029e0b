"""Lossless round trips: CSV folder -> model -> xlsx -> model -> JSON -> model, and the store.

The hypothesis strategy :func:`chains` builds valid random chain maps with every column
type: Chinese and other unicode text, floats (tiny, huge, NaN), nullable Int64 years,
list cells, acyclic ``input_of`` and ``type_of`` edges, countries with real ISO3 codes,
regions, firms located in either, and shares that keep per-node per-level sums <= 1.
"""

from __future__ import annotations

import math
import re
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chokepoint.datasets import load_semiconductors
from chokepoint.io.chains import read_chain
from chokepoint.io.writers import chain_to_dict, write_chain, write_csv_folder, write_json, write_xlsx
from chokepoint.model.chain import GEOGRAPHY_KINDS, ChainMap
from chokepoint.model.checks import SAFE_ID
from chokepoint.model.countries import iso3_codes
from chokepoint.model.schema import ACTOR_KINDS, LIST_SEPARATOR, NODE_KINDS, TABLES
from chokepoint.store import Store

NAN = float("nan")

# ----------------------------------------------------------------- strategies
# no control characters (Cc), no surrogates (Cs), no unassigned code points (Cn: U+FFFE...)
_chars = st.characters(blacklist_categories=("Cc", "Cs", "Cn"))
_chinese = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)


def _stripped(alphabet: Any, min_size: int = 1, max_size: int = 12) -> st.SearchStrategy[str]:
    return st.text(alphabet, min_size=min_size, max_size=max_size).map(str.strip).filter(bool)


text = st.one_of(_stripped(_chars), _stripped(_chinese), st.sampled_from(["EUV光刻机", "A, B", '"q"']))
optional_text = st.one_of(st.just(""), text)
# ids as the exchange format allows them (SAFE_ID: no markup characters; see test_security.py
# for the ids it refuses)
ident = st.one_of(
    _stripped(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=6),
    _stripped(_chinese, max_size=4),
    _stripped(_chars, max_size=6),
).filter(lambda s: re.fullmatch(SAFE_ID, s) is not None)
list_item = text.map(lambda s: s.replace(LIST_SEPARATOR, " ").strip()).filter(bool)
list_cell = st.lists(list_item, max_size=3).map(tuple)
hs_codes = st.lists(st.text("0123456789", min_size=2, max_size=10), max_size=3).map(tuple)


def maybe(strategy: st.SearchStrategy[Any], missing: Any = NAN) -> st.SearchStrategy[Any]:
    return st.one_of(st.just(missing), strategy)


def unit() -> st.SearchStrategy[float]:
    return maybe(st.floats(0, 1))


def positive(max_value: float | None = None) -> st.SearchStrategy[float]:
    return maybe(st.floats(0, max_value, allow_infinity=False, allow_nan=False))


def year() -> st.SearchStrategy[Any]:
    return maybe(st.integers(1800, 2200), None)


ISO3 = sorted(iso3_codes())
REGION_CODES = ["EUR", "VAR", "ASEAN", "亚太"]


@st.composite
def chains(draw: st.DrawFn) -> ChainMap:
    # nodes ------------------------------------------------------------------
    node_ids = draw(st.lists(ident, min_size=1, max_size=8, unique=True))
    kinds = [draw(st.sampled_from(NODE_KINDS)) for _ in node_ids]
    stage_ids = [i for i, k in zip(node_ids, kinds, strict=True) if k == "stage"]
    nodes = []
    for nid, kind in zip(node_ids, kinds, strict=True):
        nodes.append(
            {
                "id": nid,
                "name": draw(text),
                "name_zh": draw(st.one_of(st.just(""), _stripped(_chinese, max_size=6))),
                "kind": kind,
                "stage": draw(st.sampled_from(["", *stage_ids])) if kind != "stage" else "",
                "description": draw(optional_text),
                "market_size": draw(positive()),
                "market_size_year": draw(year()),
                "threshold": draw(maybe(st.integers(1, 5), None)),
                "gap": draw(unit()),
                "gap_years": draw(positive(1e4)),
                "substitutability": draw(unit()),
                "children_rule": draw(st.sampled_from(["", "all", "any"])),
                "hs_codes": draw(hs_codes),
                "tags": draw(list_cell),
                "source": draw(optional_text),
            }
        )

    # edges: input_of and type_of only go forward in the list, so they are acyclic
    n = len(node_ids)
    pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1])
    raw_edges = draw(
        st.lists(st.tuples(st.sampled_from(["input_of", "type_of", "substitute_for"]), pairs), max_size=10)
    )
    edges, seen = [], set()
    for kind, (a, b) in raw_edges:
        if kind != "substitute_for":
            a, b = min(a, b), max(a, b)
        key = (kind, node_ids[a], node_ids[b])
        if key in seen:
            continue
        seen.add(key)
        edges.append(
            {
                "source": node_ids[a],
                "target": node_ids[b],
                "kind": kind,
                "weight": draw(unit()),
                "switching_days": draw(positive(1e5)),
                "difficulty": draw(unit()),
                "note": draw(optional_text),
            }
        )

    # actors -----------------------------------------------------------------
    countries = draw(st.lists(st.sampled_from(ISO3), max_size=4, unique=True))
    regions = draw(st.lists(st.sampled_from(REGION_CODES), max_size=2, unique=True))
    n_orgs = draw(st.integers(0, 5))
    actor_ids = draw(
        st.lists(
            ident,
            min_size=len(countries) + len(regions) + n_orgs,
            max_size=len(countries) + len(regions) + n_orgs,
            unique=True,
        )
    )
    codes = [*countries, *regions]
    actors = []
    for i, aid in enumerate(actor_ids):
        if i < len(countries):
            kind, country, members = "country", countries[i], ()
        elif i < len(codes):
            kind, country = "region", codes[i]
            members = tuple(draw(st.lists(st.sampled_from(ISO3), max_size=3, unique=True)))
        else:
            kind = draw(st.sampled_from([k for k in ACTOR_KINDS if k not in GEOGRAPHY_KINDS]))
            country, members = draw(st.sampled_from(["", *codes, "USA", "CHN"])), ()
        actors.append(
            {
                "id": aid,
                "name": draw(text),
                "name_zh": draw(st.one_of(st.just(""), _stripped(_chinese))),
                "kind": kind,
                "country": country,
                "aliases": draw(list_cell),
                "members": members,
                "description": draw(optional_text),
            }
        )

    # provisions: shares of one node and one provider level sum to at most 1
    provisions: list[dict[str, Any]] = []
    if actors:
        keys = draw(
            st.lists(
                st.tuples(st.integers(0, len(actors) - 1), st.integers(0, n - 1), year()),
                max_size=12,
                unique=True,
            )
        )
        totals: dict[tuple[str, bool], float] = {}
        for ai, ni, y in keys:
            actor, node = actors[ai], node_ids[ni]
            level = (node, actor["kind"] in GEOGRAPHY_KINDS)
            share = draw(unit())
            if not math.isnan(share):
                if totals.get(level, 0.0) + share > 1.0:
                    share = NAN
                else:
                    totals[level] = totals.get(level, 0.0) + share
            provisions.append(
                {
                    "actor": actor["id"],
                    "node": node,
                    "share": share,
                    "capacity": draw(positive()),
                    "year": y,
                    "source": draw(optional_text),
                }
            )

    meta_keys = draw(
        st.lists(st.sampled_from(["title", "source", "license", "说明", "x y"]), unique=True, max_size=3)
    )
    meta = {k: draw(optional_text) for k in meta_keys}
    frames = {
        "nodes": pd.DataFrame(nodes, columns=[c.name for c in TABLES["nodes"]]),
        "edges": pd.DataFrame(edges, columns=[c.name for c in TABLES["edges"]]),
        "actors": pd.DataFrame(actors, columns=[c.name for c in TABLES["actors"]]),
        "provisions": pd.DataFrame(provisions, columns=[c.name for c in TABLES["provisions"]]),
    }
    return ChainMap(meta=meta, **frames)


RANDOM = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def assert_lossless(chain: ChainMap, folder: Path) -> ChainMap:
    """CSV folder -> model -> xlsx -> model -> JSON -> model, each step lossless."""
    from_csv = read_chain(write_csv_folder(chain, folder / "csv")).chain
    assert from_csv.equals(chain)
    from_xlsx = read_chain(write_xlsx(from_csv, folder / "chain.xlsx")).chain
    assert from_xlsx.equals(chain)
    from_json = read_chain(write_json(from_xlsx, folder / "chain.json")).chain
    assert from_json.equals(chain)
    return from_json


# ------------------------------------------------------------------- tests
@RANDOM
@given(chain=chains())
def test_random_chains_round_trip_through_every_format(chain):
    with tempfile.TemporaryDirectory() as tmp:
        back = assert_lossless(chain, Path(tmp))
        # and the types survive, not only the values
        for name, frame in back.tables().items():
            assert list(frame.dtypes.astype(str)) == list(chain.tables()[name].dtypes.astype(str))


@RANDOM
@given(chain=chains())
def test_random_chains_round_trip_through_the_store(chain):
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "s.db")
        try:
            store.chains.save("p", chain)
            assert store.chains.load("p").equals(chain)
        finally:
            store.close()


def test_eto_chain_round_trips_through_every_format(tmp_path):
    chain = load_semiconductors()
    back = assert_lossless(chain, tmp_path)
    assert back.summary() == chain.summary()


def test_eto_chain_round_trips_through_the_store(tmp_path):
    chain = load_semiconductors()
    store = Store(tmp_path / "s.db")
    store.chains.save("semiconductors", chain)
    back = store.chains.load("semiconductors")
    assert back.equals(chain)
    # row order is kept too
    for name, frame in chain.tables().items():
        assert back.tables()[name].equals(frame), name
    store.close()
    assert Store(tmp_path / "s.db").chains.load("semiconductors").equals(chain)


def test_write_chain_by_extension(tmp_path):
    chain = load_semiconductors()
    assert write_chain(chain, tmp_path / "out").is_dir()
    assert (tmp_path / "out" / "nodes.csv").exists()
    assert (tmp_path / "out" / "meta.csv").exists()
    assert write_chain(chain, tmp_path / "c.xlsx").suffix == ".xlsx"
    assert write_chain(chain, tmp_path / "c.json").suffix == ".json"
    from chokepoint.errors import UsageError

    with pytest.raises(UsageError):
        write_chain(chain, tmp_path / "c.parquet")


def test_json_document_shape():
    chain = load_semiconductors()
    doc = chain_to_dict(chain)
    assert doc["format"] == "chokepoint-chain"
    assert doc["version"] == 1
    assert doc["meta"]["attribution"].startswith("Data: Emerging Technology Observatory")
    n20 = next(r for r in doc["provisions"] if r["actor"] == "P88" and r["node"] == "N20")
    assert n20["share"] == 1.0
    assert n20["year"] == 2025
    unknown = [r for r in doc["provisions"] if "share" not in r]
    assert len(unknown) == 246  # blank cells are left out, never written as 0


def test_equals_detects_differences():
    chain = load_semiconductors()
    same = ChainMap(meta=dict(chain.meta), **{k: v.iloc[::-1] for k, v in chain.tables().items()})
    assert same.equals(chain)  # order does not matter
    prov = chain.provisions.copy()
    prov.loc[0, "share"] = 0.5 if prov.loc[0, "share"] != 0.5 else 0.25
    assert not ChainMap(
        meta=dict(chain.meta), nodes=chain.nodes, edges=chain.edges, actors=chain.actors, provisions=prov
    ).equals(chain)
    nan_share = chain.provisions.copy()
    known = nan_share["share"].notna().idxmax()
    nan_share.loc[known, "share"] = NAN
    assert not ChainMap(
        meta=dict(chain.meta), nodes=chain.nodes, edges=chain.edges, actors=chain.actors, provisions=nan_share
    ).equals(chain)
    assert not ChainMap(meta={}, **chain.tables()).equals(chain)


def test_empty_tables_round_trip(tmp_path):
    chain = ChainMap(
        nodes=pd.DataFrame({"id": ["A"], "name": ["Wafer"], "kind": ["material"]}),
        edges=None,
        actors=None,
        provisions=None,  # type: ignore[arg-type]
    )
    assert assert_lossless(chain, tmp_path).equals(chain)
