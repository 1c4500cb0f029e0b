"""REST API: every route for every role, reporter isolation, the error shape, the audit log."""

from __future__ import annotations

import io
import time
import warnings
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from fastapi.routing import APIRoute

from backend import copy_store

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from chokepoint.api import create_app, ensure_admin
from chokepoint.api.deps import ALL_ROLES
from chokepoint.datasets import load_semiconductors
from chokepoint.network.bundles import make_bundle, new_private_key, public_key_of
from chokepoint.store import Store

ROLES = ALL_ROLES  # admin, analyst, officer, reporter, viewer
GOOD_ROW = {
    "indicator": "inventory_days",
    "node": "N44",
    "enterprise": "P115",
    "period": "2026-01",
    "value": 30,
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A store with the demo chain, one user per role (the reporter bound to NAURA, P115), a second
    reporter (AMEC, P123) with a reported value, a rule, an alert, a task, two snapshots."""
    path = tmp_path_factory.mktemp("api") / "template.db"
    s = Store(path)
    s.chains.save("semi", load_semiconductors())
    s.projects.set_perspective("semi", {"home": ["CHN"], "restricted": ["USA", "JPN", "NLD", "KOR", "TWN"]})
    tokens = {}
    for role in ROLES:
        s.users.add(role, role, f"{role}-pw")
        tokens[role] = s.tokens.create(role, "bearer", timedelta(days=1))
    s.users.add("other", "reporter", "other-pw")
    s.users.bind("reporter", "semi", "P115")
    s.users.bind("other", "semi", "P123")
    from chokepoint.service.monitoring import monitor_run, submit_observations

    submit_observations(
        s,
        "semi",
        pd.DataFrame([{**GOOD_ROW, "enterprise": "P123", "value": 17.25}]),
        "other",
        as_of="2026-01",
    )
    s.rules.put(
        "semi",
        [{"id": "low", "type": "threshold", "indicator": "inventory_days", "levels": {"I": 7, "II": 20}}],
        "admin",
    )
    from chokepoint.assess import Perspective, assess
    from chokepoint.lists import task_list

    s.tasks.upsert(
        "semi",
        task_list(assess(s.chains.load("semi"), Perspective.from_codes("CHN", "USA,NLD")))
        .head(3)
        .to_dict("records"),
    )
    monitor_run(s, "semi", "2026-01")
    monitor_run(s, "semi", "2026-01")
    s.scenarios.save("semi", "nld", {"name": "nld", "shocks": [{"type": "blockade", "country": "NLD"}]})
    from chokepoint.service.matching import publish_challenge as add_challenge

    add_challenge(
        s,
        "semi",
        title="EUV光刻机光源攻关",
        description="极紫外光源",
        nodes=["N20"],
        capabilities=["光源"],
        owner="SMEE",
        budget=None,
        deadline=None,
    )
    from chokepoint.service import macro as macro_svc
    from chokepoint.service import trade as trade_svc

    macro_svc.load_dataset(s, "mrio", test=True)
    macro_svc.load_dataset(s, "dom", Path(__file__).parent / "data" / "io_domestic")
    trade_svc.load_dataset(s, "wheat", Path(__file__).parent / "data" / "fao", "fao", crops="wheat")
    from chokepoint.service import materials as materials_svc

    materials_svc.load_dataset(s, "rm", MATERIALS)
    from chokepoint.service.indicators import import_system
    from chokepoint.service.parks import load_region_values
    from chokepoint.service.regions import import_regions
    from regions_fixture import write_files

    files = write_files(path.parent / "regions")  # illustrative parks and systems
    import_regions(s, files["regions"])
    load_region_values(s, "parks", files["values"])
    import_system(s, files["hitech"], "admin")
    import_system(s, files["devzone"], "admin")
    _seed_network(s)
    s.close()
    return path, tokens


#: a city instance below the template's (zhejiang, CN-ZJ), with a bundle it signed
HANGZHOU_KEY = new_private_key()
HANGZHOU_BUNDLE = make_bundle(
    "hangzhou", "zhejiang", 1, "2026-12-01T00:00:00+00:00", "aggregate", "CN-ZJ-HZ",
    {"values": [{"data_set": "semi/monthly", "unit": "CN-ZJ-HZ", "enterprise": "", "period": "2026-01",
                 "indicator": "capacity_utilisation", "value": 0.8, "count": 1, "revision": 0}]},
    HANGZHOU_KEY,
)  # fmt: skip


def _seed_network(s: Store) -> None:
    """The template as the Zhejiang instance: a data set with one submitted report, a city
    instance below (hangzhou) and the national one above (unreachable), a Hangzhou officer's
    escalation of the alert to the province.
    """
    from chokepoint.service import escalations, exchange, reporting
    from chokepoint.service.monitoring import submit_observations

    exchange.init_instance(s, "zhejiang", "CN-ZJ")
    exchange.register_peer(s, "hangzhou", "sender", "CN-ZJ-HZ", public_key_of(HANGZHOU_KEY))
    exchange.register_peer(
        s, "national", "receiver", "CHN", public_key_of(new_private_key()), "http://127.0.0.1:9"
    )
    monthly = {"name": "monthly", "indicators": ["capacity_utilisation"], "enterprises": ["P115", "P123"]}
    reporting.put_data_set(s, "semi", monthly, "admin")
    row = {"indicator": "capacity_utilisation", "enterprise": "P123", "period": "2026-01", "value": 0.7}
    submit_observations(s, "semi", pd.DataFrame([row]), "other", as_of="2026-01")
    s.users.add("hz-officer", "officer", "hz-officer-pw")
    reporting.set_unit(s, "hz-officer", "CN-ZJ-HZ")
    escalations.escalate(s, "semi", 1, "hz-officer", "the province should coordinate")


@pytest.fixture
def client(template, tmp_path):
    path, tokens = template
    db = tmp_path / "api.db"
    copy_store(path, db)
    store = Store(db)
    c = TestClient(create_app(store))
    c.tokens = tokens  # type: ignore[attr-defined]
    c.store = store  # type: ignore[attr-defined]
    yield c
    store.close()


def _chain_json() -> bytes:
    import json

    from chokepoint.io.writers import chain_to_dict

    return json.dumps(chain_to_dict(load_semiconductors())).encode()


MATERIALS = Path(__file__).parent / "data" / "materials"


def _materials_files() -> list[tuple[str, tuple[str, bytes, str]]]:
    names = ["world_mining_data_production_2018_2024.csv.gz", "baci_hs92_raw_materials_2018_2024.parquet"]
    names += [
        "baci_country_codes_V202401b.csv",
        "commodity_hs_map.csv",
        "wgi_political_stability_estimate_1996_2024.csv",
    ]
    return [("files", (n, (MATERIALS / n).read_bytes(), "application/octet-stream")) for n in names]


# (method, path, keyword arguments of the request) for every route of the API
CASES = {
    ("POST", "/api/logout"): {},
    ("GET", "/api/me"): {},
    ("POST", "/api/tokens"): {},
    ("GET", "/api/tokens"): {},
    ("DELETE", "/api/tokens/{token_id}"): {"path": "/api/tokens/0123456789abcdef"},
    ("GET", "/api/projects"): {},
    ("GET", "/api/projects/{project}"): {"path": "/api/projects/semi"},
    ("POST", "/api/projects/{project}/import"): {
        "path": "/api/projects/copy/import",
        "files": {"file": ("chain.json", _chain_json(), "application/json")},
    },
    ("GET", "/api/projects/{project}/export"): {"path": "/api/projects/semi/export"},
    ("PATCH", "/api/projects/{project}"): {"path": "/api/projects/semi", "json": {"name": "semi2"}},
    ("DELETE", "/api/projects/{project}"): {"path": "/api/projects/semi"},
    ("GET", "/api/projects/{project}/nodes"): {"path": "/api/projects/semi/nodes?q=litho"},
    ("GET", "/api/projects/{project}/layout"): {"path": "/api/projects/semi/layout"},
    ("GET", "/api/template"): {"path": "/api/template"},
    ("GET", "/api/projects/{project}/snapshots/node/{node_id}"): {
        "path": "/api/projects/semi/snapshots/node/N20"
    },
    ("GET", "/api/projects/{project}/countries"): {"path": "/api/projects/semi/countries?lang=zh"},
    ("GET", "/api/projects/{project}/observations/template"): {
        "path": "/api/projects/semi/observations/template?period=2026-01"
    },
    ("GET", "/api/projects/{project}/nodes/{node_id}"): {"path": "/api/projects/semi/nodes/N20"},
    ("PATCH", "/api/projects/{project}/nodes/{node_id}"): {
        "path": "/api/projects/semi/nodes/N20",
        "json": {"threshold": 5},
    },
    ("GET", "/api/projects/{project}/actors"): {"path": "/api/projects/semi/actors?q=ASML"},
    ("GET", "/api/projects/{project}/actors/{actor_id}"): {"path": "/api/projects/semi/actors/P88"},
    ("GET", "/api/projects/{project}/perspective"): {"path": "/api/projects/semi/perspective"},
    ("PUT", "/api/projects/{project}/perspective"): {
        "path": "/api/projects/semi/perspective",
        "json": {"home": ["CHN"], "restricted": ["USA"]},
    },
    ("GET", "/api/projects/{project}/assessment"): {"path": "/api/projects/semi/assessment?top=3"},
    ("GET", "/api/projects/{project}/assessment/{node_id}"): {"path": "/api/projects/semi/assessment/N20"},
    ("POST", "/api/projects/{project}/scenarios/run"): {
        "path": "/api/projects/semi/scenarios/run",
        "json": {"shocks": [{"type": "blockade", "country": "NLD"}]},
    },
    ("POST", "/api/projects/{project}/scenarios/sweep"): {"path": "/api/projects/semi/scenarios/sweep"},
    ("POST", "/api/projects/{project}/scenarios/dynamics"): {
        "path": "/api/projects/semi/scenarios/dynamics?days=28&step=7&inventory=N19=14",
        "json": {"shocks": [{"type": "blockade", "country": "NLD", "duration": 14}]},
    },
    ("POST", "/api/projects/{project}/scenarios/montecarlo"): {
        "path": "/api/projects/semi/scenarios/montecarlo?runs=8&seed=1&days=28&step=7"
    },
    ("GET", "/api/jobs/{job_id}"): {"path": "/api/jobs/unknown"},
    ("GET", "/api/jobs/{job_id}/result"): {"path": "/api/jobs/unknown/result"},
    ("GET", "/api/projects/{project}/scenarios"): {"path": "/api/projects/semi/scenarios"},
    ("PUT", "/api/projects/{project}/scenarios/{name}"): {
        "path": "/api/projects/semi/scenarios/jpn",
        "json": {"shocks": [{"type": "blockade", "country": "JPN"}]},
    },
    ("GET", "/api/projects/{project}/scenarios/{name}"): {"path": "/api/projects/semi/scenarios/nld"},
    ("DELETE", "/api/projects/{project}/scenarios/{name}"): {"path": "/api/projects/semi/scenarios/nld"},
    ("GET", "/api/projects/{project}/lists"): {"path": "/api/projects/semi/lists"},
    ("GET", "/api/projects/{project}/tasks"): {"path": "/api/projects/semi/tasks"},
    ("POST", "/api/projects/{project}/lists"): {"path": "/api/projects/semi/lists"},
    ("GET", "/api/projects/{project}/tasks/{task_id}"): {"path": "TASK_GET"},
    ("GET", "/api/projects/{project}/lists/export"): {"path": "/api/projects/semi/lists/export?lang=zh"},
    ("GET", "/api/projects/{project}/report"): {"path": "/api/projects/semi/report?format=html&lang=en"},
    ("POST", "/api/projects/{project}/scenarios/report"): {
        "path": "/api/projects/semi/scenarios/report?format=html",
        "json": {"name": "nld", "shocks": [{"type": "blockade", "country": "NLD", "nodes": ["N20"]}]},
    },
    ("GET", "/api/projects/{project}/monitoring/brief"): {
        "path": "/api/projects/semi/monitoring/brief?format=html"
    },
    ("POST", "/api/projects/{project}/tasks/refresh"): {"path": "/api/projects/semi/tasks/refresh"},
    ("PATCH", "/api/projects/{project}/tasks/{task_id}"): {"path": "TASK", "json": {"status": "active"}},
    ("POST", "/api/projects/{project}/reports"): {
        "path": "/api/projects/semi/reports",
        "json": {"rows": [GOOD_ROW], "as_of": "2026-02"},
    },
    ("POST", "/api/projects/{project}/reports/upload"): {
        "path": "/api/projects/semi/reports/upload?as_of=2026-02",
        "files": {"file": ("r.csv", pd.DataFrame([GOOD_ROW]).to_csv(index=False).encode(), "text/csv")},
    },
    ("GET", "/api/projects/{project}/reports"): {"path": "/api/projects/semi/reports"},
    ("GET", "/api/projects/{project}/reports/history"): {"path": "/api/projects/semi/reports/history"},
    ("POST", "/api/projects/{project}/observations"): {
        "path": "/api/projects/semi/observations",
        "json": {"rows": [GOOD_ROW], "as_of": "2026-02"},
    },
    ("POST", "/api/projects/{project}/observations/upload"): {
        "path": "/api/projects/semi/observations/upload?as_of=2026-02",
        "files": {"file": ("r.csv", pd.DataFrame([GOOD_ROW]).to_csv(index=False).encode(), "text/csv")},
    },
    ("GET", "/api/projects/{project}/observations"): {"path": "/api/projects/semi/observations"},
    ("GET", "/api/projects/{project}/observations/history"): {
        "path": "/api/projects/semi/observations/history"
    },
    ("GET", "/api/projects/{project}/rules/history"): {"path": "/api/projects/semi/rules/history"},
    ("GET", "/api/indicators"): {},
    ("GET", "/api/projects/{project}/rules"): {"path": "/api/projects/semi/rules"},
    ("POST", "/api/projects/{project}/rules"): {
        "path": "/api/projects/semi/rules",
        "json": {"rules": [{"id": "p", "type": "rate", "indicator": "unit_price", "levels": {"II": 0.5}}]},
    },
    ("GET", "/api/projects/{project}/alerts"): {"path": "/api/projects/semi/alerts"},
    ("POST", "/api/projects/{project}/alerts/{alert_id}/ack"): {"path": "/api/projects/semi/alerts/1/ack"},
    ("POST", "/api/projects/{project}/alerts/{alert_id}/resolve"): {
        "path": "/api/projects/semi/alerts/1/resolve"
    },
    ("POST", "/api/projects/{project}/monitor/run"): {"path": "/api/projects/semi/monitor/run?as_of=2026-02"},
    ("GET", "/api/projects/{project}/snapshots"): {"path": "/api/projects/semi/snapshots"},
    ("GET", "/api/projects/{project}/snapshots/diff"): {"path": "/api/projects/semi/snapshots/diff?a=1&b=2"},
    ("GET", "/api/users"): {},
    ("POST", "/api/users"): {"json": {"name": "new", "role": "viewer", "password": "new-user-pw"}},
    ("PUT", "/api/users/{name}/password"): {
        "path": "/api/users/viewer/password",
        "json": {"password": "new-viewer-pw", "current_password": "viewer-pw"},
    },
    ("POST", "/api/users/{name}/disable"): {"path": "/api/users/other/disable"},
    ("POST", "/api/users/{name}/bindings"): {
        "path": "/api/users/other/bindings",
        "json": {"project": "semi", "actor": "P88"},
    },
    ("DELETE", "/api/users/{name}/bindings"): {"path": "/api/users/other/bindings?project=semi&actor=P123"},
    ("GET", "/api/audit"): {},
    ("GET", "/api/projects/{project}/challenges"): {"path": "/api/projects/semi/challenges"},
    ("POST", "/api/projects/{project}/challenges"): {
        "path": "/api/projects/semi/challenges",
        "json": {"title": "高端光刻胶", "nodes": ["N44"], "deadline": "2027-06-30", "owner": "P115"},
    },
    ("GET", "/api/projects/{project}/ledger"): {"path": "/api/projects/semi/ledger?kind=bid"},
    ("POST", "/api/projects/{project}/tasks/{task_id}/consortium"): {"path": "CONSORTIUM", "json": {}},
    ("GET", "/api/projects/{project}/tasks/{task_id}/consortium"): {"path": "CONSORTIUM"},
    ("GET", "/api/projects/{project}/tasks/{task_id}/roadmap"): {"path": "ROADMAP"},
    ("GET", "/api/projects/{project}/nodes/{node_id}/progress"): {
        "path": "/api/projects/semi/nodes/N45/progress"
    },
    ("POST", "/api/projects/{project}/tasks/{task_id}/roadmap"): {
        "path": "ROADMAP",
        "json": {"kind": "prototype", "title": "样机", "target": "2027-06"},
    },
    ("POST", "/api/projects/{project}/tasks/{task_id}/roadmap/{milestone_id}"): {
        "path": "ROADMAP/M99",  # no such milestone: every role's check runs first
        "json": {"status": "in_progress"},
    },
    ("GET", "/api/projects/{project}/ledger/verify"): {"path": "/api/projects/semi/ledger/verify"},
    ("POST", "/api/projects/{project}/challenges/{challenge}/{action}"): {
        "path": "/api/projects/semi/challenges/C9999/close",  # no such challenge: every role's check runs first
        "json": {"note": "done"},
    },
    ("GET", "/api/projects/{project}/challenges/{challenge}"): {
        "path": "/api/projects/semi/challenges/C0001"
    },
    ("GET", "/api/projects/{project}/challenges/{challenge}/matches"): {
        "path": "/api/projects/semi/challenges/C0001/matches?top=5"
    },
    ("POST", "/api/projects/{project}/challenges/{challenge}/bids"): {
        "path": "/api/projects/semi/challenges/C0001/bids",
        "json": {"actor": "P115", "note": "light source module"},
    },
    ("GET", "/api/projects/{project}/profiles"): {"path": "/api/projects/semi/profiles"},
    ("POST", "/api/projects/{project}/profiles"): {
        "path": "/api/projects/semi/profiles",
        "files": {"file": ("p.csv", "actor,keywords,nodes\nP70,光刻;lithography,N19\n".encode(), "text/csv")},
    },
    ("GET", "/api/macro/datasets"): {},
    ("POST", "/api/macro/datasets/{dataset}"): {"path": "/api/macro/datasets/mrio2?test=true"},
    ("PATCH", "/api/macro/datasets/{dataset}"): {"path": "/api/macro/datasets/mrio", "json": {"name": "m2"}},
    ("DELETE", "/api/macro/datasets/{dataset}"): {"path": "/api/macro/datasets/mrio"},
    ("GET", "/api/macro/datasets/{dataset}/linkages"): {"path": "/api/macro/datasets/mrio/linkages?top=5"},
    ("GET", "/api/macro/datasets/{dataset}/imports"): {"path": "/api/macro/datasets/dom/imports"},
    ("GET", "/api/macro/datasets/{dataset}/extraction"): {
        "path": "/api/macro/datasets/mrio/extraction?by=region"
    },
    ("POST", "/api/macro/datasets/{dataset}/shock"): {
        "path": "/api/macro/datasets/mrio/shock",
        "json": {"demand": {"reg1/food": 0.1}, "caps": {"reg2/mining": 0.5}},
    },
    ("GET", "/api/materials/datasets"): {},
    ("POST", "/api/materials/datasets/{dataset}"): {
        "path": "/api/materials/datasets/rm2",
        "files": _materials_files(),
    },
    ("DELETE", "/api/materials/datasets/{dataset}"): {"path": "/api/materials/datasets/rm"},
    ("POST", "/api/materials/stages"): {
        "path": "/api/materials/stages?year=2021&home=CHN",
        "files": {
            "file": (
                "bgs.csv.gz",
                (MATERIALS / "bgs_staged_2015_2021.csv.gz").read_bytes(),
                "application/gzip",
            )
        },
    },
    ("GET", "/api/materials/datasets/{dataset}/risk"): {
        "path": "/api/materials/datasets/rm/risk?home=EU27&year=2022&method=eu&top=5"
    },
    ("GET", "/api/materials/datasets/{dataset}/leverage"): {
        "path": "/api/materials/datasets/rm/leverage?home=CHN&year=2022&top=5"
    },
    ("POST", "/api/materials/datasets/{dataset}/chain"): {
        "path": "/api/materials/datasets/rm/chain?project=rawmat&home=CHN&year=2022"
    },
    ("GET", "/api/trade/datasets"): {},
    ("POST", "/api/trade/datasets/{dataset}"): {
        "path": "/api/trade/datasets/ct?layout=comtrade",
        "files": {
            "file": (
                "ct.csv",
                b"year,reporterISO,partnerISO,cmdCode,flowCode,primaryValue,qty\n2021,EGY,RUS,1001,M,9.5,3\n",
                "text/csv",
            )
        },
    },
    ("DELETE", "/api/trade/datasets/{dataset}"): {"path": "/api/trade/datasets/wheat"},
    ("GET", "/api/trade/datasets/{dataset}/dependencies"): {
        "path": "/api/trade/datasets/wheat/dependencies?home=EGY&restricted=RUS"
    },
    ("GET", "/api/trade/datasets/{dataset}/screen"): {"path": "/api/trade/datasets/wheat/screen?bloc=EGY"},
    ("GET", "/api/trade/datasets/{dataset}/embargo"): {
        "path": "/api/trade/datasets/wheat/embargo?product=1001&year=2021&exporters=RUS,UKR"
    },
    ("GET", "/api/projects/{project}/experts/template"): {
        "path": "/api/projects/semi/experts/template?lang=en"
    },
    ("POST", "/api/projects/{project}/experts"): {
        "path": "/api/projects/semi/experts",
        "files": [
            ("files", ("a.csv", b"node,expert,organization,gap,gap_years\nN20,Zhang,CAS,4,10\n", "text/csv")),
            ("files", ("b.csv", b"node,expert,gap,threshold\nN20,Li,5,5\nN44,Li,2,\n", "text/csv")),
        ],
    },
    ("GET", "/api/projects/{project}/experts"): {"path": "/api/projects/semi/experts"},
    ("GET", "/api/projects/{project}/experts/summary"): {"path": "/api/projects/semi/experts/summary"},
}
CASES.update(
    {
        ("GET", "/api/regions"): {},
        ("POST", "/api/regions"): {
            "files": {"file": ("r.csv", b"code,name,level,parent\nCN-ZJ-WZ,Wenzhou,city,CN-ZJ\n", "text/csv")}
        },
        ("GET", "/api/regions/{code}"): {"path": "/api/regions/CN-ZJ-HZ-HT1?lang=zh"},
        ("GET", "/api/regions/{code}/leading"): {"path": "/api/regions/CN-SH/leading?project=semi"},
        ("GET", "/api/projects/{project}/regions/{code}"): {"path": "/api/projects/semi/regions/CN-SH"},
        ("POST", "/api/projects/{project}/locations"): {
            "path": "/api/projects/semi/locations",
            "files": {"file": ("l.csv", b"actor,location\nP123,CN-SH\n", "text/csv")},
        },
        ("POST", "/api/region-values/{dataset}"): {
            "path": "/api/region-values/v2",
            "files": {"file": ("v.csv", b"region,indicator,value\nCN-ZJ,gdp,8.2\n", "text/csv")},
        },
        ("GET", "/api/parks/evaluation"): {"path": "/api/parks/evaluation?dataset=parks&lang=zh"},
        ("GET", "/api/indicator-systems"): {},
        ("GET", "/api/indicator-systems/{name}"): {"path": "/api/indicator-systems/hitech"},
        ("GET", "/api/indicator-systems/{name}/workbook"): {
            "path": "/api/indicator-systems/devzone/workbook"
        },
        ("POST", "/api/indicator-systems"): {
            "files": {
                "file": ("s.xlsx", (Path(__file__).parent / "data" / "devzone.xlsx").read_bytes(), XLSX)
            }
        },
        ("POST", "/api/weights/ahp"): {"json": {"labels": ["a", "b"], "matrix": [[1, 2], [0.5, 1]]}},
        ("PUT", "/api/users/{name}/unit"): {"path": "/api/users/viewer/unit", "json": {"unit": "CN-ZJ"}},
        ("GET", "/api/units"): {},
        ("GET", "/api/projects/{project}/data-sets"): {"path": "/api/projects/semi/data-sets"},
        ("PUT", "/api/projects/{project}/data-sets/{name}"): {
            "path": "/api/projects/semi/data-sets/backlog",
            "json": {"indicators": ["order_backlog_months"], "enterprises": ["P115"], "title_zh": "订单"},
        },
        ("DELETE", "/api/projects/{project}/data-sets/{name}"): {
            "path": "/api/projects/semi/data-sets/monthly"
        },
        ("GET", "/api/projects/{project}/data-sets/{name}/rates"): {
            "path": "/api/projects/semi/data-sets/monthly/rates"
        },
        ("GET", "/api/projects/{project}/data-sets/{name}/late"): {
            "path": "/api/projects/semi/data-sets/monthly/late?period=2026-01"
        },
        ("POST", "/api/projects/{project}/data-sets/{name}/reminders"): {
            "path": "/api/projects/semi/data-sets/monthly/reminders?period=2026-01"
        },
        ("GET", "/api/projects/{project}/review-queue"): {"path": "/api/projects/semi/review-queue"},
        ("POST", "/api/projects/{project}/data-sets/{name}/reviews"): {
            "path": "/api/projects/semi/data-sets/monthly/reviews",
            "json": {"action": "approve", "reports": [{"enterprise": "P123", "period": "2026-01"}]},
        },
        ("GET", "/api/projects/{project}/data-reports"): {"path": "/api/projects/semi/data-reports"},
        ("GET", "/api/notifications"): {},
        ("POST", "/api/notifications/read"): {"json": {}},
        ("GET", "/api/network"): {},
        ("POST", "/api/network/bundles"): {"json": HANGZHOU_BUNDLE},
        ("POST", "/api/network/prepare"): {},
        ("POST", "/api/network/push"): {},
        ("GET", "/api/network/totals"): {},
        ("GET", "/api/network/rates"): {},
        ("GET", "/api/network/alerts"): {},
        ("GET", "/api/network/conflicts"): {},
        ("GET", "/api/network/chokepoints"): {},
        ("GET", "/api/escalations"): {},
        ("POST", "/api/projects/{project}/alerts/{alert_id}/escalate"): {
            "path": "/api/projects/semi/alerts/1/escalate",
            "json": {"reason": "两省共同依赖的供应商断供风险"},
        },
        ("POST", "/api/escalations/{escalation_id}/decision"): {
            "path": "/api/escalations/1/decision",
            "json": {"decision": "convene the chain's joint task force", "why": "two parks depend on it"},
        },
    }
)
PUBLIC = {("POST", "/api/login")}
# routes whose result for an allowed role is a 404 by construction of the case (unknown job)
NOT_FOUND_OK = {
    ("GET", "/api/jobs/{job_id}"),
    ("GET", "/api/jobs/{job_id}/result"),
    ("DELETE", "/api/tokens/{token_id}"),
    ("POST", "/api/projects/{project}/challenges/{challenge}/{action}"),
    ("GET", "/api/projects/{project}/tasks/{task_id}/consortium"),  # none saved
    ("POST", "/api/projects/{project}/tasks/{task_id}/roadmap/{milestone_id}"),
}


def _routes():
    from chokepoint.api.routes import ROUTERS

    out = {}
    for r in [route for router in ROUTERS for route in router.routes]:
        assert isinstance(r, APIRoute)
        roles = None
        for dep in r.dependant.dependencies:
            roles = getattr(dep.call, "roles", roles)
        for m in r.methods:
            out[(m, "/api" + r.path)] = roles
    return out


ROUTES = _routes()


def test_every_route_has_a_case_and_declares_roles():
    assert set(ROUTES) == set(CASES) | PUBLIC
    for key, roles in ROUTES.items():
        if key not in PUBLIC:
            assert roles, f"{key} declares no roles"


def _request(client, key, role):
    method, template_path = key
    kw = dict(CASES[key])
    path = kw.pop("path", template_path)
    if path in ("TASK", "TASK_GET"):
        path = f"/api/projects/semi/tasks/{client.store.tasks.list('semi')[0]['task_id']}"
    if path.startswith("ROADMAP"):
        task = client.store.tasks.list("semi")[0]["task_id"]
        path = path.replace("ROADMAP", f"/api/projects/semi/tasks/{task}/roadmap")
    if path == "CONSORTIUM":
        path = f"/api/projects/semi/tasks/{client.store.tasks.list('semi')[0]['task_id']}/consortium"
    headers = {"authorization": f"Bearer {client.tokens[role]}"} if role else {}
    return client.request(method, path, headers=headers, **kw)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", sorted(CASES), ids=lambda k: f"{k[0]} {k[1]}")
def test_route_for_role(client, key, role):
    r = _request(client, key, role)
    allowed = ROUTES[key]
    if key == ("PUT", "/api/users/{name}/password") and role not in ("admin", "viewer"):
        allowed = ()  # the case changes user 'viewer': only admins and 'viewer' itself may
    if role in allowed:
        expected_ok = r.status_code < 400 or (key in NOT_FOUND_OK and r.status_code == 404)
        assert expected_ok, (r.status_code, r.text[:300])
    else:
        assert r.status_code == 403, (r.status_code, r.text[:300])
        assert r.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("key", sorted(CASES), ids=lambda k: f"{k[0]} {k[1]}")
def test_route_needs_login(client, key):
    r = _request(client, key, None)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"


def test_error_shape_is_one_for_every_error(client):
    admin = {"authorization": f"Bearer {client.tokens['admin']}"}
    responses = [
        client.get("/api/me"),  # 401
        client.get("/api/users", headers={"authorization": f"Bearer {client.tokens['viewer']}"}),  # 403
        client.get("/api/projects/nope", headers=admin),  # domain 404
        client.put("/api/projects/semi/perspective", headers=admin, json={"home": []}),  # request 422
        client.post("/api/projects/semi/reports", headers=admin, json={"rows": [{**GOOD_ROW, "value": -1}]}),
    ]
    for r in responses:
        body = r.json()
        assert set(body) == {"error"}
        assert set(body["error"]) == {"status", "code", "message", "details"}
        assert body["error"]["status"] == r.status_code
    problems = responses[-1].json()["error"]["details"]["problems"]
    assert problems[0]["row"] == 1
    assert problems[0]["column"] == "value"
    assert problems[0]["code"] == "out_of_range"


def test_the_nul_character_is_refused_in_bodies_paths_and_queries(client):
    # PostgreSQL's text cannot hold NUL: schemathesis once got a 500 renaming a dataset to "\u0000"
    admin = {"authorization": f"Bearer {client.tokens['admin']}"}
    refused = [
        client.patch("/api/macro/datasets/demo", headers=admin, json={"name": "a\u0000b"}),
        client.patch("/api/projects/semi", headers=admin, json={"name": "\u0000"}),
        client.post(
            "/api/projects/semi/reports", headers=admin, json={"rows": [{**GOOD_ROW, "entity": "x\u0000"}]}
        ),
        client.put("/api/projects/semi/perspective", headers=admin, json={"home": ["CHN\u0000"]}),
        client.get("/api/projects/semi%00/nodes", headers=admin),
        client.get("/api/projects/semi/nodes?q=litho%00", headers=admin),
    ]
    for r in refused:
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == "invalid_request"
        assert "NUL" in r.text
    assert "'rows.0.entity'" in refused[2].text  # the field is named
    assert client.get("/api/projects/semi", headers=admin).status_code == 200  # nothing renamed


def test_reporter_is_isolated_and_errors_leak_nothing(client):
    me = {"authorization": f"Bearer {client.tokens['reporter']}"}
    seen = client.get("/api/projects/semi/reports", headers=me).json()
    assert seen == []  # only the other reporter has reported so far: nothing visible
    r = client.post(
        "/api/projects/semi/reports",
        headers=me,
        json={"rows": [{**GOOD_ROW, "enterprise": "P123"}], "as_of": "2026-02"},
    )
    assert r.status_code == 422
    text = r.text
    assert "not bound" in text
    assert "17.25" not in text
    assert "other" not in text
    ok = client.post("/api/projects/semi/reports", headers=me, json={"rows": [GOOD_ROW], "as_of": "2026-02"})
    assert ok.status_code == 200
    rows = client.get("/api/projects/semi/reports", headers=me).json()
    assert {r["entity"] for r in rows} == {"N44|P115"}
    admin = {"authorization": f"Bearer {client.tokens['admin']}"}
    assert {r["entity"] for r in client.get("/api/projects/semi/reports", headers=admin).json()} == {
        "N44|P115",
        "N44|P123",
        "P123",  # the data set's capacity utilisation (see _seed_network)
    }


def test_alerts_name_entities_periods_and_units(client):
    officer = {"authorization": f"Bearer {client.tokens['officer']}"}
    (alert,) = client.get("/api/projects/semi/alerts", headers=officer).json()
    assert alert["entity"] == "N44|P123"
    assert alert["values"] == {"value": 17.25, "period": "2026-01"}
    assert alert["entity_name"] == "AMEC for Tube-based diffusion and deposition tools"
    assert alert["entity_name_zh"] == "中微公司供应的管式扩散及沉积设备（炉管）"
    assert alert["message_en"].startswith(
        "Inventory days of AMEC (P123) for Tube-based diffusion and deposition tools (N44) is 17.25 days, "
        "reported for 2026-01"
    )
    assert "库存天数为17.25天（2026-01报告期）" in alert["message_zh"]
    assert "days" not in alert["message_zh"]


def test_login_cookie_session_and_logout(client):
    r = client.post("/api/login", json={"username": "analyst", "password": "analyst-pw"})
    assert r.status_code == 200
    assert r.json()["role"] == "analyst"
    assert client.get("/api/me").json() == {"name": "analyst", "role": "analyst"}  # the cookie
    client.post("/api/logout", headers={"x-csrf-token": client.cookies["chokepoint_csrf"]})
    assert client.get("/api/me").status_code == 401
    bad = client.post("/api/login", json={"username": "analyst", "password": "wrong"})
    assert bad.status_code == 401
    assert "password" in bad.json()["error"]["message"]


def test_audit_log_records_writes_with_before_and_after(client):
    admin = {"authorization": f"Bearer {client.tokens['admin']}"}
    client.patch("/api/projects/semi", headers=admin, json={"name": "chips"})
    entries = client.get("/api/audit", headers=admin).json()
    last = entries[0]
    assert last["user"] == "admin"
    assert last["method"] == "PATCH"
    assert last["action"] == "rename project"
    assert last["before"] == {"project": "semi"}
    assert last["after"] == {"project": "chips"}


def test_sweep_runs_as_a_background_job(client):
    h = {"authorization": f"Bearer {client.tokens['analyst']}"}
    job = client.post("/api/projects/semi/scenarios/sweep?by=country", headers=h).json()
    for _ in range(100):
        status = client.get(job["status_url"], headers=h).json()
        if status["status"] == "done":
            break
        time.sleep(0.05)
    assert status["status"] == "done"
    assert status["done"] == status["total"]
    result = client.get(status["result_url"], headers=h).json()
    assert result["ranking"][0]["country"] in {"USA", "DEU", "NLD", "SGP", "JPN"}
    other = {"authorization": f"Bearer {client.tokens['viewer']}"}
    assert client.get(job["status_url"], headers=other).status_code == 404  # jobs are private


def test_first_start_creates_an_admin(tmp_path, monkeypatch):
    store = Store(tmp_path / "empty.db")
    monkeypatch.delenv("CHOKEPOINT_ADMIN_PASSWORD", raising=False)
    password = ensure_admin(store)
    assert password
    assert store.users.verify_password("admin", password)
    assert ensure_admin(store) is None  # only on an empty store
    other = Store(tmp_path / "empty2.db")
    monkeypatch.setenv("CHOKEPOINT_ADMIN_PASSWORD", "from-env")
    assert ensure_admin(other) is None
    assert other.users.verify_password("admin", "from-env")


def test_export_xlsx_and_import_round_trip(client):
    h = {"authorization": f"Bearer {client.tokens['analyst']}"}
    r = client.get("/api/projects/semi/export?format=xlsx", headers=h)
    assert r.status_code == 200
    assert r.headers["content-type"] == XLSX
    up = client.post(
        "/api/projects/copy/import", headers=h, files={"file": ("c.xlsx", io.BytesIO(r.content), XLSX)}
    )
    assert up.status_code == 200, up.text
    assert client.store.chains.load("copy").equals(client.store.chains.load("semi"))


def test_challenge_workflow_publish_match_bid(client):
    officer = {"authorization": f"Bearer {client.tokens['officer']}"}
    viewer = {"authorization": f"Bearer {client.tokens['viewer']}"}
    new = client.post(
        "/api/projects/semi/challenges",
        headers=officer,
        json={"title": "EUV光源", "description": "极紫外光刻光源", "nodes": ["N20"], "owner": "SMEE"},
    )
    assert new.status_code == 201
    assert new.json()["id"] == "C0002"
    assert new.json()["status"] == "published"
    ranked = client.get("/api/projects/semi/challenges/C0002/matches?top=5", headers=viewer).json()
    assert ranked["total"] > 5
    assert len(ranked["candidates"]) == 5
    assert ranked["perspective"]["home"] == ["CHN"]
    first = ranked["candidates"][0]
    assert first["standing"] == "home"
    assert first["restricted"] is False
    assert first["country"] == "CHN"
    assert not any(c["restricted"] for c in ranked["candidates"])  # left out by default
    everyone = client.get("/api/projects/semi/challenges/C0002/matches?top=500", headers=viewer).json()
    names = {c["name"] for c in everyone["candidates"]}
    assert "SMEE" not in names
    assert "Various companies" not in names
    flagged = client.get(
        "/api/projects/semi/challenges/C0002/matches?include_restricted=true&top=500", headers=viewer
    ).json()["candidates"]
    asml = next(c for c in flagged if c["name"] == "ASML")
    assert asml["restricted"] is True
    assert asml["standing"] == "restricted"
    assert "provides N20 (EUV lithography tools)" in asml["explanation"]
    marks = [c["restricted"] for c in flagged]
    assert marks == sorted(marks)  # restricted ones after every other one
    zh = client.get(
        "/api/projects/semi/challenges/C0002/matches?lang=zh&semantic=lsa", headers=viewer
    ).json()["candidates"]
    assert zh
    assert not any(c["restricted"] for c in zh)
    assert all(0 <= c["semantic"] <= 1 for c in zh)
    assert not any("matched terms" in c["explanation"] for c in zh)
    assert any("匹配词" in c["explanation"] for c in zh)
    other = client.get(
        "/api/projects/semi/challenges/C0002/matches?home=DEU&restricted=CHN&top=500", headers=viewer
    ).json()
    assert other["perspective"]["home"] == ["DEU"]
    assert "CHN" not in {c["country"] for c in other["candidates"]}
    assert (
        client.get("/api/projects/semi/challenges/C0002/matches?lang=fr", headers=viewer).status_code == 422
    )
    assert (
        client.post(
            "/api/projects/semi/challenges/C0002/bids", headers=officer, json={"actor": "P115"}
        ).status_code
        == 201
    )
    shown = client.get("/api/projects/semi/challenges/C0002", headers=viewer).json()
    assert [{k: b[k] for k in ("challenge", "actor", "note", "by")} for b in shown["bids"]] == [
        {"challenge": "C0002", "actor": "P115", "note": "", "by": "officer"}
    ]
    assert shown["bids"][0]["at"].startswith("20")  # when, to the second
    bad = client.post(
        "/api/projects/semi/challenges", headers=officer, json={"title": "x", "nodes": ["N999"]}
    )
    assert bad.status_code in (400, 422)
    assert "N999" in bad.json()["error"]["message"]
    missing = client.get("/api/projects/semi/challenges/C0999", headers=viewer)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    nobody = client.post(
        "/api/projects/semi/challenges/C0002/bids", headers=officer, json={"actor": "P99999"}
    )
    assert nobody.status_code in (400, 422)
    assert "P99999" in nobody.json()["error"]["message"]


def test_a_domestic_bea_dataset_uploads_with_its_import_matrix(client):
    bea = Path(__file__).parent / "data" / "bea"
    h = {"authorization": f"Bearer {client.tokens['analyst']}"}
    files = {
        "file": (
            "use.xlsx",
            (bea / "IOUse_Before_Redefinitions_PRO_1997-2015_Summary.xlsx").read_bytes(),
            XLSX,
        ),
        "imports": (
            "imports.xlsx",
            (bea / "ImportMatrices_Before_Redefinitions_SUM_1997-2016.xlsx").read_bytes(),
            XLSX,
        ),
    }
    r = client.post("/api/macro/datasets/usd?year=2015", headers=h, files=files)
    assert r.status_code == 200, r.text
    assert r.json()["domestic"] is True
    rows = client.get("/api/macro/datasets/usd/imports?top=3", headers=h).json()
    assert len(rows) == 3
    assert rows[0]["total_import_content"] >= rows[2]["total_import_content"]
    bad = client.get("/api/macro/datasets/mrio/imports", headers=h)
    assert bad.status_code == 422
    assert "--imports" in bad.json()["error"]["message"]


def test_cached_reads_follow_every_write_that_changes_them(client):
    """Read routes send cached JSON; a node edit, an expert score import and a perspective query
    each give a fresh body, and a cached body equals the one built from scratch."""
    h = {"authorization": f"Bearer {client.tokens['analyst']}"}
    record = "/api/projects/semi/assessment/N20"
    first = client.get(record, headers=h)
    assert first.status_code == 200
    assert first.headers["content-type"] == "application/json"
    assert client.get(record, headers=h).content == first.content  # served from the cache
    other_view = client.get(record + "?home=USA&restricted=CHN", headers=h).json()
    assert other_view != first.json()
    # an expert's score changes the record without changing the chain's version
    files = [("files", ("a.csv", b"node,expert,organization,gap,gap_years\nN20,Zhang,CAS,1,1\n", "text/csv"))]
    assert client.post("/api/projects/semi/experts", files=files, headers=h).status_code == 200
    after_experts = client.get(record, headers=h).json()
    assert after_experts != first.json()
    # an edit changes the node, its search and its assessment
    assert client.get("/api/projects/semi/nodes?q=zz-renamed", headers=h).json() == []
    edit = {"name": "ZZ-renamed lithography", "threshold": 1}
    assert client.patch("/api/projects/semi/nodes/N20", json=edit, headers=h).status_code == 200
    found = client.get("/api/projects/semi/nodes?q=zz-renamed", headers=h).json()
    assert [n["id"] for n in found] == ["N20"]
    assert client.get("/api/projects/semi/nodes/N20", headers=h).json()["node"]["threshold"] == 1
    fresh = client.get(record, headers=h).json()
    assert fresh["name"] == "ZZ-renamed lithography"
    assert fresh != after_experts
    # the cached bytes are what an app with an empty cache builds
    rebuilt = TestClient(create_app(client.store)).get(record, headers=h)
    assert rebuilt.content == client.get(record, headers=h).content
    # a new stored default perspective changes the (cached) perspective of a plain read
    put = client.put(
        "/api/projects/semi/perspective", json={"home": ["USA"], "restricted": ["CHN"]}, headers=h
    )
    assert put.status_code == 200
    as_usa = client.get(record, headers=h).json()
    assert as_usa == client.get(record + "?home=USA&restricted=CHN", headers=h).json()
    assert as_usa != fresh


def test_layout_countries_and_template_documents(client):
    viewer = {"authorization": f"Bearer {client.tokens['viewer']}"}
    doc = client.get("/api/projects/semi/layout", headers=viewer).json()
    assert len(doc["nodes"]) == 126  # every node but the three stages
    assert [lane["stage"] for lane in doc["lanes"]][:3] == ["S1", "S2", "S3"]
    euv = next(n for n in doc["nodes"] if n["id"] == "N20")
    assert euv["countries"] == ["NLD"]  # ASML only
    assert euv["name_zh"] == "EUV光刻机"
    assert {e["kind"] for e in doc["edges"]} == {"input_of", "type_of"}
    names = client.get("/api/projects/semi/countries?lang=zh", headers=viewer).json()
    assert names["NLD"] == "荷兰"
    assert names["USA"] == "美国"
    reporter = {"authorization": f"Bearer {client.tokens['reporter']}"}
    r = client.get("/api/projects/semi/observations/template?period=2026-01", headers=reporter)
    assert r.status_code == 200
    assert r.content[:2] == b"PK"
    assert "report-template.xlsx" in r.headers["content-disposition"]
    bad = client.get("/api/projects/semi/observations/template?period=2026-13", headers=reporter)
    assert bad.status_code == 422
    blank = client.get("/api/template", headers=viewer)
    assert blank.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    sheets = load_workbook(BytesIO(blank.content)).sheetnames
    assert {"nodes", "edges", "actors", "provisions"} <= set(sheets)


def test_reports_are_attachments_in_the_asked_format(client):
    """The monitoring brief as PDF (Chinese by default: the stored home economy is CHN) and a
    scenario's report as HTML: attachments with their media types, the same documents the CLI
    writes."""
    pytest.importorskip("weasyprint")
    viewer = {"authorization": f"Bearer {client.tokens['viewer']}"}
    r = client.get("/api/projects/semi/monitoring/brief", headers=viewer)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == 'attachment; filename="semi-brief-zh.pdf"'
    assert r.content.startswith(b"%PDF")
    body = {"name": "nld", "shocks": [{"type": "blockade", "country": "NLD"}]}
    r = client.post("/api/projects/semi/scenarios/report?format=html&lang=zh", headers=viewer, json=body)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("text/html")
    assert "断链模拟报告" in r.text
    assert "荷兰（NLD）断供100%" in r.text
    bad = client.post("/api/projects/semi/scenarios/report?format=docx", headers=viewer, json=body)
    assert bad.status_code == 422
