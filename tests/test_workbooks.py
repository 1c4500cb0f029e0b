"""Workbooks as their readers open them (issue 21): headers, names beside ids, formats, drop-downs.

Each test writes a workbook through the CLI on the bundled demo chain and opens it with
openpyxl, as Excel or WPS would.
"""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from chokepoint.cli import app
from chokepoint.io.observation_files import months_up_to
from chokepoint.monitor.catalog import catalog


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("workbooks") / "w.db")
    cli("demo", "--db", path)
    cli("users", "add", "naura", "--role", "reporter", "--password", "naura-pw-123", "--db", path)
    cli("users", "bind", "naura", "-p", "semiconductors", "--actor", "P115", "--db", path)
    return path


def test_months_up_to_crosses_the_year():
    assert months_up_to("2026-02", 4) == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert len(months_up_to("2026-11")) == 13


def test_reporting_template_names_nodes_in_both_languages_with_units_and_drop_downs(db, tmp_path):
    out = tmp_path / "tpl.xlsx"
    cli("report-data", "template", "-p", "semiconductors", "--as", "naura", "--period", "2026-11",
        "--out", str(out), "--db", db)  # fmt: skip
    wb = load_workbook(out)
    assert wb.sheetnames == ["README", "data", "indicators"]
    ws = wb["data"]
    header = [c.value.split("\n") for c in ws[1]]
    keys = [h[0] for h in header]
    assert keys[:3] == ["indicator", "Indicator", "node"]
    assert all(len(h) == 2 and any("\u4e00" <= ch <= "\u9fff" for ch in h[1]) for h in header)  # zh line
    rows = [dict(zip(keys, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]
    lpcvd = next(r for r in rows if r["node"] == "N39" and r["indicator"] == "inventory_days")
    assert lpcvd["Node name"] == "Low-pressure CVD tools"
    assert lpcvd["Node name (Chinese)"] == "低压CVD设备(LPCVD)"
    assert lpcvd["Enterprise"] == "NAURA"
    assert lpcvd["unit"] == "days"
    assert lpcvd["period"] == "2026-11"
    assert "库存天数" in lpcvd["Indicator"]
    units = {i.code: i.unit for i in catalog().values()}
    assert all(r["unit"] == units[r["indicator"]] for r in rows)
    assert {r["enterprise"] for r in rows} == {"P115"}  # only the reporter's own enterprise
    validations = {str(dv.sqref).split(":")[0][0]: dv for dv in ws.data_validations.dataValidation}
    col = {k: chr(ord("A") + j) for j, k in enumerate(keys)}
    assert validations[col["indicator"]].formula1 == f"=indicators!$A$2:$A${len(catalog()) + 1}"
    assert validations[col["period"]].formula1 == '"' + ",".join(months_up_to("2026-11")) + '"'
    assert "days" in validations[col["unit"]].formula1
    assert validations[col["value"]].type == "decimal"
    assert ws.freeze_panes == "C2"
    assert ws.auto_filter.ref
    assert ws.column_dimensions["D"].width >= 20
    assert ws[f"{col['period']}2"].number_format == "@"  # stays text in Excel, not a date
    info = wb["indicators"]
    assert [c.value.split("\n")[0] for c in info[1]][:4] == [
        "Code",
        "Indicator",
        "Indicator (Chinese)",
        "Unit",
    ]
    assert [r[0] for r in info.iter_rows(min_row=2, values_only=True)] == list(catalog())
    # the filled template uploads as is: labels are ignored, header keys are their first lines
    ws[f"{col['value']}2"] = 30
    wb.save(tmp_path / "filled.xlsx")
    text = cli("report-data", "upload", str(tmp_path / "filled.xlsx"), "-p", "semiconductors",
               "--as", "naura", "--as-of", "2026-11", "--db", db)  # fmt: skip
    assert "1 new" in text
