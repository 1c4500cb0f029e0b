"""Parity cases: challenges, bids, capability profiles and the solvers ranked for a challenge."""

from __future__ import annotations

from typing import Any

import pandas as pd

from parity import Case

CHALLENGES = "/api/projects/semi/challenges"
MATCHES = f"{CHALLENGES}/C0001/matches"
# the profiles of tests/test_match.py (SMEE's lithography patent; Kingsemi's immersion objective)
PROFILES = [
    {
        "actor": "P70",
        "description": "光刻机整机",
        "keywords": "光刻;lithography",
        "nodes": "N19",
        "evidence_kind": "patent",
        "evidence_title": "一种投影物镜",
        "evidence_abstract": "",
    },
    {
        "actor": "P107",
        "description": "浸没式光刻机涂胶显影",
        "keywords": "投影物镜",
        "nodes": "",
        "evidence_kind": "patent",
        "evidence_title": "一种浸没式光刻投影物镜",
        "evidence_abstract": "",
    },
]


def setup(env: dict[str, Any]) -> None:
    """Import the profiles from a CSV file, publish SMEE's EUV light source challenge, record a bid."""
    from chokepoint.service.matching import import_profiles, publish_challenge, record_bid

    path = env["folder"] / "profiles.csv"
    pd.DataFrame(PROFILES).to_csv(path, index=False)
    store = env["store"]
    import_profiles(store, "semi", path)
    key, _ = publish_challenge(
        store,
        "semi",
        title="EUV光刻机光源攻关",
        description="极紫外光刻光源与光刻设备整机集成",
        nodes=["N20"],
        capabilities=["光源"],
        owner="SMEE",
    )
    assert key == "C0001", key
    record_bid(store, "semi", key, "P107", "light source module")


def _match(name: str, flags: list[str], params: dict[str, Any]) -> Case:
    """``challenges match C0001`` with ``flags`` against ``GET .../matches`` with ``params``."""
    return Case(
        name,
        ["challenges", "match", "C0001", "-p", "semi", *flags],
        "GET",
        MATCHES,
        params=params,
        api_key="candidates",
    )


CASES = [
    Case("challenges list", ["challenges", "list", "-p", "semi"], "GET", CHALLENGES),
    Case(
        "challenges show",
        ["challenges", "show", "C0001", "-p", "semi"],
        "GET",
        f"{CHALLENGES}/C0001",
        format_flag=False,  # the command prints JSON
    ),
    _match("challenges match stored perspective", ["--top", "20"], {}),  # the API's default top
    _match("challenges match zh", ["--lang", "zh", "--top", "10"], {"lang": "zh", "top": 10}),
    _match(
        "challenges match include restricted",
        ["--include-restricted", "--top", "500"],
        {"include_restricted": "true", "top": 500},
    ),
    _match(
        "challenges match home restricted override",
        ["--home", "CHN", "--restricted", "USA", "--top", "20"],
        {"home": "CHN", "restricted": "USA"},
    ),
    _match(
        "challenges match allied year override",
        ["--allied", "DEU,FRA", "--year", "2021", "--top", "20"],
        {"allied": "DEU,FRA", "year": 2021},
    ),
    Case("profiles list", ["profiles", "list", "-p", "semi"], "GET", "/api/projects/semi/profiles"),
]
