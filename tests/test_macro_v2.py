"""Issue 18, items 1 and 4: BEA coefficients per unit of industry output; caps with steps refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook

from chokepoint.errors import UsageError

BEA = Path(__file__).parent / "data" / "bea" / "IOUse_Before_Redefinitions_PRO_1997-2015_Summary.xlsx"


def _num(v: object) -> float:
    try:
        return float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


def _raw_2015() -> tuple[list[str], dict[str, list[object]], list[object]]:
    """Header codes, commodity rows by code and the 'Total Industry Output' row, read independently."""
    wb = load_workbook(BEA, read_only=True, data_only=True)
    rows = [list(r) for r in wb["2015"].iter_rows(values_only=True)]
    wb.close()
    head = next(i for i, r in enumerate(rows) if r[0] == "IOCode")
    codes = [str(c).strip() if c is not None else "" for c in rows[head - 1]]
    by_code = {str(r[0]).strip(): r for r in rows[head + 1 :] if r[0] is not None and str(r[0]).strip()}
    total = next(r for r in rows if r[1] is not None and str(r[1]).startswith("Total Industry Output"))
    return codes, by_code, total


@pytest.fixture(scope="module")
def bea():
    from chokepoint.io.macro_files import read_bea_summary_use

    return read_bea_summary_use(BEA, 2015)


def test_bea_output_is_industry_output(bea):
    codes, _, total = _raw_2015()
    sectors = list(bea.labels["sector"])
    g = np.array([_num(total[codes.index(s)]) for s in sectors])
    np.testing.assert_allclose(bea.x, g, rtol=1e-12)
    np.testing.assert_allclose(bea.Z.sum(axis=1) + bea.Y.sum(axis=1), bea.x, rtol=1e-12)


def test_bea_column_sums_of_a_below_one(bea):
    # with commodity output as divisor, GSLE's column summed to 1.685
    col = bea.A.sum(axis=0)
    assert col.max() < 1
    gsle = list(bea.labels["sector"]).index("GSLE")
    assert col[gsle] < 1


def test_bea_coefficients_by_hand(bea):
    codes, by_code, total = _raw_2015()
    sectors = list(bea.labels["sector"])
    for commodity, industry in (("111CA", "311FT"), ("GSLE", "GSLE")):
        j = codes.index(industry)
        expected = _num(by_code[commodity][j]) / _num(total[j])
        got = bea.A[sectors.index(commodity), sectors.index(industry)]
        assert got == pytest.approx(expected, abs=1e-12)


def test_bea_negative_cells_kept_and_l_negative_only_there(bea):
    sectors = list(bea.labels["sector"])
    farms, gfgn = sectors.index("111CA"), sectors.index("GFGN")
    assert bea.Z[farms, gfgn] < 0  # BEA publishes farms -> federal nondefense general government < 0
    neg = list(zip(*np.nonzero(bea.L < 0), strict=True))
    assert neg == [(farms, gfgn)]  # BEA's published total requirements are negative there too
    np.testing.assert_allclose(bea.solve(bea.y), bea.x, rtol=1e-9)


def test_bea_missing_total_row_is_a_clear_error(tmp_path):
    from openpyxl import Workbook

    from chokepoint.errors import InputFileError
    from chokepoint.io.macro_files import read_bea_summary_use

    wb = Workbook()
    ws = wb.active
    ws.title = "2015"
    ws.append(["", "Commodities/Industries", "A", "B", "F010"])
    ws.append(["IOCode", "Name", "a", "b", "PCE"])
    ws.append(["A", "a", 1, 2, 5])
    ws.append(["B", "b", 3, 4, 6])
    path = tmp_path / "use.xlsx"
    wb.save(path)
    with pytest.raises(InputFileError, match="Total Industry Output"):
        read_bea_summary_use(path, 2015)
    ws.append(["", "Total Industry Output", 10, 20, None])
    wb.save(path)
    io = read_bea_summary_use(path, 2015)
    np.testing.assert_allclose(io.A, [[0.1, 0.1], [0.3, 0.2]], atol=1e-12)


SPEC = {"demand": {"reg1/food": 0.1}, "caps": {"reg2/mining": 0.5}, "recovery": 0.2, "steps": 30}


@pytest.fixture
def mrio_store(tmp_path):
    pytest.importorskip("pymrio")
    from chokepoint.service.macro import load_dataset
    from chokepoint.store import Store

    db = str(tmp_path / "io.db")
    load_dataset(Store(db), "mrio", test=True)
    return db


def test_caps_with_steps_refused_by_the_service(mrio_store):
    from chokepoint.service.macro import shock
    from chokepoint.store import Store

    store = Store(mrio_store)
    with pytest.raises(UsageError, match=r"caps.*steps") as err:
        shock(store, "mrio", SPEC, source="shock.yaml")
    assert "shock.yaml" in str(err.value)
    assert "remove" in str(err.value)
    # each alone still works
    assert shock(store, "mrio", {k: v for k, v in SPEC.items() if k != "caps"}).economic_loss > 0
    static = shock(store, "mrio", {"demand": SPEC["demand"], "caps": SPEC["caps"]})
    assert static.table.set_index(["region", "sector"]).loc[("reg2", "mining"), "inoperability"] == 0.5


def test_caps_with_steps_refused_by_the_cli(mrio_store, tmp_path):
    from typer.testing import CliRunner

    from chokepoint.cli import app

    f = tmp_path / "shock.yaml"
    f.write_text(
        "demand:\n  reg1/food: 0.1\ncaps:\n  reg2/mining: 0.5\nrecovery: 0.2\nsteps: 30\n", encoding="utf-8"
    )
    r = CliRunner().invoke(app, ["macro", "shock", str(f), "--dataset", "mrio", "--db", mrio_store])
    assert r.exit_code == 2
    assert "caps" in r.stderr
    assert "steps" in r.stderr
    assert "Traceback" not in r.output
    assert r.stdout == ""
