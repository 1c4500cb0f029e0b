"""The CLI and the API give the same JSON for the same request (they share the service layer).

One parametrized test over the cases of ``tests/parity/``: each case's command runs
with ``--format json`` and its API request is made as the admin, both against one
store holding the demo chain with a stored perspective (China, five restricted
economies, an allied one, a year and country risks, so that a field the
request does not give must come from the stored default), a saved scenario,
profiles, a challenge, reported data, rules, a monitor run, and trade and
input-output datasets.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import warnings
from datetime import timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

import parity
from chokepoint.cli import app as cli_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

CASES: list[parity.Case] = [
    case
    for info in sorted(pkgutil.iter_modules(parity.__path__), key=lambda m: m.name)
    for case in importlib.import_module(f"parity.{info.name}").CASES
]
STORED_PERSPECTIVE = {
    "home": ["CHN"],
    "restricted": ["USA", "JPN", "NLD", "KOR", "TWN"],
    "allied": ["RUS"],
    "year": None,
    "country_risk": {"USA": 1.0, "JPN": 0.8, "NLD": 0.9, "KOR": 0.6, "TWN": 0.7},
}


def _setup_steps() -> list[tuple[str, Any]]:
    steps: list[tuple[str, Any]] = []
    for info in sorted(pkgutil.iter_modules(parity.__path__), key=lambda m: m.name):
        setup = getattr(importlib.import_module(f"parity.{info.name}"), "setup", None)
        if setup is not None:
            steps.append((info.name, setup))
    return steps


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The shared store, a CLI runner over it and an API client with an admin token."""
    from chokepoint.api import create_app
    from chokepoint.datasets import load_semiconductors
    from chokepoint.store import Store

    folder = tmp_path_factory.mktemp("parity")
    db = folder / "parity.db"
    store = Store(db)
    store.chains.save("semi", load_semiconductors())
    store.projects.set_perspective("semi", STORED_PERSPECTIVE)
    store.users.add("admin", "admin", "admin-pw")
    token = store.tokens.create("admin", "bearer", timedelta(days=1))
    env = {"db": db, "folder": folder, "store": store}
    for _, setup in _setup_steps():
        setup(env)
    env["client"] = TestClient(create_app(store))
    env["headers"] = {"authorization": f"Bearer {token}"}
    env["runner"] = CliRunner()
    return env


def run_cli(env: dict[str, Any], args: list[str], format_flag: bool = True, db_flag: bool = True) -> Any:
    """The command's JSON output (standard output only)."""
    extra = ["--format", "json"] if format_flag else []
    extra += ["--db", str(env["db"])] if db_flag else []
    result = env["runner"].invoke(cli_app, [*args, *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_cli_and_api_agree(env: dict[str, Any], case: parity.Case) -> None:
    cli = run_cli(env, case.cli, case.format_flag, case.db_flag)
    r = env["client"].request(
        case.method, case.path, params=case.params, json=case.json, headers=env["headers"]
    )
    assert r.status_code < 400, r.text[:500]
    api = r.json()
    if case.api_key is not None:
        api = api[case.api_key]
    norm = case.normalize or (lambda x: x)
    assert norm(cli) == norm(api)


def test_the_perspective_rule_is_the_stored_default_with_overrides(env: dict[str, Any]) -> None:
    """Regression (issue 16): an override of one field keeps the others from the stored default."""
    doc = (
        env["client"]
        .get("/api/projects/semi/assessment", params={"restricted": "USA,NLD"}, headers=env["headers"])
        .json()
    )
    p = doc["perspective"]
    assert p["restricted"] == ["USA", "NLD"]
    assert p["allied"] == ["RUS"]
    assert p["country_risk"] == STORED_PERSPECTIVE["country_risk"]
    doc = (
        env["client"]
        .get("/api/projects/semi/assessment", params={"home": "CHN", "year": 2021}, headers=env["headers"])
        .json()
    )
    assert doc["perspective"]["restricted"] == STORED_PERSPECTIVE["restricted"]
    assert doc["perspective"]["year"] == 2021


def test_every_case_module_is_collected() -> None:
    names = {m.name for m in pkgutil.iter_modules(parity.__path__)}
    assert "core" in names
    assert len(CASES) >= len(names)
    assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"
