"""Malformed imports (issue 23): whatever a file holds, an import ends in a clean error or lands
whole, and a failed one changes nothing.

Hypothesis mutates a small valid chain (JSON documents with values of any JSON type in any field,
keys removed or added, tables of the wrong type; CSV folders with any text in any cell, quotes,
control characters and broken rows; raw bytes). Each case imports over a project that already
holds a chain. The property: the import raises only chokepoint's own errors (never a traceback),
every problem names its file, and after a failure the project's chain is what it was.

The default run tries a short sample of each kind; the long run (``pytest -m stress
tests/test_import_fuzz.py``, documented in docs/reliability.md) tries 1,000 of each.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chokepoint.errors import ChokepointError
from chokepoint.model.chain import ChainMap
from chokepoint.service.projects import import_chain
from chokepoint.store import Store

BASE = {
    "format": "chokepoint-chain",
    "version": 1,
    "meta": {"title": "fuzz"},
    "nodes": [
        {"id": "F", "name": "Final", "kind": "product", "market_size": 100},
        {"id": "C", "name": "Component", "kind": "component"},
        {"id": "M", "name": "Material", "kind": "material", "threshold": 3, "gap": 0.5},
    ],
    "edges": [
        {"source": "C", "target": "F", "kind": "input_of"},
        {"source": "M", "target": "C", "kind": "input_of"},
    ],
    "actors": [
        {"id": "JPN", "name": "Japan", "kind": "country", "country": "JPN"},
        {"id": "E1", "name": "Maker", "kind": "enterprise", "country": "JPN"},
    ],
    "provisions": [
        {"actor": "JPN", "node": "M", "share": 0.6, "year": 2025},
        {"actor": "E1", "node": "M", "share": 0.6},
    ],
}
TABLE_NAMES = ("nodes", "edges", "actors", "provisions")

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def mutated_documents(draw: st.DrawFn) -> str:
    doc = json.loads(json.dumps(BASE))
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.sampled_from(["field", "drop", "add", "table", "top"]))
        table = draw(st.sampled_from(TABLE_NAMES))
        rows = doc.get(table)
        if where == "table":
            doc[table] = draw(json_values)
        elif where == "top":
            doc[draw(st.sampled_from(["format", "version", "meta", "extra"]))] = draw(json_values)
        elif isinstance(rows, list) and rows and isinstance(rows[0], dict):
            row = rows[draw(st.integers(0, len(rows) - 1))]
            if not isinstance(row, dict):
                continue
            key = draw(st.sampled_from(sorted(row) or ["id"]))
            if where == "field":
                row[key] = draw(json_values)
            elif where == "drop":
                row.pop(key, None)
            else:
                row[draw(st.text(min_size=1, max_size=8))] = draw(json_values)
    return json.dumps(doc, allow_nan=True)


cells = st.text(alphabet=st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ['"', '""', "a,b", "\n", "\r\n", "1e400", "-0", "NaN", "   ", "\x00", "N1;N2", "0.5", "2025.5"]
)


@st.composite
def mutated_folders(draw: st.DrawFn) -> dict[str, str]:
    frames = {name: pd.DataFrame(BASE[name]).astype(object) for name in TABLE_NAMES}
    for _ in range(draw(st.integers(1, 5))):
        name = draw(st.sampled_from(TABLE_NAMES))
        f = frames[name]
        i, j = draw(st.integers(0, len(f) - 1)), draw(st.integers(0, len(f.columns) - 1))
        f.iat[i, j] = draw(cells)
    texts = {name: f.to_csv(index=False) for name, f in frames.items()}
    if draw(st.booleans()):  # a broken line: a stray quote, a short or long row, garbage
        name = draw(st.sampled_from(TABLE_NAMES))
        texts[name] += draw(st.sampled_from(['"unterminated\n', "only-one\n", "a,b,c,d,e,f,g,h,i,j,k,l,m\n"]))
    return texts


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Store:
    s = Store(tmp_path_factory.mktemp("fuzz") / "fuzz.db")
    s.chains.save("p", _base_chain(tmp_path_factory.mktemp("base")))
    return s


def _base_chain(folder: Path) -> ChainMap:
    path = folder / "base.json"
    path.write_text(json.dumps(BASE), encoding="utf-8")
    from chokepoint.io.chains import read_chain

    return read_chain(path).chain


def check_import(store: Store, path: Path) -> None:
    before = store.chains.load("p")
    try:
        import_chain(store, "p", path)
    except ChokepointError as exc:
        for problem in getattr(exc, "problems", []):
            assert problem.source, problem  # every problem names where it is
        assert store.chains.load("p").equals(before), "a failed import changed the project"
        return
    store.chains.save("p", before)  # it landed whole: put the base back for the next case


FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
STRESS = settings(
    max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _json_case(store: Store, tmp_path: Path, text: str) -> None:
    path = tmp_path / "doc.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    check_import(store, path)


def _csv_case(store: Store, tmp_path: Path, texts: dict[str, str]) -> None:
    folder = tmp_path / "folder"
    folder.mkdir(exist_ok=True)
    for name, text in texts.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8", errors="surrogatepass")
    check_import(store, folder)


def _bytes_case(store: Store, tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"raw{suffix}"
    path.write_bytes(data)
    check_import(store, path)


@FUZZ
@given(text=mutated_documents())
def test_json_documents(store, tmp_path, text):
    _json_case(store, tmp_path, text)


@FUZZ
@given(texts=mutated_folders())
def test_csv_folders(store, tmp_path, texts):
    _csv_case(store, tmp_path, texts)


@FUZZ
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".json", ".xlsx"]))
def test_raw_bytes(store, tmp_path, data, suffix):
    _bytes_case(store, tmp_path, data, suffix)


@pytest.mark.stress
@STRESS
@given(text=mutated_documents())
def test_json_documents_long(store, tmp_path, text):
    _json_case(store, tmp_path, text)


@pytest.mark.stress
@STRESS
@given(texts=mutated_folders())
def test_csv_folders_long(store, tmp_path, texts):
    _csv_case(store, tmp_path, texts)


@pytest.mark.stress
@STRESS
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".json", ".xlsx"]))
def test_raw_bytes_long(store, tmp_path, data, suffix):
    _bytes_case(store, tmp_path, data, suffix)
