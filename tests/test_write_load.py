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
    """A file a request sends (multipart field ``field``), and any more parts it sends with it."""

    name: str
    content: bytes
    field: str = "file"
    more: tuple[tuple[str, str, bytes], ...] = ()  # (field, file name, content)

    def parts(self) -> list[tuple[str, tuple[str, bytes]]]:
        """The multipart parts as httpx takes them."""
        first = (self.field, (self.name, self.content))
        return [first, *((f, (n, c)) for f, n, c in self.more)]


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
    people = (
        ("admin", "admin"),
        ("ana", "analyst"),
        ("naura", "reporter"),
        ("tok", "viewer"),
        ("rev", "viewer"),
    )
    for name, role in people:
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
    store.users.add("amec2", "reporter", "amec2-password")
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
                try:
                    if isinstance(body, Upload):
                        answer = http.request(method, path, files=body.parts())
                    else:
                        answer = http.request(method, path, json=body)
                except httpx.TransportError as exc:  # the server closed the connection: a failure
                    with outcome.lock:
                        outcome.server_errors.append(f"{method} {path}: no answer ({exc!r})")
                    continue
                outcome.add(key, answer)

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


def milestones(key: int) -> tuple[str, str, Any]:
    task = TASK_IDS[key % 3]  # a few tasks: many concurrent first milestones of one roadmap
    return (
        "POST",
        f"/api/projects/semi/tasks/{task}/roadmap",
        {"kind": "prototype", "title": f"m{key}", "target": "2027-06"},
    )


def check_milestones(store: Store, outcome: Outcome) -> None:
    """Every acknowledged milestone stored once, on its task's roadmap, numbered without a clash."""
    roadmaps = store.records.get("semi", "roadmap")
    for task, body in roadmaps.items():
        ids = [m["id"] for m in body["milestones"]]
        assert len(ids) == len(set(ids)), task
    titles = sorted(m["title"] for body in roadmaps.values() for m in body["milestones"])
    assert titles == sorted(f"m{k}" for k, _ in outcome.acknowledged)
    for key, body in outcome.acknowledged:
        assert body["task"] == TASK_IDS[key % 3]
        assert body["milestones"][-1]["title"] == f"m{key}"


def acknowledgements(key: int) -> tuple[str, str, Any]:
    return "POST", f"/api/projects/semi/alerts/{ALERT_IDS[0]}/ack", None


def open_an_alert(store: Store) -> None:
    """A slow lead time reported for the latest month and a run: the site's rule opens an alert
    (earlier routes may have resolved the seed's), the one the clients acknowledge."""
    from chokepoint.service.monitoring import monitor_run

    slow_lead_time(store)
    monitor_run(store, "semi", "2026-06")
    live = [a for a in store.alerts.list("semi") if a["status"] != "resolved"]  # open or acknowledged
    ALERT_IDS[:] = [int(a["id"]) for a in live][:1]
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


def observation_uploads(key: int) -> tuple[str, str, Any]:
    """A reporting CSV per request: one value on its own (node, month), months from 1600-01 on."""
    node = P115_NODES[key % len(P115_NODES)]
    month = key // len(P115_NODES)
    period = f"{1600 + month // 12:04d}-{month % 12 + 1:02d}"
    text = f"indicator,node,enterprise,period,value\nunit_price,{node},P115,{period},{key}\n"
    return "POST", "/api/projects/semi/observations/upload?as_of=2026-06", Upload("r.csv", text.encode())


def check_observation_uploads(store: Store, outcome: Outcome) -> None:
    stored = store.observations.values("semi", "unit_price")
    stored = stored[stored["period"] < "1800-01"]
    assert sorted(stored["value"].astype(int)) == sorted(k for k, _ in outcome.acknowledged)


PROFILE_ACTORS = ["P70", "P115", "P100", "P101", "P102"]


def profiles(key: int) -> tuple[str, str, Any]:
    """Five actors' profiles, each replaced over and over (the keyword carries the key)."""
    actor = PROFILE_ACTORS[key % len(PROFILE_ACTORS)]
    text = f"actor,keywords,nodes\n{actor},k{key};lithography,N19\n"
    return "POST", "/api/projects/semi/profiles", Upload("p.csv", text.encode())


def check_profiles(store: Store, outcome: Outcome) -> None:
    stored = store.records.get("semi", "profile")
    for actor in PROFILE_ACTORS:
        sent = {f"k{k}" for k, _ in outcome.acknowledged if PROFILE_ACTORS[k % len(PROFILE_ACTORS)] == actor}
        if sent:  # the stored profile is one acknowledged for that actor, whole
            keywords = set(stored[actor]["keywords"])
            assert len(keywords & sent) == 1, (actor, keywords)
            assert "lithography" in keywords


def expert_sheets(key: int) -> tuple[str, str, Any]:
    """Ten experts, each sending a new sheet (its gap score from the key) over and over."""
    expert = f"Expert {key % 10}"
    text = f"node,expert,organization,gap,threshold\nN20,{expert},CAS,{key % 5 + 1},{key % 3 + 1}\n"
    return "POST", "/api/projects/semi/experts", Upload(f"e{key}.csv", text.encode(), field="files")


def check_expert_sheets(store: Store, outcome: Outcome) -> None:
    scores = store.experts.scores("semi")
    sent = {f"Expert {k % 10}" for k, _ in outcome.acknowledged}
    assert set(scores["expert"]) == sent  # every expert that was acknowledged, once
    assert len(scores) == len(sent)  # each expert's later sheet replaced the earlier: one row each


def trade_loads(key: int) -> tuple[str, str, Any]:
    """Five trade datasets, each loaded over and over (one flow whose value is the key)."""
    text = f"year,reporterISO,partnerISO,cmdCode,flowCode,primaryValue,qty\n2021,EGY,RUS,1001,M,{key},3\n"
    return "POST", f"/api/trade/datasets/t{key % 5}?layout=comtrade", Upload("ct.csv", text.encode())


def check_trade_loads(store: Store, outcome: Outcome) -> None:
    names = {d["name"] for d in store.trade_datasets.list()} & {f"t{i}" for i in range(5)}
    assert names == {f"t{k % 5}" for k, _ in outcome.acknowledged}
    for name in names:
        flows = store.trade_datasets.load(name)
        assert len(flows) == 1  # replaced whole, never two loads mixed
        sent = {k for k, _ in outcome.acknowledged if f"t{k % 5}" == name}
        assert round(flows["value"].iloc[0]) in sent


MATERIALS = Path(__file__).parent / "data" / "materials"
MATERIAL_FILES = [
    "world_mining_data_production_2018_2024.csv.gz",
    "baci_hs92_raw_materials_2018_2024.parquet",
    "baci_country_codes_V202401b.csv",
    "commodity_hs_map.csv",
    "wgi_political_stability_estimate_1996_2024.csv",
]


def materials_loads(key: int) -> tuple[str, str, Any]:
    """Two raw-material datasets loaded over and over (five files per request)."""
    first, *rest = [(n, (MATERIALS / n).read_bytes()) for n in MATERIAL_FILES]
    more = tuple(("files", n, c) for n, c in rest)
    return "POST", f"/api/materials/datasets/rm{key % 2}", Upload(*first, field="files", more=more)


def check_materials_loads(store: Store, outcome: Outcome) -> None:
    names = {d["name"] for d in store.materials.list()}
    assert names == {f"rm{k % 2}" for k, _ in outcome.acknowledged}
    for name in names:
        assert len(store.materials.load(name).production) > 0  # each one whole


SEEDS = [40]  # projects and datasets a delete or rename route's preparation makes


def seeded(key: int) -> int:
    """The seeded project or dataset (1 to ``SEEDS[0]``) request ``key`` deletes or renames: the
    keys go round, so several clients race for each one (one wins, the others get 404)."""
    return (key - 1) % SEEDS[0] + 1


def check_each_won_once(outcome: Outcome) -> set[int]:
    """The seeded items acknowledged, each at most once (a rename or delete is never won twice)."""
    won = [seeded(k) for k, _ in outcome.acknowledged]
    assert len(won) == len(set(won)), "a seeded item was renamed or deleted twice"
    return set(won)


def tiny_projects(prefix: str) -> Callable[[Store], None]:
    def make(store: Store) -> None:
        chain = load_semiconductors()
        for k in range(1, SEEDS[0] + 1):
            store.chains.save(f"{prefix}{k}", chain)

    return make


def project_renames(key: int) -> tuple[str, str, Any]:
    return "PATCH", f"/api/projects/ren{seeded(key)}", {"name": f"renamed{seeded(key)}"}


def check_project_renames(store: Store, outcome: Outcome) -> None:
    names = set(store.projects.names())
    done = check_each_won_once(outcome)
    for k in range(1, SEEDS[0] + 1):
        assert (f"renamed{k}" in names) == (k in done)
        assert (f"ren{k}" in names) == (k not in done)


def project_deletes(key: int) -> tuple[str, str, Any]:
    return "DELETE", f"/api/projects/gone{seeded(key)}", None


def check_project_deletes(store: Store, outcome: Outcome) -> None:
    names = set(store.projects.names())
    done = check_each_won_once(outcome)
    assert all((f"gone{k}" in names) == (k not in done) for k in range(1, SEEDS[0] + 1))
    assert "semi" in names


def io_datasets(prefix: str) -> Callable[[Store], None]:
    def make(store: Store) -> None:
        from chokepoint.service.macro import load_dataset

        if "m-seed" not in {d["name"] for d in store.io_datasets.list()}:
            load_dataset(store, "m-seed", test=True)
        system = store.io_datasets.load("m-seed")
        for k in range(1, SEEDS[0] + 1):
            store.io_datasets.save(f"{prefix}{k}", system)

    return make


def macro_renames(key: int) -> tuple[str, str, Any]:
    return "PATCH", f"/api/macro/datasets/io{seeded(key)}", {"name": f"io-renamed{seeded(key)}"}


def check_macro_renames(store: Store, outcome: Outcome) -> None:
    names = {d["name"] for d in store.io_datasets.list()}
    done = check_each_won_once(outcome)
    for k in range(1, SEEDS[0] + 1):
        assert (f"io-renamed{k}" in names) == (k in done)
        assert (f"io{k}" in names) == (k not in done)


def dataset_deletes(key: int) -> tuple[str, str, Any]:
    """Every third request deletes a trade dataset, the others input-output datasets."""
    k = seeded(key)
    if k % 3 == 1:
        return "DELETE", f"/api/trade/datasets/tgone{k}", None
    return "DELETE", f"/api/macro/datasets/iogone{k}", None


def seed_deletable_datasets(store: Store) -> None:
    io_datasets("iogone")(store)
    flows = pd.DataFrame(
        {"year": [2021], "exporter": ["RUS"], "importer": ["EGY"], "product": ["1001"], "value": [1.0]}
    )
    for k in range(1, SEEDS[0] + 1, 3):
        store.trade_datasets.save(f"tgone{k}", flows, "comtrade")


def check_dataset_deletes(store: Store, outcome: Outcome) -> None:
    names = {d["name"] for d in store.io_datasets.list()} | {d["name"] for d in store.trade_datasets.list()}
    done = check_each_won_once(outcome)
    for k in range(1, SEEDS[0] + 1):
        name = f"tgone{k}" if k % 3 == 1 else f"iogone{k}"
        assert (name in names) == (k not in done), name


REVOCABLE: list[str] = []


def seed_revocable_tokens(store: Store) -> None:
    """User ``rev`` (whose first token the clients use) gets 18 more to revoke."""
    keep = {t["id"] for t in store.tokens.list("rev")}
    for _ in range(18):
        store.tokens.create("rev", "bearer")
    REVOCABLE[:] = sorted({t["id"] for t in store.tokens.list("rev")} - keep)


def token_revocations(key: int) -> tuple[str, str, Any]:
    return "DELETE", f"/api/tokens/{REVOCABLE[key % len(REVOCABLE)]}", None


def check_token_revocations(store: Store, outcome: Outcome) -> None:
    revoked = [REVOCABLE[k % len(REVOCABLE)] for k, _ in outcome.acknowledged]
    assert len(revoked) == len(set(revoked))  # each revoked once; a second try is refused
    left = {t["id"] for t in store.tokens.list("rev")}
    assert not left & set(revoked)
    assert len(left) == 1 + len(REVOCABLE) - len(revoked)  # the clients' own token stays


def seed_bindings_to_remove(store: Store) -> None:
    for actor in ENTERPRISES:
        store.users.bind("amec2", "semi", actor)


def binding_removals(key: int) -> tuple[str, str, Any]:
    actor = ENTERPRISES[key % len(ENTERPRISES)]
    return "DELETE", f"/api/users/amec2/bindings?project=semi&actor={actor}", None


def check_binding_removals(store: Store, outcome: Outcome) -> None:
    removed = {ENTERPRISES[k % len(ENTERPRISES)] for k, _ in outcome.acknowledged}
    assert store.users.get("amec2", "semi").actors == set(ENTERPRISES) - removed


def alert_resolutions(key: int) -> tuple[str, str, Any]:
    return "POST", f"/api/projects/semi/alerts/{ALERT_IDS[0]}/resolve", None


def check_alert_resolutions(store: Store, outcome: Outcome) -> None:
    alert = next(a for a in store.alerts.list("semi") if a["id"] == ALERT_IDS[0])
    assert alert["status"] == "resolved"
    assert len(outcome.acknowledged) == 1  # resolved once; every later try is refused


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
    "milestone add": ("ana", milestones, check_milestones),
    "alert acknowledgement": ("ana", acknowledgements, check_acknowledgements),
    "bindings": ("admin", bindings, check_bindings),
    "task refresh": ("ana", task_refreshes, check_task_refreshes),
    "password reset": ("admin", password_resets, check_password_resets),
    "chain import": ("ana", imports, check_imports),
    "macro dataset load": ("ana", macro_loads, check_macro_loads),
    "scenario delete": ("ana", scenario_deletes, check_scenario_deletes),
    "user disable and enable": ("admin", user_toggles, check_user_toggles),
    "lists with saved tasks": ("ana", list_saves, check_list_saves),
    "observation upload": ("naura", observation_uploads, check_observation_uploads),
    "profile import": ("ana", profiles, check_profiles),
    "expert sheets": ("ana", expert_sheets, check_expert_sheets),
    "trade dataset load": ("ana", trade_loads, check_trade_loads),
    "materials dataset load": ("ana", materials_loads, check_materials_loads),
    "project rename": ("admin", project_renames, check_project_renames),
    "project delete": ("admin", project_deletes, check_project_deletes),
    "macro dataset rename": ("ana", macro_renames, check_macro_renames),
    "dataset delete": ("admin", dataset_deletes, check_dataset_deletes),
    "token revocation": ("rev", token_revocations, check_token_revocations),
    "binding removal": ("admin", binding_removals, check_binding_removals),
    "alert resolution": ("ana", alert_resolutions, check_alert_resolutions),
}
PREPARE["alert acknowledgement"] = open_an_alert
PREPARE["monitor run"] = slow_lead_time
PREPARE["alert resolution"] = open_an_alert
PREPARE["project rename"] = tiny_projects("ren")
PREPARE["project delete"] = tiny_projects("gone")
PREPARE["macro dataset rename"] = io_datasets("io")
PREPARE["dataset delete"] = seed_deletable_datasets
PREPARE["token revocation"] = seed_revocable_tokens
PREPARE["binding removal"] = seed_bindings_to_remove


def run_route(site, route: str, clients: int, seconds: float) -> Outcome:
    store, port, bearer = site
    SEEDS[0] = 40 if clients * seconds <= 20 else 200
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
