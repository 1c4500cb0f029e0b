"""The scenario service (chokepoint.service.scenarios) and the API's background jobs (chokepoint.api.jobs).

The sweep and Monte Carlo jobs are compared here with the CLI's JSON (the one-request parity
harness of tests/test_parity.py cannot follow a job): the same request, the same document.
"""

from __future__ import annotations

import json
import threading
import time
import warnings
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from typer.testing import CliRunner

from chokepoint.api.deps import User
from chokepoint.api.jobs import job_result, job_status, start_job
from chokepoint.cli import app as cli_app
from chokepoint.errors import ConflictError, NotFoundError, UsageError
from chokepoint.scenario import ScenarioError
from chokepoint.service import scenarios as svc
from chokepoint.store import Store

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

STORED = {
    "home": ["CHN"],
    "restricted": ["USA", "JPN", "NLD", "KOR", "TWN"],
    "allied": ["RUS"],
    "year": None,
    "country_risk": {"USA": 1.0, "JPN": 0.8, "NLD": 0.9, "KOR": 0.6, "TWN": 0.7},
}
NLD = {"name": "nld", "shocks": [{"type": "blockade", "country": "NLD"}]}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from chokepoint.api import create_app
    from chokepoint.datasets import load_semiconductors

    db = tmp_path_factory.mktemp("scenario-service") / "s.db"
    store = Store(db)
    store.chains.save("semi", load_semiconductors())
    store.projects.set_perspective("semi", STORED)
    store.scenarios.save("semi", "nld", NLD)
    headers = {}
    for role in ("admin", "analyst", "viewer"):
        store.users.add(role, role, f"{role}-pw")
        headers[role] = {"authorization": f"Bearer {store.tokens.create(role, 'bearer', timedelta(days=1))}"}
    return {"db": db, "store": store, "client": TestClient(create_app(store)), "headers": headers}


def cli_json(env: dict[str, Any], *args: str) -> Any:
    result = CliRunner().invoke(cli_app, [*args, "--format", "json", "--db", str(env["db"])])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def finished_job(env: dict[str, Any], path: str, params: dict[str, Any], role: str = "analyst") -> Any:
    """Start a job, poll it to done and return its result."""
    c, h = env["client"], env["headers"][role]
    started = c.post(path, params=params, headers=h)
    assert started.status_code == 202, started.text
    status_url = started.json()["status_url"]
    deadline = time.monotonic() + 120
    while (status := c.get(status_url, headers=h).json())["status"] == "running":
        assert time.monotonic() < deadline, status
        time.sleep(0.05)
    assert status["status"] == "done", status
    assert status["done"] == status["total"]
    assert "result" not in status
    result = c.get(status["result_url"], headers=h)
    assert result.status_code == 200
    return result.json()


# ------------------------------------------------------------------ CLI and API agree on jobs
@pytest.mark.parametrize("by", ["country", "enterprise", "pair"])
def test_sweep_job_result_is_the_cli_json(env: dict[str, Any], by: str) -> None:
    api = finished_job(env, "/api/projects/semi/scenarios/sweep", {"by": by})
    assert api == cli_json(env, "scenario", "sweep", "-p", "semi", "--by", by)
    assert api["by"] == by
    assert api["ranking"]


def test_sweep_job_takes_perspective_overrides(env: dict[str, Any]) -> None:
    api = finished_job(env, "/api/projects/semi/scenarios/sweep", {"home": "USA", "restricted": "CHN"})
    cli = cli_json(env, "scenario", "sweep", "-p", "semi", "--home", "USA", "--restricted", "CHN")
    assert api == cli
    assert "USA" not in {r["country"] for r in api["ranking"]}  # the home economy does not blockade itself


def test_same_seed_same_montecarlo_summary_via_cli_and_api(env: dict[str, Any]) -> None:
    params = {"runs": 50, "seed": 3, "days": 56, "step": 7}
    api = finished_job(env, "/api/projects/semi/scenarios/montecarlo", params)
    args = ["--runs", "50", "--seed", "3", "--days", "56", "--step", "7"]
    cli = cli_json(env, "scenario", "montecarlo", "-p", "semi", *args)
    assert api == cli
    assert api["runs"] == 50
    assert set(api) == {
        "runs",
        "expected_loss",
        "value_at_risk_95",
        "loss_distribution",
        "most_critical",
        "worst_runs",
    }
    again = finished_job(env, "/api/projects/semi/scenarios/montecarlo", params, role="viewer")
    assert again == api
    other = finished_job(env, "/api/projects/semi/scenarios/montecarlo", {**params, "seed": 4})
    assert other["worst_runs"] != api["worst_runs"]


def test_montecarlo_job_bounds(env: dict[str, Any]) -> None:
    c, h = env["client"], env["headers"]["analyst"]
    path = "/api/projects/semi/scenarios/montecarlo"
    assert c.post(path, params={"runs": 0}, headers=h).status_code == 422
    assert c.post(path, params={"runs": 100_001}, headers=h).status_code == 422
    too_big = c.post(path, params={"runs": 100_000, "days": 3650, "step": 1}, headers=h)
    assert too_big.status_code == 422
    assert "run-steps" in too_big.json()["error"]["message"]


# ------------------------------------------------------------------ the job runner
def test_jobs_are_private_and_answer_409_until_done() -> None:
    state = SimpleNamespace()
    gate = threading.Event()
    owner, admin, other = User("ann", "analyst"), User("root", "admin"), User("bob", "viewer")

    def work(progress: Any) -> dict[str, Any]:
        progress(1, 2)
        gate.wait(10)
        progress(2, 2)
        return {"answer": 42}

    job = start_job(state, owner.name, work, "test")
    with pytest.raises(ConflictError, match="running"):
        job_result(state, job, owner)
    with pytest.raises(NotFoundError):
        job_status(state, job, other)
    with pytest.raises(NotFoundError):
        job_status(state, "nope", owner)
    gate.set()
    for _ in range(200):
        if job_status(state, job, owner)["status"] == "done":
            break
        time.sleep(0.01)
    status = job_status(state, job, admin)  # admins see every job
    assert status["status"] == "done"
    assert status["kind"] == "test"
    assert status["done"] == 2
    assert status["result_url"] == f"/api/jobs/{job}/result"
    assert job_result(state, job, owner) == {"answer": 42}


def test_a_failing_job_reports_its_error() -> None:
    state = SimpleNamespace()
    user = User("ann", "analyst")

    def work(progress: Any) -> dict[str, Any]:
        raise UsageError("by must be country")

    job = start_job(state, user.name, work)
    for _ in range(200):
        if job_status(state, job, user)["status"] != "running":
            break
        time.sleep(0.01)
    status = job_status(state, job, user)
    assert status["status"] == "failed"
    assert status["error"] == "by must be country"
    with pytest.raises(ConflictError, match="failed: by must be country"):
        job_result(state, job, user)


def test_unknown_job_is_404_over_http(env: dict[str, Any]) -> None:
    r = env["client"].get("/api/jobs/nope/result", headers=env["headers"]["viewer"])
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


# ------------------------------------------------------------------ the perspective rule
def test_scenario_perspective_fields_apply_between_stored_and_flags(env: dict[str, Any]) -> None:
    store = env["store"]
    sc = svc.scenario_from_body(
        {
            "perspective": {"home": "CHN", "restricted": ["NLD"]},
            "shocks": [{"type": "blockade", "country": "NLD"}],
        }
    )
    p = svc.scenario_perspective(store, "semi", sc)
    assert p.restricted == ("NLD",)  # the scenario's field replaces the stored one
    assert p.allied == ("RUS",)
    assert p.country_risk == STORED["country_risk"]
    p = svc.scenario_perspective(store, "semi", sc, restricted="USA,JPN", year=2021)
    assert p.restricted == ("USA", "JPN")
    assert p.year == 2021
    assert p.allied == ("RUS",)
    plain = svc.scenario_from_body({"shocks": []})
    assert svc.scenario_perspective(store, "semi", plain).restricted == tuple(STORED["restricted"])
    doc = svc.run_document(svc.run(store, "semi", sc, allied="KOR"))
    assert doc["perspective"]["restricted"] == ["NLD"]
    assert doc["perspective"]["allied"] == ["KOR"]


def test_cli_and_api_apply_the_scenario_perspective_alike(env: dict[str, Any], tmp_path: Any) -> None:
    body = {"name": "own", "perspective": {"home": "CHN", "restricted": "NLD"}, "shocks": NLD["shocks"]}
    f = tmp_path / "own.json"
    f.write_text(json.dumps(body), encoding="utf-8")
    cli = cli_json(env, "scenario", "run", str(f), "-p", "semi", "--year", "2022")
    api = env["client"].post(
        "/api/projects/semi/scenarios/run", params={"year": 2022}, json=body, headers=env["headers"]["viewer"]
    )
    assert api.status_code == 200
    assert api.json() == cli
    assert cli["perspective"]["restricted"] == ["NLD"]
    assert cli["perspective"]["allied"] == ["RUS"]


# ------------------------------------------------------------------ over time, saved scenarios
def test_run_over_time_and_its_document(env: dict[str, Any]) -> None:
    sc = svc.load_scenario(env["store"], "semi", "nld")
    r = svc.run_over_time(env["store"], "semi", sc, days=120, step=7, inventory=["N19=60"])
    doc = svc.dynamic_document(r)
    assert doc["days"] == 120
    assert doc["step"] == 7
    assert doc["scenario"]["name"] == "nld"
    assert {n["id"]: n for n in doc["nodes"]}["N19"]["time_to_survive"] >= 56
    with pytest.raises(UsageError, match="NODE=DAYS"):
        svc.run_over_time(env["store"], "semi", sc, days=10, inventory=["N19"])
    with pytest.raises(UsageError, match="at least 1"):
        svc.run_over_time(env["store"], "semi", sc, days=0)


@pytest.mark.parametrize("item", ["N19", "N19=x", "=5", "N19=-1", "N19=inf"])
def test_inventory_pairs_are_checked(item: str) -> None:
    with pytest.raises(UsageError, match="NODE=DAYS"):
        svc.parse_inventory([item])
    assert svc.parse_inventory([" N19 = 60", "N31=7.5"]) == {"N19": 60.0, "N31": 7.5}


def test_save_checks_against_the_chain_list_get_delete(env: dict[str, Any]) -> None:
    store = env["store"]
    bad = svc.scenario_from_body({"shocks": [{"type": "capacity", "node": "N-nope", "loss": 0.5}]}, "bad")
    with pytest.raises(ScenarioError, match="not a node"):
        svc.save_scenario(store, "semi", bad)
    home = svc.scenario_from_body({"shocks": [{"type": "blockade", "country": "CHN"}]}, "home")
    with pytest.raises(ScenarioError, match="home economy"):
        svc.save_scenario(store, "semi", home)
    good = svc.save_scenario(store, "semi", svc.scenario_from_body({"shocks": NLD["shocks"]}, "tmp"))
    assert {"name": "tmp", "shocks": 1, "label": "NLD blockade"} in svc.list_scenarios(store, "semi")
    assert svc.get_scenario(store, "semi", "tmp") == good.model_dump(mode="json")
    assert svc.delete_scenario(store, "semi", "tmp") == {"deleted": "tmp"}
    with pytest.raises(NotFoundError):
        svc.get_scenario(store, "semi", "tmp")
    r = env["client"].put(
        "/api/projects/semi/scenarios/bad",
        json={"shocks": [{"type": "capacity", "node": "N-nope", "loss": 0.5}]},
        headers=env["headers"]["analyst"],
    )
    assert r.status_code >= 400
    assert r.json()["error"]["code"] == "scenario_error"


def test_a_saved_scenario_keeps_naming_only_its_perspective_fields(env: dict[str, Any]) -> None:
    store, c, h = env["store"], env["client"], env["headers"]["analyst"]
    body = {"perspective": {"home": "CHN", "restricted": ["NLD"]}, "shocks": NLD["shocks"]}
    assert c.put("/api/projects/semi/scenarios/own-nld", json=body, headers=h).status_code == 200
    stored = svc.get_scenario(store, "semi", "own-nld")
    assert stored["perspective"] == {"home": "CHN", "restricted": ["NLD"]}
    p = svc.scenario_perspective(store, "semi", svc.load_scenario(store, "semi", "own-nld"))
    assert p.restricted == ("NLD",)
    assert p.allied == ("RUS",)
    svc.delete_scenario(store, "semi", "own-nld")


def test_fixed_paths_are_not_captured_by_a_saved_name(env: dict[str, Any]) -> None:
    c, h = env["client"], env["headers"]["analyst"]
    for name in ("run", "sweep", "dynamics", "montecarlo"):
        assert c.put(f"/api/projects/semi/scenarios/{name}", json=NLD, headers=h).status_code == 200
        assert c.get(f"/api/projects/semi/scenarios/{name}", headers=h).json()["name"] == name
    assert c.post("/api/projects/semi/scenarios/run", json=NLD, headers=h).json()["version"] == 2
    assert c.post("/api/projects/semi/scenarios/sweep", headers=h).status_code == 202
    for name in ("run", "sweep", "dynamics", "montecarlo"):
        assert c.delete(f"/api/projects/semi/scenarios/{name}", headers=h).json() == {"deleted": name}


def test_sweep_by_is_checked() -> None:
    with pytest.raises(UsageError, match="country"):
        svc.sweep(None, "semi", None, "region")  # type: ignore[arg-type]


def test_pair_sweep_document_ranks_pairs_with_their_excess(env: dict[str, Any]) -> None:
    doc = cli_json(env, "scenario", "sweep", "-p", "semi", "--by", "pair")
    c = len(doc["countries"])
    assert len(doc["ranking"]) == c * (c - 1) // 2
    first = doc["ranking"][0]
    assert set(first) >= {"rank", "pair", "name", "final_value_stopped", "best_alone", "joint_excess"}
    assert "loss" not in doc  # summaries only
    a, b = first["pair"].split("+")
    assert a in doc["countries"]
    assert b in doc["countries"]
