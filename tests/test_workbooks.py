"""Workbooks as their readers open them (issue 21): headers, names beside ids, formats, drop-downs.

Each test writes a workbook through the CLI on the bundled demo chain and opens it with
openpyxl, as Excel or WPS would.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
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
    assert lpcvd["Enterprise"] == "NAURA（北方华创）"  # its English and Chinese names
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


CJK = re.compile(r"[\u4e00-\u9fff]")
SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


def sheets(path: Path) -> dict[str, Worksheet]:
    wb = load_workbook(path)
    assert wb.worksheets[0].title in ("Cover", "封面")
    assert wb.worksheets[0]["A1"].value  # a title on the cover
    return {ws.title: ws for ws in wb.worksheets[1:]}


def headers(ws: Worksheet) -> list[str]:
    return [str(c.value) for c in ws[1]]


def column(ws: Worksheet, title: str) -> list[Any]:
    j = headers(ws).index(title)
    return [c for c in list(ws.columns)[j][1:]]


def check_style(ws: Worksheet, lang: str) -> None:
    """Human headers in ``lang``, the header row frozen, filters on, widths set."""
    for h in headers(ws):
        assert not SNAKE.match(h), f"{ws.title}: header {h!r} is a field name"
        if lang == "zh" and not re.match(r"^[A-Z]{3}$", h):  # country codes as columns stay codes
            assert CJK.search(h), f"{ws.title}: header {h!r} is not Chinese"
    assert ws.freeze_panes
    assert ws.freeze_panes.endswith("2")
    if ws.max_row > 1:
        assert ws.auto_filter.ref
    assert all(ws.column_dimensions[c.column_letter].width >= 8 for c in ws[1])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_assessment_workbook_reads_as_a_table_for_people(db, tmp_path, lang):
    out = tmp_path / f"assess-{lang}.xlsx"
    cli("assess", "-p", "semiconductors", "--out", str(out), "--lang", lang, "--db", db)
    got = sheets(out)
    main = got["卡脖子技术" if lang == "zh" else "Chokepoints"]
    check_style(main, lang)
    loc = "国产化率（已知）" if lang == "zh" else "Localization (known)"
    assert {c.number_format for c in column(main, loc)} == {"0.0%"}
    assert {c.number_format for c in column(main, "得分" if lang == "zh" else "Score")} == {"0.000"}
    levels = column(main, "等级" if lang == "zh" else "Level")
    assert levels[0].value == ("I级（红色）" if lang == "zh" else "I (red)")
    assert levels[0].fill.fgColor.rgb.endswith("FF4D4F")
    why = column(main, "说明" if lang == "zh" else "Explanation")
    assert why[0].alignment.wrap_text
    assert main.freeze_panes == "E2"  # rank, id and both names stay in view
    sens = got["敏感性" if lang == "zh" else "Sensitivity"]
    check_style(sens, lang)
    assert headers(sens)[:3] == (
        ["编号", "英文名称", "中文名称"] if lang == "zh" else ["Id", "Name", "Name (Chinese)"]
    )


def test_scenario_sweep_and_over_time_workbooks(db, tmp_path):
    nld = tmp_path / "nld.yaml"
    nld.write_text("name: nld\nshocks:\n  - {type: blockade, country: NLD}\n", encoding="utf-8")
    run = tmp_path / "run.xlsx"
    cli("scenario", "run", str(nld), "-p", "semiconductors", "--lang", "zh", "--out", str(run), "--db", db)
    got = sheets(run)
    impacted = got["受影响节点"]
    check_style(impacted, "zh")
    assert {c.number_format for c in column(impacted, "损失")} == {"0.0%"}
    assert "荷兰（NLD）断供" in " ".join(str(c.value) for c in column(impacted, "断链传导路径"))  # in Chinese
    check_style(got["替代来源"], "zh")
    sweep = tmp_path / "sweep.xlsx"
    cli("scenario", "sweep", "-p", "semiconductors", "--out", str(sweep), "--db", db)
    got = sheets(sweep)
    check_style(got["Ranking"], "en")
    loss = got["Loss by node"]
    assert headers(loss)[:3] == ["Id", "Name", "Name (Chinese)"]
    assert {c.number_format for c in column(loss, "USA")} == {"0.0%"}
    over = tmp_path / "days.xlsx"
    cli("scenario", "run", str(nld), "-p", "semiconductors", "--days", "60", "--out", str(over), "--db", db)
    got = sheets(over)
    check_style(got["Times"], "en")
    curves = got["Availability by day"]
    assert headers(curves)[0] == "Day"
    assert any(h.startswith("N99 ") for h in headers(curves))  # node names next to the ids
    assert {c.number_format for c in list(curves.columns)[1][1:]} == {"0.0%"}
    over_zh = tmp_path / "days-zh.xlsx"
    cli("scenario", "run", str(nld), "-p", "semiconductors", "--days", "60", "--lang", "zh",
        "--out", str(over_zh), "--db", db)  # fmt: skip
    got = sheets(over_zh)
    check_style(got["时间"], "zh")
    assert "中文名称" in headers(got["时间"])
    assert any(h.startswith("N20 EUV光刻机") for h in headers(got["逐日可得性"]))
    mc = tmp_path / "mc.xlsx"
    cli("scenario", "montecarlo", "-p", "semiconductors", "--runs", "20", "--days", "56", "--out", str(mc),
        "--db", db)  # fmt: skip
    for ws in sheets(mc).values():
        check_style(ws, "en")
    mc_zh = tmp_path / "mc-zh.xlsx"
    cli("scenario", "montecarlo", "-p", "semiconductors", "--runs", "20", "--days", "56", "--lang", "zh",
        "--out", str(mc_zh), "--db", db)  # fmt: skip
    got = sheets(mc_zh)
    assert list(got) == ["最关键节点", "最坏模拟", "全部模拟"]
    for ws in got.values():
        check_style(ws, "zh")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_lists_workbook(db, tmp_path, lang):
    out = tmp_path / f"lists-{lang}.xlsx"
    cli("lists", "-p", "semiconductors", "--lang", lang, "--out", str(out), "--db", db)
    got = sheets(out)
    assert len(got) == 8  # after the cover, the eight lists
    for ws in got.values():
        check_style(ws, lang)
    key = got["重点企业清单" if lang == "zh" else "key enterprises"]
    names = [c.value for c in column(key, "名称" if lang == "zh" else "Name (Chinese)")]
    assert "北方华创" in names  # Chinese enterprises under their Chinese names
    share = "已知份额覆盖率" if lang == "zh" else "Known share of the market"
    assert {c.number_format for c in column(key, share)} == {"0.0%"}


def test_monitoring_workbook_in_chinese(db, tmp_path):
    cli("rules", "import", "examples/rules.yaml", "-p", "semiconductors", "--db", db)
    out = tmp_path / "alerts.xlsx"
    cli("alerts", "list", "-p", "semiconductors", "--lang", "zh", "--out", str(out), "--db", db)
    ws = sheets(out)["预警"]
    check_style(ws, "zh")
    assert headers(ws)[:3] == ["编号", "等级", "状态"]


def test_materials_workbooks_in_chinese(db, tmp_path):
    """Raw-material tables in Chinese: every header in Chinese with its unit, the commodity's
    category, stage and unit in words, and the concentration of production (not of partners)."""
    data = Path(__file__).resolve().parent / "data" / "materials"
    cli("materials", "load", str(data), "--dataset", "rm-zh", "--db", db)
    out = tmp_path / "risk-zh.xlsx"
    cli("materials", "risk", "-d", "rm-zh", "--home", "CHN", "--lang", "zh", "--out", str(out), "--db", db)
    ws = sheets(out)["表"]
    check_style(ws, "zh")
    assert "进口量（吨）" in headers(ws)
    assert {c.value for c in column(ws, "单位")} <= {"吨", "千克", "克拉", "百万立方米"}
    assert "铁及铁合金金属" in {c.value for c in column(ws, "类别")}
    assert {c.number_format for c in column(ws, "进口依存度")} == {"0.0%"}
    out = tmp_path / "stages-zh.xlsx"
    cli("materials", "stages", str(data / "bgs_staged_2015_2021.csv.gz"), "--year", "2021", "--home", "CHN",
        "--lang", "zh", "--out", str(out), "--db", db)  # fmt: skip
    ws = sheets(out)["表"]
    check_style(ws, "zh")
    assert "产量集中度（HHI，0-1）" in headers(ws)
    assert {c.value for c in column(ws, "环节")} <= {"采矿", "冶炼", "精炼"}
    assert {c.value for c in column(ws, "瓶颈环节")} == {"是", "否"}


def test_trade_and_materials_workbooks(db, tmp_path):
    data = Path(__file__).resolve().parent / "data"
    cli("trade", "load", str(data / "fao"), "--dataset", "staples", "--layout", "fao", "--crops", "wheat",
        "--years", "2021", "--db", db)  # fmt: skip
    out = tmp_path / "trade.xlsx"
    cli("trade", "dependencies", "--dataset", "staples", "--out", str(out), "--db", db)
    ws = sheets(out)["Table"]
    check_style(ws, "en")
    assert {c.number_format for c in column(ws, "Largest partner's share")} == {"0.0%"}
    assert {c.number_format for c in column(ws, "Year")} == {"0"}  # 2021, not 2,021
    cli("materials", "load", str(data / "materials"), "--dataset", "rm", "--db", db)
    out = tmp_path / "materials.xlsx"
    cli("materials", "risk", "--dataset", "rm", "--home", "CHN", "--out", str(out), "--db", db)
    ws = sheets(out)["Table"]
    check_style(ws, "en")
    assert {c.number_format for c in column(ws, "Top producer's share")} == {"0.0%"}
