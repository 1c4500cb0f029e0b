"""Criterion 3 of the EU strategic-dependency screen (issue 18, item 9).

The Commission's staff working document SWD(2021) 352 (*Strategic dependencies and capacities*)
compares extra-EU imports with TOTAL EU exports (intra- plus extra-EU), a proxy for EU production
capacity. The screen does so by default (``capacity="total_exports"``) and keeps the comparison with
extra-bloc exports only as ``capacity="extra_exports"``.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd
import pytest

from chokepoint.errors import UsageError
from chokepoint.trade import dependency_screen
from chokepoint.trade.indicators import FLOW_COLUMNS

BLOC = ["DEU", "FRA"]


def _flows() -> pd.DataFrame:
    """Bloc {DEU, FRA}, the same flows in 2019, 2020 and 2021 (value; quantity is value / 10).

    Product 8541:
        imports into the bloc: CHN->DEU 80, USA->DEU 20 (extra-bloc), FRA->DEU 60, DEU->FRA 15 (intra)
        exports of the bloc:   DEU->USA 30, FRA->JPN 10 (extra-bloc), FRA->DEU 60, DEU->FRA 15 (intra)

        extra-bloc imports M_ext = 80 + 20 = 100; total bloc imports M_tot = 100 + 60 + 15 = 175
        c1: HHI = (80/100)^2 + (20/100)^2 = 0.64 + 0.04 = 0.68 > 0.4          -> holds
        c2: M_ext / M_tot = 100 / 175 = 0.5714... > 0.5                      -> holds
        c3, extra-bloc exports only:  X_ext = 30 + 10 = 40;  100 > 40         -> holds (old rule)
        c3, total exports (SWD):      X_tot = 40 + 60 + 15 = 115; 100 > 115   -> fails (documented)
        so 8541 is dependent (and persistent) only under the old rule.

    Product 2804 (a control that is dependent under both rules):
        CHN->FRA 50 (extra), DEU->FRA 5 (intra), DEU->USA 5 (extra export)
        M_ext = 50, M_tot = 55; HHI = 1; share 50/55 = 0.909...;
        X_ext = 5, X_tot = 10; 50 > 10 and 50 > 5 -> dependent under both.
    """
    base = [
        ("CHN", "DEU", "8541", 80.0),
        ("USA", "DEU", "8541", 20.0),
        ("FRA", "DEU", "8541", 60.0),
        ("DEU", "FRA", "8541", 15.0),
        ("DEU", "USA", "8541", 30.0),
        ("FRA", "JPN", "8541", 10.0),
        ("CHN", "FRA", "2804", 50.0),
        ("DEU", "FRA", "2804", 5.0),
        ("DEU", "USA", "2804", 5.0),
    ]
    rows = [(y, e, i, p, v, v / 10) for y in (2019, 2020, 2021) for e, i, p, v in base]
    return pd.DataFrame(rows, columns=FLOW_COLUMNS)


def _row(df: pd.DataFrame, product: str, year: int = 2021) -> pd.Series:
    return df[(df["product"] == product) & (df["year"] == year)].iloc[0]


def test_criterion_3_compares_with_total_bloc_exports_by_default() -> None:
    s = dependency_screen(_flows(), BLOC)
    r = _row(s, "8541")
    assert r["extra_imports"] == pytest.approx(100.0, abs=1e-9)
    assert r["total_imports"] == pytest.approx(175.0, abs=1e-9)
    assert r["hhi_extra"] == pytest.approx(0.68, abs=1e-9)
    assert r["extra_share"] == pytest.approx(100 / 175, abs=1e-9)
    assert r["extra_exports"] == pytest.approx(40.0, abs=1e-9)
    assert r["total_exports"] == pytest.approx(115.0, abs=1e-9)
    assert r["capacity_exports"] == pytest.approx(115.0, abs=1e-9)
    assert r["c1_concentrated"]
    assert r["c2_extra_bloc"]
    assert not r["c3_not_replaceable"]
    assert not s[s["product"] == "8541"]["dependent"].any()
    assert not s[s["product"] == "8541"]["persistent"].any()
    control = s[s["product"] == "2804"]
    assert control["dependent"].all()
    assert control["persistent"].all()
    assert _row(s, "2804")["total_exports"] == pytest.approx(10.0, abs=1e-9)


def test_extra_exports_variant_keeps_the_old_rule() -> None:
    s = dependency_screen(_flows(), BLOC, capacity="extra_exports")
    r = _row(s, "8541")
    assert r["capacity_exports"] == pytest.approx(40.0, abs=1e-9)
    assert r["c3_not_replaceable"]
    assert s[s["product"] == "8541"]["dependent"].all()
    assert s[s["product"] == "8541"]["persistent"].all()
    assert s[s["product"] == "2804"]["dependent"].all()
    # criteria 1-2 do not depend on the capacity proxy
    default = dependency_screen(_flows(), BLOC)
    for col in ("hhi_extra", "extra_share", "c1_concentrated", "c2_extra_bloc"):
        assert list(s[col]) == list(default[col])


def test_the_documented_rule_never_flags_more_products() -> None:
    """Total exports >= extra-bloc exports, so criterion 3 under the SWD rule implies the old one."""
    flows = _flows()
    new = dependency_screen(flows, BLOC)["dependent"]
    old = dependency_screen(flows, BLOC, capacity="extra_exports")["dependent"]
    assert not (new & ~old).any()


def test_unknown_capacity_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="capacity"):
        dependency_screen(_flows(), BLOC, capacity="production")


def test_cli_and_api_pass_capacity_through(tmp_path) -> None:
    import warnings

    from typer.testing import CliRunner

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from chokepoint.api import create_app
    from chokepoint.cli import app
    from chokepoint.store import Store

    db = tmp_path / "s.db"
    store = Store(db)
    store.trade_datasets.save("hand", _flows(), "fao")
    store.users.add("admin", "admin", "admin-pw")
    token = store.tokens.create("admin", "bearer", timedelta(days=1))
    client = TestClient(create_app(store))
    headers = {"authorization": f"Bearer {token}"}
    runner = CliRunner()

    def dependent(cli_extra: list[str], params: dict[str, str]) -> tuple[set, set]:
        r = runner.invoke(
            app,
            [
                "trade",
                "screen",
                "-d",
                "hand",
                "--bloc",
                "DEU,FRA",
                "--dependent",
                "--format",
                "json",
                *cli_extra,
                "--db",
                str(db),
            ],
        )
        assert r.exit_code == 0, r.output
        cli = {(d["product"], d["year"]) for d in json.loads(r.stdout)}
        resp = client.get(
            "/api/trade/datasets/hand/screen",
            params={"bloc": "DEU,FRA", "dependent": "true", **params},
            headers=headers,
        )
        assert resp.status_code == 200, resp.text[:300]
        api = {(d["product"], d["year"]) for d in resp.json()}
        return cli, api

    cli, api = dependent([], {})
    assert cli == api == {("2804", y) for y in (2019, 2020, 2021)}
    cli, api = dependent(["--capacity", "extra_exports"], {"capacity": "extra_exports"})
    assert cli == api == {(p, y) for p in ("2804", "8541") for y in (2019, 2020, 2021)}
    r = client.get(
        "/api/trade/datasets/hand/screen", params={"bloc": "DEU", "capacity": "x"}, headers=headers
    )
    assert r.status_code == 400 or r.status_code == 422
