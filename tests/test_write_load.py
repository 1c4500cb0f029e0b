"""Concurrent writers against each write route of the API on a real loopback server (issue 23):
every acknowledged write is stored exactly once (and audited once), no 5xx.

The default run keeps it short (8 clients, 1.5 s per route); the long run is 50 clients for 30 s
per route, on SQLite and on PostgreSQL::

    pytest -m stress tests/test_write_load.py -p no:xdist -s
    CHOKEPOINT_TEST_PG=postgresql+psycopg://... pytest -m stress tests/test_write_load.py -p no:xdist -s --store-backend postgresql

Each route's writes carry a distinct key per request (a counter shared by the clients), so what
the store holds afterwards can be compared key by key with what the server acknowledged.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from chokepoint.datasets import load_semiconductors
from chokepoint.store import Store
from live import serve

SHORT = (8, 1.5)  # clients, seconds per route
LONG = (
    int(os.environ.get("CHOKEPOINT_LOAD_CLIENTS", "50")),
    float(os.environ.get("CHOKEPOINT_LOAD_SECONDS", "30")),
)
P115_NODES: list[str] = []


@dataclass(frozen=True)
class Upload:
    """A file a request sends (multipart field ``file``)."""

    name: str
    content: bytes


@dataclass
class Outcome:
    """What the clients of one route saw."""

    acknowledged: list[tuple[int, Any]] = field(default_factory=list)  # (key, response JSON)
    refused: dict[int, int] = field(default_factory=dict)  # status -> count (4xx)
    reasons: dict[int, str] = field(default_factory=dict)  # status -> the first refusal's message
    server_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, key: int, response: httpx.Response) -> None:
        with self.lock:
            if response.status_code >= 500:
                self.server_errors.append(f"{response.status_code} {response.text[:200]}")
            elif response.status_code >= 400:
                self.refused[response.status_code] = self.refused.get(response.status_code, 0) + 1
                self.reasons.setdefault(response.status_code, response.text[:300])
            else:
                self.acknowledged.append((key, response.json() if response.content else None))


@contextmanager
def make_site(folder: Path) -> Iterator[tuple[Store, int, dict[str, str]]]:
    """A store with the demo chain, an analyst, an admin and reporter ``naura`` (NAURA, P115),
    a published challenge, a rule and a task, served on a loopback port."""
    store = Store(folder / "load.db")
    chain = load_semiconductors()
    store.chains.save("semi", chain)
    store.projects.set_perspective("semi", {"home": ["CHN"], "restricted": ["USA", "JPN", "NLD"]})
    P115_NODES[:] = sorted(chain.provisions.loc[chain.provisions["actor"] == "P115", "node"].unique())
    tokens = {}
    for name, role in (("admin", "admin"), ("ana", "analyst"), ("naura", "reporter"), ("tok", "viewer")):
        store.users.add(name, role, f"{name}-password")
        if name != "tok":
            tokens[name] = store.tokens.create(name, "bearer")
    store.users.bind("naura", "semi", "P115")
    from chokepoint.service.matching import publish_challenge

    publish_challenge(
        store, "semi", title="光刻胶", description="ArF光刻胶", nodes=["N31"], capabilities=["光刻胶"],
        owner="SMEE", budget=None, deadline=None,
    )  # fmt: skip
    from chokepoint.service.monitoring import submit_observations

    seed = {
        "indicator": "lead_time_days",
        "node": "N44",
        "enterprise": "P115",
        "period": "2026-01",
        "value": 400,
    }
    submit_observations(store, "semi", pd.DataFrame([seed]), "naura", as_of="2026-06")
    rule = {"id": "slow", "type": "threshold", "indicator": "lead_time_days", "levels": {"I": 300}}
    store.rules.put("semi", [rule], "admin")
    from chokepoint.assess import Perspective, assess
    from chokepoint.lists import task_list
    from chokepoint.service.monitoring import monitor_run

    tasks = task_list(assess(chain, Perspective.from_codes("CHN", "USA,JPN,NLD"))).head(5)
    store.tasks.upsert("semi", tasks.to_dict("records"))
    monitor_run(store, "semi", "2026-06")  # the seed opens one alert
    TASK_IDS[:] = [t["task_id"] for t in store.tasks.list("semi")]
    ENTERPRISES[:] = sorted(chain.actors.loc[chain.actors["kind"] == "enterprise", "id"])[:40]
    store.users.add("amec", "reporter", "amec-password")
    for k in range(DELETABLE):
        store.scenarios.save(
            "semi", f"del{k}", {"name": f"del{k}", "shocks": [{"type": "blockade", "country": "NLD"}]}
        )
    with serve(store, limit_concurrency=1000) as port:
        yield store, port, tokens
    store.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with make_site(tmp_path_factory.mktemp("load")) as fresh:
        yield fresh


def hammer(
    port: int, token: str, request: Callable[[int], tuple[str, str, Any]], clients: int, seconds: float
) -> Outcome:
    """``clients`` threads send ``request(key)`` (method, path, JSON body) for ``seconds``, each
    with the next key of one shared counter."""
    keys = itertools.count(1)
    outcome = Outcome()
    deadline = time.monotonic() + seconds

    def client(_: int) -> None:
        headers = {"authorization": f"Bearer {token}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=120) as http:
            while time.monotonic() < deadline:
                key = next(keys)
                method, path, body = request(key)
                if isinstance(body, Upload):
                    outcome.add(key, http.request(method, path, files={"file": (body.name, body.content)}))
                else:
                    outcome.add(key, http.request(method, path, json=body))

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    return outcome


def audited(store: Store, path_prefix: str, method: str, since: int) -> int:
    """Audit rows of successful ``method`` requests under ``path_prefix`` after row id ``since``."""
    rows = store.audit.entries(limit=10**7)
    return sum(
        1
        for r in rows
        if r["id"] > since
        and r["method"] == method
        and r["path"].startswith(path_prefix)
        and r["status"] < 400
    )


def audit_head(store: Store) -> int:
    rows = store.audit.entries(limit=1)
    return int(rows[0]["id"]) if rows else 0


# ------------------------------------------------------------------ one check per route
def observations(key: int) -> tuple[str, str, Any]:
    node = P115_NODES[key % len(P115_NODES)]
    month = key // len(P115_NODES)  # a distinct (node, month) per key, months from 1800-01 on
    period = f"{1800 + month // 12:04d}-{month % 12 + 1:02d}"
    row = {"indicator": "inventory_days", "node": node, "enterprise": "P115", "period": period, "value": key}
    return "POST", "/api/projects/semi/observations", {"rows": [row], "as_of": "2026-06"}


def check_observations(store: Store, outcome: Outcome) -> None:
    stored = store.observations.values("semi", "inventory_days")
    assert len(stored) == len(outcome.acknowledged)  # each acknowledged value once, none more
    assert sorted(stored["value"].astype(int)) == sorted(k for k, _ in outcome.acknowledged)


def one_value(key: int) -> tuple[str, str, Any]:
    """Every client reports the same indicator, node and month (values differ): one row stands."""
    row = {
        "indicator": "lead_time_days",
        "node": "N44",
        "enterprise": "P115",
        "period": "2026-05",
        "value": key,
    }
    return "POST", "/api/projects/semi/observations", {"rows": [row], "as_of": "2026-06"}


def check_one_value(store: Store, outcome: Outcome) -> None:
    stored = store.observations.values("semi", "lead_time_days")
    stored = stored[stored["period"] == "2026-05"]
    assert len(stored) == 1
    assert int(stored["value"].iloc[0]) in {k for k, _ in outcome.acknowledged}


def challenges(key: int) -> tuple[str, str, Any]:
    return (
        "POST",
        "/api/projects/semi/challenges",
        {"title": f"挑战 {key}", "nodes": ["N20"], "owner": "SMEE"},
    )


def check_challenges(store: Store, outcome: Outcome) -> None:
    from chokepoint.service.matching import list_challenges

    ids = [body["id"] for _, body in outcome.acknowledged]
    assert len(set(ids)) == len(ids)  # every publication its own id
    stored = {c["id"]: c["title"] for c in list_challenges(store, "semi")}
    assert {i: stored.get(i) for i in ids} == {body["id"]: f"挑战 {k}" for k, body in outcome.acknowledged}


def bids(key: int) -> tuple[str, str, Any]:
    return (
        "POST",
        "/api/projects/semi/challenges/C0001/bids",
        {"actor": f"P{100 + key % 40}", "note": str(key)},
    )


def check_bids(store: Store, outcome: Outcome) -> None:
    """One bid per actor (a later one replaces): each actor's stored note is one it was acknowledged for."""
    stored = {
        b["actor"]: b["note"] for b in store.records.get("semi", "bid").values() if b["challenge"] == "C0001"
    }
    sent: dict[str, set[str]] = {}
    for key, _ in outcome.acknowledged:
        sent.setdefault(f"P{100 + key % 40}", set()).add(str(key))
    assert set(stored) == set(sent)
    assert all(stored[a] in sent[a] for a in stored)


def scenarios(key: int) -> tuple[str, str, Any]:
    name = f"s{key}" if key % 2 else "shared"  # half new names, half one name saved over and over
    return (
        "PUT",
        f"/api/projects/semi/scenarios/{name}",
        {"name": name, "shocks": [{"type": "blockade", "country": "NLD"}]},
    )


def check_scenarios(store: Store, outcome: Outcome) -> None:
    names = {n for n in store.scenarios.names("semi") if not n.startswith("del")}  # the delete route's own
    expected = {f"s{k}" for k, _ in outcome.acknowledged if k % 2} | (
        {"shared"} if any(k % 2 == 0 for k, _ in outcome.acknowledged) else set()
    )
    assert names == expected


def rules(key: int) -> tuple[str, str, Any]:
    rule = {
        "id": f"r{key % 25}",
        "type": "threshold",
        "indicator": "inventory_days",
        "levels": {"I": key % 50 + 1},
    }
    return "POST", "/api/projects/semi/rules", {"rules": [rule]}


def check_rules(store: Store, outcome: Outcome) -> None:
    ids = {f"r{k % 25}" for k, _ in outcome.acknowledged}
    assert {r["id"] for r in store.rules.list("semi")} >= ids
    history = [h for h in store.rules.history("semi") if h["rule_id"] in ids]
    assert sum(h["action"] == "created" for h in history) == len(ids)  # each rule created once


def monitor_runs(key: int) -> tuple[str, str, Any]:
    return "POST", "/api/projects/semi/monitor/run?as_of=2026-06", None


SNAPSHOTS_BEFORE = [0]


def slow_lead_time(store: Store) -> None:
    """A slow lead time for the latest month (whatever other routes reported before): the runs
    have a condition to alert on; and the snapshots there are before the runs."""
    from chokepoint.service.monitoring import submit_observations

    row = {
        "indicator": "lead_time_days",
        "node": "N44",
        "enterprise": "P115",
        "period": "2026-06",
        "value": 400,
    }
    submit_observations(store, "semi", pd.DataFrame([row]), "naura", as_of="2026-06")
    SNAPSHOTS_BEFORE[0] = len(store.alerts.snapshots("semi"))


def check_monitor_runs(store: Store, outcome: Outcome) -> None:
    # one snapshot per acknowledged run
    assert len(store.alerts.snapshots("semi")) == SNAPSHOTS_BEFORE[0] + len(outcome.acknowledged)
    unresolved = [a["key"] for a in store.alerts.list("semi") if a["status"] != "resolved"]
    assert unresolved  # the slow lead time meets the site's rule
    assert len(unresolved) == len(set(unresolved))  # no condition alerted twice


def node_edits(key: int) -> tuple[str, str, Any]:
    """Half the edits change the node's Chinese name, half its description: neither is lost."""
    column = "name_zh" if key % 2 else "description"
    return "PATCH", "/api/projects/semi/nodes/N31", {column: f"光刻胶 {key}"}


def check_node_edits(store: Store, outcome: Outcome) -> None:
    node = store.chains.load("semi").nodes.set_index("id").loc["N31"]
    for column, parity in (("name_zh", 1), ("description", 0)):
        sent = {f"光刻胶 {k}" for k, _ in outcome.acknowledged if k % 2 == parity}
        if sent:  # the last acknowledged edit of each field wins; an edit of the other keeps it
            assert node[column] in sent, (column, node[column])


def users(key: int) -> tuple[str, str, Any]:
    return "POST", "/api/users", {"name": f"user{key}", "role": "viewer", "password": "a-long-password"}


def check_users(store: Store, outcome: Outcome) -> None:
    names = {u["name"] for u in store.users.list()}
    assert {f"user{k}" for k, _ in outcome.acknowledged} <= names
    assert len([n for n in names if n.startswith("user")]) == len(outcome.acknowledged)


def tokens(key: int) -> tuple[str, str, Any]:
    return "POST", "/api/tokens", None


def check_tokens(store: Store, outcome: Outcome) -> None:
    """The admin's token limit holds under concurrency: 20 in all (the fixture's one included)."""
    from chokepoint.store.tokens import MAX_BEARER_TOKENS

    assert len(outcome.acknowledged) == MAX_BEARER_TOKENS - 1
    assert len(store.tokens.list("admin")) == MAX_BEARER_TOKENS
    assert outcome.refused.get(422, 0) > 0


HOMES = ["CHN", "JPN", "KOR", "DEU", "FRA"]


def perspectives(key: int) -> tuple[str, str, Any]:
    body = {"home": [HOMES[key % len(HOMES)]], "restricted": ["USA", "NLD"]}
    return "PUT", "/api/projects/semi/perspective", body


def check_perspectives(store: Store, outcome: Outcome) -> None:
    stored = store.projects.get_perspective("semi")
    assert stored is not None
    assert stored["home"] in [[HOMES[k % len(HOMES)]] for k, _ in outcome.acknowledged]  # the last one


STATUSES = ("proposed", "active", "done", "dropped")


def task_updates(key: int) -> tuple[str, str, Any]:
    task = TASK_IDS[key % len(TASK_IDS)]
    return "PATCH", f"/api/projects/semi/tasks/{task}", {"status": STATUSES[key % 4]}


def check_task_updates(store: Store, outcome: Outcome) -> None:
    status = {t["task_id"]: t["status"] for t in store.tasks.list("semi")}
    for task in TASK_IDS:
        sent = {STATUSES[k % 4] for k, _ in outcome.acknowledged if TASK_IDS[k % len(TASK_IDS)] == task}
        if sent:
            assert status[task] in sent
    assert len(status) == len(TASK_IDS)  # updates add no task


def acknowledgements(key: int) -> tuple[str, str, Any]:
    return "POST", f"/api/projects/semi/alerts/{ALERT_IDS[0]}/ack", None


def open_an_alert(store: Store) -> None:
    """A slow lead time reported for the latest month and a run: the site's rule opens an alert
    (earlier routes may have resolved the seed's), the one the clients acknowledge."""
    from chokepoint.service.monitoring import monitor_run

    slow_lead_time(store)
    monitor_run(store, "semi", "2026-06")
    ALERT_IDS[:] = [int(a["id"]) for a in store.alerts.list("semi") if a["status"] == "open"][:1]
    assert ALERT_IDS


def check_acknowledgements(store: Store, outcome: Outcome) -> None:
    alert = next(a for a in store.alerts.list("semi") if a["id"] == ALERT_IDS[0])
    assert alert["status"] == "acknowledged"
    assert alert["acknowledged_by"] == "ana"


def bindings(key: int) -> tuple[str, str, Any]:
    return (
        "POST",
        "/api/users/amec/bindings",
        {"project": "semi", "actor": ENTERPRISES[key % len(ENTERPRISES)]},
    )


def check_bindings(store: Store, outcome: Outcome) -> None:
    bound = store.users.get("amec", "semi").actors
    assert bound == {
        ENTERPRISES[k % len(ENTERPRISES)] for k, _ in outcome.acknowledged
    }  # each once, none lost


def chain_document(key: int) -> bytes:
    from chokepoint.io.writers import chain_to_dict

    doc = chain_to_dict(load_semiconductors())
    for node in doc["nodes"]:
        if node["id"] == "N31":
            node["name"] = f"Photoresists {key}"
    return json.dumps(doc).encode()


DOCUMENT = [b""]  # the demo chain as JSON, N31's name a placeholder to fill per key


def imports(key: int) -> tuple[str, str, Any]:
    if not DOCUMENT[0]:
        DOCUMENT[0] = chain_document(0)
    body = DOCUMENT[0].replace(b'"Photoresists 0"', f'"Photoresists {key}"'.encode())
    return "POST", "/api/projects/semi/import", Upload("semi.json", body)


def check_imports(store: Store, outcome: Outcome) -> None:
    """Each import replaces the chain whole: the stored one is one that was acknowledged, intact."""
    chain = store.chains.load("semi")
    name = chain.nodes.set_index("id").loc["N31", "name"]
    assert name in {f"Photoresists {k}" for k, _ in outcome.acknowledged}
    assert len(chain.nodes) == len(load_semiconductors().nodes)
    assert len(chain.provisions) == len(load_semiconductors().provisions)


def task_refreshes(key: int) -> tuple[str, str, Any]:
    return "POST", "/api/projects/semi/tasks/refresh", None


def check_task_refreshes(store: Store, outcome: Outcome) -> None:
    ids = [t["task_id"] for t in store.tasks.list("semi")]
    assert len(ids) == len(set(ids))  # no task twice
    answered = {t["task_id"] for _, rows in outcome.acknowledged for t in rows}
    assert answered <= set(ids)


def password_resets(key: int) -> tuple[str, str, Any]:
    return "PUT", "/api/users/tok/password", {"password": f"password-{key:06d}"}


def check_password_resets(store: Store, outcome: Outcome) -> None:
    """The last acknowledged reset holds: exactly one of the acknowledged passwords verifies."""
    keys = sorted(k for k, _ in outcome.acknowledged)
    valid = [k for k in keys if store.users.verify_password("tok", f"password-{k:06d}")]
    assert len(valid) == 1


def macro_loads(key: int) -> tuple[str, str, Any]:
    """Five dataset names, each loaded over and over at once (pymrio's test system)."""
    return "POST", f"/api/macro/datasets/m{key % 5}?test=true", None


def check_macro_loads(store: Store, outcome: Outcome) -> None:
    names = {d["name"] for d in store.io_datasets.list()}
    assert names == {f"m{k % 5}" for k, _ in outcome.acknowledged}
    for name in names:
        assert store.io_datasets.load(name).n > 0  # each one whole


def scenario_deletes(key: int) -> tuple[str, str, Any]:
    return "DELETE", f"/api/projects/semi/scenarios/del{key}", None


def check_scenario_deletes(store: Store, outcome: Outcome) -> None:
    names = set(store.scenarios.names("semi"))
    gone = {f"del{k}" for k, _ in outcome.acknowledged}
    assert not gone & names  # every acknowledged delete took
    assert {f"del{k}" for k in range(DELETABLE)} - gone <= names  # and no other scenario went


def user_toggles(key: int) -> tuple[str, str, Any]:
    return "POST", f"/api/users/tok/disable?enable={'true' if key % 2 else 'false'}", None


def check_user_toggles(store: Store, outcome: Outcome) -> None:
    disabled = store.users.get("tok").disabled
    assert disabled in {not bool(k % 2) for k, _ in outcome.acknowledged}


def list_saves(key: int) -> tuple[str, str, Any]:
    return "POST", "/api/projects/semi/lists?lang=zh", None


def check_list_saves(store: Store, outcome: Outcome) -> None:
    ids = [t["task_id"] for t in store.tasks.list("semi")]
    assert len(ids) == len(set(ids))


#: What a route needs in the store just before its clients start.
PREPARE: dict[str, Callable[[Store], None]] = {}
DELETABLE = 1000  # scenarios the site holds for the delete route
TASK_IDS: list[str] = []
ENTERPRISES: list[str] = []
ALERT_IDS: list[int] = []


ROUTES: dict[str, tuple[str, Callable[[int], tuple[str, str, Any]], Callable[[Store, Outcome], None]]] = {
    "observations": ("naura", observations, check_observations),
    "one value": ("naura", one_value, check_one_value),
    "challenges": ("ana", challenges, check_challenges),
    "bids": ("ana", bids, check_bids),
    "scenarios": ("ana", scenarios, check_scenarios),
    "rules": ("ana", rules, check_rules),
    "monitor run": ("ana", monitor_runs, check_monitor_runs),
    "node edit": ("admin", node_edits, check_node_edits),
    "users": ("admin", users, check_users),
    "tokens": ("admin", tokens, check_tokens),
    "perspective": ("ana", perspectives, check_perspectives),
    "task status": ("ana", task_updates, check_task_updates),
    "alert acknowledgement": ("ana", acknowledgements, check_acknowledgements),
    "bindings": ("admin", bindings, check_bindings),
    "task refresh": ("ana", task_refreshes, check_task_refreshes),
    "password reset": ("admin", password_resets, check_password_resets),
    "chain import": ("ana", imports, check_imports),
    "macro dataset load": ("ana", macro_loads, check_macro_loads),
    "scenario delete": ("ana", scenario_deletes, check_scenario_deletes),
    "user disable and enable": ("admin", user_toggles, check_user_toggles),
    "lists with saved tasks": ("ana", list_saves, check_list_saves),
}
PREPARE["alert acknowledgement"] = open_an_alert
PREPARE["monitor run"] = slow_lead_time


def run_route(site, route: str, clients: int, seconds: float) -> Outcome:
    store, port, bearer = site
    who, request, check = ROUTES[route]
    PREPARE.get(route, lambda _: None)(store)
    method, path, _ = request(1)
    paths = [path.split("?")[0], request(2)[1].split("?")[0]]
    prefix = paths[0] if paths[0] == paths[1] else os.path.commonpath(paths) + "/"  # keys in the path
    since = audit_head(store)
    outcome = hammer(port, bearer[who], request, clients, seconds)
    assert outcome.server_errors == [], outcome.server_errors[:5]
    assert outcome.acknowledged, outcome.refused
    check(store, outcome)
    assert audited(store, prefix, method, since) == len(outcome.acknowledged)  # each audited once
    print(
        f"{route}: {clients} clients x {seconds:g} s: {len(outcome.acknowledged)} acknowledged, "
        f"refused {outcome.refused or 0}, 0 server errors ({store.database.engine.dialect.name})"
        + (f"; first refusals: {outcome.reasons}" if outcome.reasons else "")
    )
    return outcome


@pytest.mark.parametrize("route", list(ROUTES))
def test_concurrent_writers_lose_nothing(site, route):
    run_route(site, route, *SHORT)


@pytest.mark.stress
@pytest.mark.parametrize("route", list(ROUTES))
def test_fifty_writers_for_thirty_seconds_lose_nothing(tmp_path_factory, route):
    """The long run: a fresh site per route (so the checks see that route's writes alone)."""
    with make_site(tmp_path_factory.mktemp("load")) as fresh:
        run_route(fresh, route, *LONG)
