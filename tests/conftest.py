"""Shared fixtures of the foundation test suite.

Every test runs with ``CHOKEPOINT_DB`` pointing into its own ``tmp_path`` so that no
test can ever touch the user's real store.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from chokepoint.datasets import eto_folder
from chokepoint.errors import ChainValidationError, Problem
from chokepoint.model.tables import RawTable
from chokepoint.model.validate import ImportReport, chain_from_tables

Rows = list[dict[str, Any]]

#: ``--store-backend postgresql`` runs every store of the suite on PostgreSQL (tests/backend.py).
pytest_plugins = ["backend"]


@pytest.fixture(autouse=True)
def _isolated_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never use the user's data directory: the default store lives in a temp folder."""
    db = tmp_path_factory.mktemp("env-store") / "env.db"
    monkeypatch.setenv("CHOKEPOINT_DB", str(db))
    return db


def raw_table(
    name: str, rows: Iterable[Mapping[str, Any]], source: str | None = None, columns: list[str] | None = None
) -> RawTable:
    """A RawTable of text cells, as a CSV reader would produce (header = row 1)."""
    rows = list(rows)
    if columns is None:
        columns = []
        for r in rows:
            columns += [k for k in r if k not in columns]
    frame = pd.DataFrame(
        [["" if r.get(c) is None else str(r.get(c)) for c in columns] for r in rows],
        columns=columns,
        dtype=object,
    )
    return RawTable(name, frame, source or f"{name}.csv")


def base_tables() -> dict[str, Rows]:
    """A small valid chain: one stage, three nodes, countries, a region, firms, provisions.

    Country and firm shares of node ``A`` each sum to 1.0 (2.0 together), which is valid:
    provider levels are counted separately.
    """
    return {
        "nodes": [
            {"id": "S1", "name": "Fabrication", "kind": "stage"},
            {
                "id": "A",
                "name": "Silicon wafer",
                "name_zh": "硅片",
                "kind": "material",
                "stage": "S1",
                "threshold": "3",
                "gap": "0.5",
                "hs_codes": "381800; 281820",
            },
            {"id": "B", "name": "Logic die", "kind": "component", "stage": "S1"},
            {"id": "C", "name": "Processor", "kind": "product", "children_rule": "all"},
        ],
        "edges": [
            {"source": "A", "target": "B", "kind": "input_of", "weight": "1"},
            {"source": "B", "target": "C", "kind": "input_of", "weight": "0.5"},
        ],
        "actors": [
            {"id": "CHN", "name": "China", "kind": "country", "country": "CHN"},
            {"id": "USA", "name": "United States", "kind": "country", "country": "USA"},
            {"id": "EUR", "name": "Europe", "kind": "region", "country": "EUR", "members": "DEU;FRA"},
            {"id": "F1", "name": "Wafer Co", "kind": "enterprise", "country": "CHN", "aliases": "WC"},
            {"id": "F2", "name": "Euro Wafer", "kind": "enterprise", "country": "EUR"},
        ],
        "provisions": [
            {"actor": "CHN", "node": "A", "share": "0.6", "year": "2024"},
            {"actor": "USA", "node": "A", "share": "0.4", "year": "2024"},
            {"actor": "F1", "node": "A", "share": "0.7", "year": "2024"},
            {"actor": "F2", "node": "A", "share": "0.3", "year": "2024"},
        ],
    }


def to_blocks(tables: Mapping[str, Rows], columns: Mapping[str, list[str]] | None = None) -> list[RawTable]:
    columns = columns or {}
    return [raw_table(name, rows, columns=columns.get(name)) for name, rows in tables.items()]


def validate(tables: Mapping[str, Rows], **kwargs: Any) -> ImportReport:
    return chain_from_tables(to_blocks(tables), **kwargs)


def validation_problems(tables: Mapping[str, Rows], **kwargs: Any) -> list[Problem]:
    """Every problem (errors, then warnings); fails the test if validation passes."""
    with pytest.raises(ChainValidationError) as info:
        chain_from_tables(to_blocks(tables), **kwargs)
    return [*info.value.problems, *info.value.warnings]


@pytest.fixture
def tables() -> dict[str, Rows]:
    return base_tables()


@pytest.fixture
def eto_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled ETO folder."""
    dst = tmp_path / "eto"
    shutil.copytree(eto_folder(), dst)
    return dst


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "store.db")


@pytest.fixture
def cli(runner: CliRunner, db: str) -> Callable[..., Any]:
    """Invoke the CLI against the test's own store (``--db`` appended where accepted)."""
    from chokepoint.cli import app

    def invoke(*args: str, use_db: bool = True, input: str | None = None) -> Any:
        argv = [*args, "--db", db] if use_db else list(args)
        return runner.invoke(app, argv, input=input)

    return invoke
