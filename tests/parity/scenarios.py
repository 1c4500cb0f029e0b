"""Parity cases: scenario runs (saved scenarios, Chinese, the scenario's own perspective), runs over time.

Sweeps and Monte Carlo answer with a job (202, then polling), which the one-request harness
cannot follow: ``tests/test_scenario_service.py`` starts those jobs, polls them to done and
compares their results with the CLI's JSON.
"""

from __future__ import annotations

from typing import Any

from parity import Case

NLD = {
    "name": "nld-blockade",
    "description": "ASML stops",
    "shocks": [{"type": "blockade", "country": "NLD"}],
}
# names its own perspective (home and restricted): the stored allied countries, year and risks stay
JPN = {
    "name": "jpn-partial",
    "perspective": {"home": "CHN", "restricted": ["JPN", "NLD"]},
    "shocks": [{"type": "blockade", "country": "JPN", "depth": 0.6, "duration": 120}],
}


def setup(env: dict[str, Any]) -> None:
    """Save the two scenarios in project ``semi``."""
    for body in (NLD, JPN):
        env["store"].scenarios.save("semi", body["name"], body)


RUN = "/api/projects/semi/scenarios/run"
DYNAMICS = "/api/projects/semi/scenarios/dynamics"

CASES = [
    Case("scenario run saved", ["scenario", "run", "nld-blockade", "-p", "semi"], "POST", RUN, json=NLD),
    Case(
        "scenario run zh",
        ["scenario", "run", "nld-blockade", "-p", "semi", "--lang", "zh"],
        "POST",
        RUN,
        params={"lang": "zh"},
        json=NLD,
    ),
    Case(
        "scenario run own perspective and a flag",
        ["scenario", "run", "jpn-partial", "-p", "semi", "--allied", "KOR"],
        "POST",
        RUN,
        params={"allied": "KOR"},
        json=JPN,
    ),
    Case(
        "scenario run over time",
        ["scenario", "run", "nld-blockade", "-p", "semi", "--days", "60", "--step", "7"],
        "POST",
        DYNAMICS,
        params={"days": 60, "step": 7},
        json=NLD,
    ),
    Case(
        "scenario run over time with inventory",
        [
            "scenario",
            "run",
            "jpn-partial",
            "-p",
            "semi",
            "--days",
            "180",
            "--step",
            "7",
            "--inventory",
            "N19=30",
            "--inventory",
            "N31=14",
        ],
        "POST",
        DYNAMICS,
        params={"days": 180, "step": 7, "inventory": ["N19=30", "N31=14"]},
        json=JPN,
    ),
]
