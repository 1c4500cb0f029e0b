"""Crash safety (issue 23): a process killed (SIGKILL) in the middle of an import or a monitor run
leaves the store as before that operation, or with the operation whole; the store opens cleanly
afterwards. Each case kills a real ``chokepoint`` subprocess at seeded random moments. The API
server is killed too, under load from eight writers: every write it acknowledged is stored once,
and it restarts cleanly (``CHOKEPOINT_SERVER_KILLS`` rounds; 20 under the ``stress`` marker)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from backend import store_location
from chokepoint.datasets import load_semiconductors
from chokepoint.io.writers import chain_to_dict
from chokepoint.store import Store

KILLS = 5


def chokepoint(*args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "chokepoint.cli", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )


def kill_after(proc: subprocess.Popen[bytes], seconds: float) -> bool:
    """SIGKILL ``proc`` after ``seconds`` unless it ended first; True when it was killed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return True


@pytest.fixture
def store_path(tmp_path):
    path = tmp_path / "crash.db"
    s = Store(path)
    s.chains.save("semi", load_semiconductors())
    s.projects.set_perspective("semi", {"home": ["CHN"], "restricted": ["USA", "NLD"]})
    s.users.add("naura", "reporter", "naura-password")
    s.users.bind("naura", "semi", "P115")
    s.rules.put(
        "semi", [{"id": "low", "type": "threshold", "indicator": "inventory_days", "levels": {"I": 7}}], "cli"
    )
    s.close()
    return path


def test_a_killed_import_leaves_the_old_chain_or_the_new_one_whole(store_path, tmp_path):
    old = load_semiconductors()
    doc = chain_to_dict(old)
    for node in doc["nodes"]:
        node["name"] = f"{node['name']} (new)"
    new_file = tmp_path / "new.json"
    new_file.write_text(json.dumps(doc), encoding="utf-8")
    rng = random.Random(23)
    killed = 0
    for _ in range(KILLS):
        proc = chokepoint("import", str(new_file), "-p", "semi", "--db", store_location(store_path))
        killed += kill_after(proc, rng.uniform(0.3, 4.0))
        s = Store(store_path)  # opens cleanly after the kill
        names = s.chains.load("semi").nodes["name"]
        fresh = names.str.endswith(" (new)")
        assert fresh.all() or not fresh.any(), "a half-imported chain"
        assert len(names) == len(old.nodes)
        if fresh.all():  # landed whole: put the old chain back for the next round
            s.chains.save("semi", old)
        s.close()
    assert killed >= 1  # at least one kill hit the import while it ran
    done = chokepoint("import", str(new_file), "-p", "semi", "--db", store_location(store_path))
    assert done.wait(120) == 0  # the same command, not killed, lands whole
    assert Store(store_path).chains.load("semi").nodes["name"].str.endswith(" (new)").all()


def test_a_killed_monitor_run_leaves_no_alert_without_its_snapshot(store_path):
    from chokepoint.service.monitoring import submit_observations

    s = Store(store_path)
    row = {
        "indicator": "inventory_days",
        "node": "N44",
        "enterprise": "P115",
        "period": "2026-01",
        "value": 5,
    }
    submit_observations(s, "semi", pd.DataFrame([row]), "naura", as_of="2026-01")
    s.close()
    rng = random.Random(7)
    killed = 0
    for _ in range(KILLS):
        proc = chokepoint(
            "monitor", "run", "-p", "semi", "--as-of", "2026-01", "--db", store_location(store_path)
        )
        killed += kill_after(proc, rng.uniform(0.3, 4.0))
        s = Store(store_path)
        snapshots = s.alerts.snapshots("semi")
        alerts = s.alerts.list("semi")
        # a run stores its alerts and its snapshot in one transaction: both or neither
        assert (len(alerts) == 0) == (len(snapshots) == 0)
        assert len([a for a in alerts if a["rule_id"] == "low"]) <= 1
        s.close()
    assert killed >= 1
    before = len(Store(store_path).alerts.snapshots("semi"))
    done = chokepoint(
        "monitor", "run", "-p", "semi", "--as-of", "2026-01", "--db", store_location(store_path)
    )
    assert done.wait(120) == 0
    s = Store(store_path)
    assert len(s.alerts.snapshots("semi")) == before + 1
    assert [a["rule_id"] for a in s.alerts.list("semi")] == ["low"]


def test_the_kill_helper_really_kills(tmp_path):
    """A test that could not fail would be worth nothing: the helper does kill a running process."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    assert kill_after(proc, 0.2)
    assert proc.returncode == -signal.SIGKILL
    assert Path(tmp_path).exists()


SERVER_KILLS = int(os.environ.get("CHOKEPOINT_SERVER_KILLS", "2"))


def start_server(store_path: Path, port: int) -> subprocess.Popen[bytes]:
    proc = chokepoint("serve", "--port", str(port), "--db", store_location(store_path))
    deadline = time.monotonic() + 180  # a loaded 2-core machine imports slowly
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/projects", timeout=1).status_code < 500:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("the server did not start")


def _server_kill_rounds(store_path: Path, rounds: int, seed: int) -> None:
    """Writers publish challenges and report values while the server is SIGKILLed at a random
    moment; after each restart every acknowledged write is there, exactly once."""
    from live import free_port

    s = Store(store_path)
    token = s.tokens.create("naura", "bearer")
    analyst = "ana"
    s.users.add(analyst, "analyst", "analyst-password")
    ana_token = s.tokens.create(analyst, "bearer")
    s.close()
    rng = random.Random(seed)
    acknowledged: list[tuple[str, Any]] = []
    lock = threading.Lock()
    counter = iter(range(1, 10**6))
    for _ in range(rounds):
        port = free_port()
        server = start_server(store_path, port)
        stop = threading.Event()

        def writer(kind: str, port: int = port, stop: threading.Event = stop) -> None:
            bearer = token if kind == "report" else ana_token
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
                while not stop.is_set():
                    k = next(counter)
                    if kind == "report":
                        row = {"indicator": "inventory_days", "node": "N44", "enterprise": "P115",
                               "period": f"{1800 + k // 12:04d}-{k % 12 + 1:02d}", "value": k}  # fmt: skip
                        body: Any = {"rows": [row], "as_of": "2026-06"}
                        path = "/api/projects/semi/observations"
                    else:
                        body, path = {"title": f"挑战 {k}", "nodes": ["N20"]}, "/api/projects/semi/challenges"
                    try:
                        r = http.post(path, json=body, headers={"authorization": f"Bearer {bearer}"})
                    except httpx.HTTPError:
                        return  # the server is gone
                    assert r.status_code < 500, r.text
                    if r.status_code < 300:
                        with lock:
                            acknowledged.append((kind, k if kind == "report" else r.json()["id"]))

        threads = [threading.Thread(target=writer, args=(kind,)) for kind in ("report", "challenge") * 4]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.5, 2.5))
        server.send_signal(signal.SIGKILL)
        server.wait()
        stop.set()
        for t in threads:
            t.join(30)
    s = Store(store_path)  # opens cleanly after the last kill
    from chokepoint.service.matching import list_challenges

    # every acknowledged write is stored, once; a write committed while the kill cut its answer
    # off is stored unacknowledged (at most one per writer and round)
    reported = s.observations.values("semi", "inventory_days")["value"].astype(int).tolist()
    assert len(reported) == len(set(reported))
    assert set(reported) >= {k for kind, k in acknowledged if kind == "report"}
    ids = [c["id"] for c in list_challenges(s, "semi")]
    assert len(ids) == len(set(ids))
    assert set(ids) >= {k for kind, k in acknowledged if kind == "challenge"}
    in_flight = len(set(reported) | set(ids)) - len(acknowledged)
    assert 0 <= in_flight <= 8 * rounds
    assert len(acknowledged) > rounds  # the writers did get through between the kills
    s.close()
    port = free_port()
    server = start_server(store_path, port)  # and the server restarts cleanly once more
    try:
        r = httpx.get(
            f"http://127.0.0.1:{port}/api/projects", headers={"authorization": f"Bearer {ana_token}"}
        )
        assert r.status_code == 200
    finally:
        server.kill()
        server.wait()


def test_a_server_killed_under_load_keeps_every_acknowledged_write(store_path):
    _server_kill_rounds(store_path, SERVER_KILLS, seed=23)


@pytest.mark.stress
def test_a_server_killed_under_load_twenty_times(store_path):
    _server_kill_rounds(store_path, 20, seed=2023)
