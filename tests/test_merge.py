"""Merging into a stored project validates the result as a whole and is atomic."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from chokepoint.cli import app
from chokepoint.errors import ChainValidationError
from chokepoint.model.chain import ChainMap
from chokepoint.store import Store


def chain_with(prov_share: float) -> ChainMap:
    return ChainMap(
        nodes=pd.DataFrame([{"id": "W", "name": "Wafer", "kind": "material"}]),
        edges=None,
        actors=pd.DataFrame(
            [{"id": c, "name": c, "kind": "country", "country": c} for c in ("CHN", "JPN", "USA")]
        ),
        provisions=pd.DataFrame([{"actor": "JPN", "node": "W", "share": prov_share, "year": 2025}]),
    )


def test_merge_that_breaks_share_sums_is_refused_and_changes_nothing(tmp_path):
    store = Store(tmp_path / "s.db")
    store.chains.save("p", chain_with(0.6))
    before = store.chains.load("p")
    extra = ChainMap(
        nodes=None,
        edges=None,
        actors=None,
        provisions=pd.DataFrame([{"actor": "USA", "node": "W", "share": 0.5, "year": 2025}]),
    )
    with pytest.raises(ChainValidationError) as info:
        store.chains.save("p", extra, merge=True)
    assert [p.code for p in info.value.problems] == ["share_sum"]
    assert "1.1" in info.value.problems[0].reason
    assert store.chains.load("p").equals(before)


def test_merge_file_may_refer_to_stored_nodes(tmp_path):
    db = str(tmp_path / "s.db")
    Store(db).chains.save("p", chain_with(0.6))
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "nodes.csv").write_text("id,name,kind\nT,Tool,equipment\n", encoding="utf-8")
    (folder / "edges.csv").write_text("source,target,kind\nT,W,input_of\n", encoding="utf-8")
    (folder / "provisions.csv").write_text("actor,node,share,year\nCHN,W,0.3,2025\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["import", str(folder), "--project", "p", "--merge", "--db", db])
    assert result.exit_code == 0, result.output
    chain = Store(db).chains.load("p")
    assert sorted(chain.nodes["id"]) == ["T", "W"]
    assert len(chain.provisions) == 2
    assert chain.edges.iloc[0]["target"] == "W"


def test_cli_merge_error_names_the_new_file_rows(tmp_path):
    db = str(tmp_path / "s.db")
    Store(db).chains.save("p", chain_with(0.6))
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "nodes.csv").write_text("id,name,kind\nT,Tool,equipment\n", encoding="utf-8")
    (folder / "provisions.csv").write_text("actor,node,share,year\nUSA,X,0.3,2025\n", encoding="utf-8")
    before = Store(db).chains.load("p")
    result = CliRunner().invoke(app, ["import", str(folder), "--project", "p", "--merge", "--db", db])
    assert result.exit_code == 1
    assert "provisions.csv, row 2, column 'node'" in result.stderr
    assert Store(db).chains.load("p").equals(before)


def test_cycle_through_input_of_and_type_of_together_is_an_error():
    from chokepoint.model.tables import RawTable
    from chokepoint.model.validate import chain_from_tables

    nodes = pd.DataFrame({"id": ["a", "b"], "name": ["A", "B"], "kind": ["equipment", "equipment"]})
    edges = pd.DataFrame({"source": ["a", "b"], "target": ["b", "a"], "kind": ["input_of", "type_of"]})
    with pytest.raises(ChainValidationError) as info:
        chain_from_tables([RawTable("nodes", nodes, "nodes.csv"), RawTable("edges", edges, "edges.csv")])
    assert {p.code for p in info.value.problems} == {"cycle"}
    assert "together" in info.value.problems[0].reason
