"""Parity cases: projects, assessment (with the perspective rule), lists and tasks."""

from __future__ import annotations

from typing import Any

from parity import Case


def _drop_dates(rows: Any) -> Any:
    if isinstance(rows, list):
        return [{k: v for k, v in r.items() if k not in ("created_at", "updated_at")} for r in rows]
    return rows


CASES = [
    Case("info", ["info", "-p", "semi"], "GET", "/api/projects/semi"),
    Case("projects", ["projects", "list"], "GET", "/api/projects"),
    Case("perspective", ["perspective", "show", "-p", "semi"], "GET", "/api/projects/semi/perspective"),
    Case("assess stored perspective", ["assess", "-p", "semi"], "GET", "/api/projects/semi/assessment"),
    Case(
        "assess top zh",
        ["assess", "-p", "semi", "--top", "5", "--lang", "zh"],
        "GET",
        "/api/projects/semi/assessment",
        params={"top": 5, "lang": "zh"},
    ),
    # the drift of issue 16: restricted= alone keeps the stored country risk and allied countries,
    # home= alone keeps the stored restricted and allied countries and the year
    Case(
        "assess restricted override",
        ["assess", "-p", "semi", "--restricted", "USA,NLD"],
        "GET",
        "/api/projects/semi/assessment",
        params={"restricted": "USA,NLD"},
    ),
    Case(
        "assess home override",
        ["assess", "-p", "semi", "--home", "CHN", "--year", "2021"],
        "GET",
        "/api/projects/semi/assessment",
        params={"home": "CHN", "year": 2021},
    ),
    Case(
        "lists zh (read only)",
        ["lists", "-p", "semi", "--lang", "zh", "--no-save-tasks"],
        "GET",
        "/api/projects/semi/lists",
        params={"lang": "zh"},
    ),
    Case("lists (saving tasks)", ["lists", "-p", "semi"], "POST", "/api/projects/semi/lists"),
    Case("tasks", ["tasks", "list", "-p", "semi"], "GET", "/api/projects/semi/tasks", normalize=_drop_dates),
    Case("indicators", ["indicators"], "GET", "/api/indicators", db_flag=False),
]
