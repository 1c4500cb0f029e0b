"""Parity cases: users, reported values (observations, alias reports), rules, alerts, snapshots.

The setup adds a reporter bound to NAURA (P115), reports inventory days of NAURA's tube-based
diffusion tools (N44) for three months and revises one (so the history has an old value), imports
two rules, and runs the monitor twice: first under another perspective, then under the stored one
(restored), so that snapshots 1 and 2 differ and the alerts were opened and updated.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from chokepoint.service import monitoring, users
from parity import Case

RULES = {
    "rules": [
        {
            "id": "low-inventory",
            "type": "threshold",
            "indicator": "inventory_days",
            "levels": {"I": 7, "II": 15, "III": 30},
        },
        {"id": "level-rise", "type": "assessment", "change": "level_rise"},
    ]
}


def _inventory(values: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"indicator": "inventory_days", "node": "N44", "enterprise": "P115", "period": p, "value": v}
            for p, v in values.items()
        ]
    )


def setup(env: dict[str, Any]) -> None:
    store = env["store"]
    users.add_user(store, "naura", "reporter", "naura-pw")
    users.bind(store, "naura", "semi", "P115")
    monitoring.submit_observations(
        store, "semi", _inventory({"2026-01": 40, "2026-02": 30, "2026-03": 12}), "naura", as_of="2026-03"
    )
    monitoring.submit_observations(store, "semi", _inventory({"2026-03": 10}), "naura", as_of="2026-03")
    monitoring.import_rules(store, "semi", RULES, "admin", "rules.yaml")
    stored = store.projects.get_perspective("semi")
    store.projects.set_perspective("semi", {"home": ["CHN"], "restricted": ["USA"]})
    monitoring.monitor_run(store, "semi", "2026-02")
    store.projects.set_perspective("semi", stored)
    monitoring.monitor_run(store, "semi", "2026-03")


OBS = "/api/projects/semi/observations"
REPORTS = "/api/projects/semi/reports"  # the deprecated alias
AS_ADMIN = ["-p", "semi", "--as", "admin"]

CASES = [
    Case("users list", ["users", "list"], "GET", "/api/users"),
    Case("report-data list", ["report-data", "list", *AS_ADMIN], "GET", OBS),
    Case("report-data list (alias /reports)", ["report-data", "list", *AS_ADMIN], "GET", REPORTS),
    Case(
        "report-data list one indicator",
        ["report-data", "list", *AS_ADMIN, "--indicator", "inventory_days"],
        "GET",
        OBS,
        params={"indicator": "inventory_days"},
    ),
    Case("report-data history", ["report-data", "history", *AS_ADMIN], "GET", OBS + "/history"),
    Case(
        "report-data history (alias /reports)",
        ["report-data", "history", *AS_ADMIN],
        "GET",
        REPORTS + "/history",
    ),
    Case("rules list", ["rules", "list", "-p", "semi"], "GET", "/api/projects/semi/rules"),
    Case("rules history", ["rules", "history", "-p", "semi"], "GET", "/api/projects/semi/rules/history"),
    Case("alerts list", ["alerts", "list", "-p", "semi"], "GET", "/api/projects/semi/alerts"),
    Case(
        "alerts list zh",
        ["alerts", "list", "-p", "semi", "--lang", "zh"],
        "GET",
        "/api/projects/semi/alerts",
        params={"lang": "zh"},
    ),
    Case(
        "alerts list open level II",
        ["alerts", "list", "-p", "semi", "--status", "open", "--level", "II"],
        "GET",
        "/api/projects/semi/alerts",
        params={"status": "open", "level": "II"},
    ),
    Case("monitor list", ["monitor", "list", "-p", "semi"], "GET", "/api/projects/semi/snapshots"),
    Case(
        "monitor diff",
        ["monitor", "diff", "-p", "semi", "1", "2"],
        "GET",
        "/api/projects/semi/snapshots/diff",
        params={"a": 1, "b": 2},
    ),
]
