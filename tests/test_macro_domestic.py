"""Issue 18, items 1, 2 and 5: domestic coefficients from BEA's import matrix, import content,
output multipliers against BEA's published tables, and the bound reported by shocks.

References: BEA's published total and domestic requirements for 2015 (the ``Total Industry
Output`` rows of ``IxC_TR`` and ``IxC_Domestic``, copied in
``tests/data/bea/published_output_multipliers_2015.csv``); the import matrix read cell by cell
with openpyxl; the hand-built two-sector system of ``tests/data/io_domestic`` (its README gives
the hand computation) for the import content (Hummels, Ishii and Yi 2001).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from chokepoint.cli import app
from chokepoint.errors import InputFileError, UsageError
from chokepoint.io.bea import read_bea_summary_use
from chokepoint.io.macro_files import read_io_csv
from chokepoint.macro.imports import import_content

DATA = Path(__file__).parent / "data"
USE = DATA / "bea" / "IOUse_Before_Redefinitions_PRO_1997-2015_Summary.xlsx"
IMPORTS = DATA / "bea" / "ImportMatrices_Before_Redefinitions_SUM_1997-2016.xlsx"
PUBLISHED = pd.read_csv(DATA / "bea" / "published_output_multipliers_2015.csv").set_index("code")


@pytest.fixture(scope="module")
def total():
    return read_bea_summary_use(USE, 2015)


@pytest.fixture(scope="module")
def domestic():
    return read_bea_summary_use(USE, 2015, imports=IMPORTS)


def _gap(system, column):
    ours = system.L.sum(axis=0)
    ref = PUBLISHED.loc[list(system.labels["sector"]), column].to_numpy()
    return np.abs(ours - ref)


def test_output_multipliers_within_005_of_bea_published_total_requirements(total):
    # done-when of issue 18: mean gap at most 0.05 (measured 0.0443; 0.1222 with the old divisor)
    gap = _gap(total, "total_requirements")
    assert gap.mean() <= 0.05
    assert gap.max() < 0.19  # 212 mining except oil and gas, listed in docs/macro.md


def test_domestic_multipliers_within_003_of_bea_published_domestic_requirements(domestic):
    # measured 0.0258 (max 0.122, again 212); BEA's domestic table is after redefinitions
    gap = _gap(domestic, "domestic_requirements")
    assert gap.mean() <= 0.03
    assert gap.max() < 0.13


def test_domestic_coefficients_are_below_total_ones(total, domestic):
    assert domestic.name.endswith("domestic (imports removed)")
    np.testing.assert_allclose(domestic.x, total.x, rtol=1e-12)
    assert (domestic.L.sum(axis=0) <= total.L.sum(axis=0) + 1e-12).all()
    # negative only where BEA's domestic requirements are negative too (farms -> GFGN)
    sectors = list(domestic.labels["sector"])
    neg = [(sectors[i], sectors[j]) for i, j in zip(*np.where(domestic.L < 0), strict=True)]
    assert neg == [("111CA", "GFGN")]


def _raw(path: Path, header: str) -> tuple[list[str], dict[str, list[object]]]:
    wb = load_workbook(path, read_only=True, data_only=True)
    rows = [list(r) for r in wb["2015"].iter_rows(values_only=True)]
    wb.close()
    head = next(i for i, r in enumerate(rows) if r[0] == header)
    codes_row = rows[head - 1] if header == "IOCode" else rows[head]
    codes = [str(c).strip() if c is not None else "" for c in codes_row]
    by_code = {str(r[0]).strip(): r for r in rows[head + 1 :] if r[0] is not None and str(r[0]).strip()}
    return codes, by_code


def _n(v: object) -> float:
    try:
        return float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


@pytest.mark.parametrize("industry", ["334", "525", "3361MV"])
def test_imported_inputs_are_the_import_matrix_column_capped_at_the_use(domestic, industry):
    ucodes, use = _raw(USE, "IOCode")
    icodes, imp = _raw(IMPORTS, "Code")
    commodities = [c for c in use if c in imp and not (c[0] in "TV" and c[1:].isdigit())]
    expected = 0.0
    for c in commodities:
        u, m = _n(use[c][ucodes.index(industry)]), _n(imp[c][icodes.index(industry)])
        expected += min(m, u) if u >= 0 else m
    j = list(domestic.labels["sector"]).index(industry)
    assert domestic.extensions["imports"][0][0, j] == pytest.approx(expected, abs=1e-9)
    i = list(domestic.labels["sector"]).index("334")
    u, m = _n(use["334"][ucodes.index(industry)]), _n(imp["334"][icodes.index(industry)])
    assert domestic.Z[i, j] == pytest.approx(u - min(m, u), abs=1e-9)


def test_import_content_by_hand():
    system = read_io_csv(DATA / "io_domestic")
    df = import_content(system)
    np.testing.assert_allclose(df["direct_import_share"], [0.15, 0.12], atol=1e-12)
    np.testing.assert_allclose(df["total_import_content"], [0.2112, 0.1896], atol=1e-12)
    # independent identity: value-added content + import content = 1 per unit of final demand
    va = (system.x - system.Z.sum(axis=0) - df["imported_inputs"].to_numpy()) / system.x
    np.testing.assert_allclose(va @ system.L + df["total_import_content"].to_numpy(), 1.0, atol=1e-12)


def test_import_content_on_bea_is_plausible(domestic):
    df = import_content(domestic).set_index("sector")
    assert (df["total_import_content"] >= df["direct_import_share"] - 1e-12).all()
    assert df["total_import_content"].between(0, 1).all()
    # petroleum refining (crude oil) and motor vehicles import far more per dollar than hospitals
    assert df.loc["324", "total_import_content"] > 3 * df.loc["622", "total_import_content"]
    assert df.loc["3361MV", "total_import_content"] > 0.15


def test_import_content_needs_a_domestic_system(total):
    with pytest.raises(UsageError, match=r"no 'imports' extension.*--imports"):
        import_content(total)


def test_an_import_matrix_lacking_codes_names_the_file(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "2015"
    ws.append(["Import Matrix"])
    ws.append(["Commodity / Industry", None, "Farms"])
    ws.append(["Code", "Commodity Description", "111CA"])
    ws.append(["111CA", "Farms", 2116])
    wb.save(tmp_path / "imports.xlsx")
    with pytest.raises(InputFileError, match=r"imports.xlsx\[2015\].*import matrix lacks codes"):
        read_bea_summary_use(USE, 2015, imports=tmp_path / "imports.xlsx")


def test_cli_loads_a_domestic_dataset_and_reports_import_content(tmp_path):
    runner = CliRunner()
    db = str(tmp_path / "s.db")
    r = runner.invoke(
        app, ["macro", "load", str(USE), "--imports", str(IMPORTS), "--dataset", "usd", "--db", db]
    )
    assert r.exit_code == 0, r.output
    assert "domestic (imports removed)" in r.output
    r = runner.invoke(app, ["macro", "imports", "-d", "usd", "--format", "json", "--top", "5", "--db", db])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert len(rows) == 5
    assert {"sector", "name", "direct_import_share", "total_import_content"} <= set(rows[0])
    assert rows[0]["total_import_content"] >= rows[-1]["total_import_content"]
    r = runner.invoke(app, ["macro", "linkages", "-d", "usd", "--format", "json", "--db", db])
    link = {x["sector"]: x["output_multiplier"] for x in json.loads(r.stdout)}
    assert link["111CA"] == pytest.approx(PUBLISHED.loc["111CA", "domestic_requirements"], abs=0.05)
    # a shock on domestic coefficients stays in the domestic economy
    (tmp_path / "s.yaml").write_text("demand:\n  USA/3361MV: 0.1\n", encoding="utf-8")
    r = runner.invoke(
        app, ["macro", "shock", str(tmp_path / "s.yaml"), "-d", "usd", "--format", "json", "--db", db]
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["economic_loss"] > 0
    assert doc["sectors"][0]["at_bound"] is False


def test_cli_refuses_import_content_without_imports_and_imports_without_a_bea_table(tmp_path):
    runner = CliRunner()
    db = str(tmp_path / "s.db")
    assert runner.invoke(app, ["macro", "load", "--test", "--dataset", "mrio", "--db", db]).exit_code == 0
    r = runner.invoke(app, ["macro", "imports", "-d", "mrio", "--db", db])
    assert r.exit_code == 2
    assert "--imports" in r.output
    r = runner.invoke(
        app,
        ["macro", "load", str(DATA / "io_domestic"), "--imports", str(IMPORTS), "-d", "x", "--db", db],
    )
    assert r.exit_code == 2
    assert "BEA summary Use table" in r.output


def test_shocks_say_which_sectors_the_bound_held():
    from chokepoint.macro.leontief import IOSystem

    system = read_io_csv(DATA / "io_domestic")
    assert isinstance(system, IOSystem)
    q, at_bound = system.bounded_inoperability(np.array([0.95, 0.0]))
    assert at_bound.tolist() == [True, False]
    assert q[0] == 1.0
    path, hit = system.bounded_dynamic_inoperability(np.array([0.95, 0.0]), 1.0, 5)
    assert hit.tolist() == [True, False]
    assert path.max() <= 1.0
    q, at_bound = system.bounded_inoperability(np.array([0.1, 0.0]))
    assert not at_bound.any()
