"""Readers: CSV folders, Excel workbooks, JSON files, format detection."""

from __future__ import annotations

import json
import math

import pytest

from chokepoint.errors import ChainValidationError, InputFileError
from chokepoint.io.chains import detect_format, read_chain
from chokepoint.io.readers import cell_text, decode_text, parse_csv_text, read_csv_folder
from chokepoint.io.writers import write_chain, write_csv_folder, write_json, write_xlsx
from conftest import base_tables, validate


@pytest.fixture
def chain():
    return validate(base_tables()).chain


# ---------------------------------------------------------------------- CSV
def test_parse_csv_keeps_line_numbers_skips_blank_lines_and_strips_header():
    text = " id , name ,kind\nA,Wafer,material\n\n,,\nB,Die,component\n"
    block, problems = parse_csv_text(text, "nodes.csv", "nodes")
    assert problems == []
    assert list(block.frame.columns) == ["id", "name", "kind"]
    assert block.frame["id"].tolist() == ["A", "B"]
    assert block.row_numbers().tolist() == [2, 5]


def test_parse_csv_record_spanning_lines_is_located_at_its_first_line():
    text = 'id,name,kind\nA,"two\nlines",material\nB,Die,component\nC,"x\r\ny\r\nz",product\nD,d,design\n'
    block, problems = parse_csv_text(text, "nodes.csv", "nodes")
    assert problems == []
    assert block.frame["name"].tolist() == ["two\nlines", "Die", "x\r\ny\r\nz", "d"]
    assert block.row_numbers().tolist() == [2, 4, 5, 8]


def test_parse_csv_short_rows_are_padded_and_long_rows_reported():
    text = "id,name,kind\nA,Wafer\nB,Die,component,extra\nC,Chip,product,,\n"
    block, problems = parse_csv_text(text, "nodes.csv", "nodes")
    assert block.frame.loc[0, "kind"] == ""
    assert [(p.source, p.row, p.code) for p in problems] == [("nodes.csv", 3, "csv_syntax")]


def test_parse_csv_duplicate_header():
    block, problems = parse_csv_text("id,name,id\nA,B,C\n", "nodes.csv", "nodes")
    assert block is None
    assert [(p.row, p.column, p.code) for p in problems] == [(1, "id", "duplicate_column")]


def test_decode_text_accepts_bom_and_locates_bad_bytes():
    text, problem = decode_text("\ufeffid,name\n".encode(), "a.csv")
    assert text == "id,name\n"
    assert problem is None
    text, problem = decode_text(b"id\nok\nbad \xff here\n", "a.csv")
    assert text is None
    assert (problem.source, problem.row, problem.code) == ("a.csv", 3, "encoding")
    assert "0xff" in problem.reason


def test_csv_folder_with_bom_and_crlf(tmp_path, chain):
    folder = write_csv_folder(chain, tmp_path / "chain")
    for f in folder.glob("*.csv"):
        data = f.read_text(encoding="utf-8-sig").replace("\r\n", "\n").replace("\n", "\r\n")
        f.write_bytes("\ufeff".encode() + data.encode("utf-8"))
    assert read_chain(folder).chain.equals(chain)


def test_csv_folder_needs_only_nodes(tmp_path):
    folder = tmp_path / "chain"
    folder.mkdir()
    (folder / "nodes.csv").write_text("id,name,kind\nA,Wafer,material\n", encoding="utf-8")
    chain = read_chain(folder).chain
    assert chain.nodes["id"].tolist() == ["A"]
    assert len(chain.edges) == len(chain.actors) == len(chain.provisions) == 0


def test_csv_folder_without_nodes(tmp_path):
    folder = tmp_path / "chain"
    folder.mkdir()
    (folder / "edges.csv").write_text("source,target,kind\n", encoding="utf-8")
    with pytest.raises(ChainValidationError) as info:
        read_chain(folder)
    assert ("nodes.csv", "missing_file") in {(p.source, p.code) for p in info.value.problems}


def test_csv_folder_meta(tmp_path, chain):
    folder = tmp_path / "chain"
    write_csv_folder(chain, folder)
    (folder / "meta.csv").write_text("key,value\ntitle,测试 chain\nlicense,CC0\n", encoding="utf-8")
    blocks, meta, problems = read_csv_folder(folder)
    assert meta == {"title": "测试 chain", "license": "CC0"}
    assert problems == []
    assert sorted(b.name for b in blocks) == ["actors", "edges", "nodes", "provisions"]
    assert read_chain(folder).chain.meta == meta


# -------------------------------------------------------------------- Excel
def test_xlsx_problems_name_sheet_and_row(tmp_path, chain):
    from openpyxl import load_workbook

    path = write_xlsx(chain, tmp_path / "chain.xlsx")
    wb = load_workbook(path)
    ws = wb["provisions"]
    header = [c.value for c in ws[1]]
    ws.cell(row=3, column=header.index("share") + 1).value = 1.5
    ws.cell(row=4, column=header.index("node") + 1).value = "NOPE"
    wb.save(path)
    with pytest.raises(ChainValidationError) as info:
        read_chain(path)
    got = {(p.source, p.row, p.column, p.code) for p in info.value.problems}
    assert got == {
        ("chain.xlsx[provisions]", 3, "share", "out_of_range"),
        ("chain.xlsx[provisions]", 4, "node", "unknown_reference"),
    }


def test_xlsx_blank_rows_keep_sheet_row_numbers(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Nodes "  # sheet names are matched case- and space-insensitively
    ws.append(["id", "name", "kind", None])
    ws.append(["A", "Wafer", "material"])
    ws.append([None, None, None])
    ws.append(["B", "Die", "gizmo"])
    wb.save(tmp_path / "w.xlsx")
    with pytest.raises(ChainValidationError) as info:
        read_chain(tmp_path / "w.xlsx")
    [p] = info.value.problems
    assert (p.source, p.row, p.column, p.code) == ("w.xlsx[Nodes ]", 4, "kind", "unknown_kind")


def test_xlsx_numbers_read_as_text_without_float_noise(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "nodes"
    ws.append(["id", "name", "kind", "threshold", "market_size", "hs_codes"])
    ws.append([101, "Wafer", "material", 3.0, 0.1, 848620])
    wb.save(tmp_path / "w.xlsx")
    chain = read_chain(tmp_path / "w.xlsx").chain
    node = chain.node("101")
    assert node["threshold"] == 3
    assert node["market_size"] == 0.1
    assert node["hs_codes"] == ("848620",)


def test_xlsx_without_nodes_sheet(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "something"
    wb.save(tmp_path / "w.xlsx")
    with pytest.raises(ChainValidationError) as info:
        read_chain(tmp_path / "w.xlsx")
    # reported once, by the reader, naming the workbook
    assert [(p.source, p.code) for p in info.value.problems] == [("w.xlsx", "missing_table")]


def test_xlsx_empty_sheet(tmp_path, chain):
    from openpyxl import load_workbook

    path = write_xlsx(chain, tmp_path / "chain.xlsx")
    wb = load_workbook(path)
    del wb["edges"]
    wb.create_sheet("edges")
    wb.save(path)
    with pytest.raises(ChainValidationError) as info:
        read_chain(path)
    [p] = info.value.problems
    assert (p.source, p.row, p.code) == ("chain.xlsx[edges]", None, "empty_file")


def test_not_a_workbook(tmp_path):
    (tmp_path / "fake.xlsx").write_text("not a zip", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"fake\.xlsx"):
        read_chain(tmp_path / "fake.xlsx")


def test_formula_like_text_stays_text(tmp_path):
    t = base_tables()
    t["nodes"][1]["description"] = "=SUM(A1:A3)"
    chain = validate(t).chain
    back = read_chain(write_xlsx(chain, tmp_path / "f.xlsx")).chain
    assert back.node("A")["description"] == "=SUM(A1:A3)"
    assert back.equals(chain)


# --------------------------------------------------------------------- JSON
def test_json_problems_name_record_numbers(tmp_path, chain):
    path = write_json(chain, tmp_path / "chain.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["edges"][1]["weight"] = "heavy"
    doc["nodes"][0]["kind"] = "phase"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ChainValidationError) as info:
        read_chain(path)
    got = {(p.source, p.row, p.column, p.code) for p in info.value.problems}
    assert ("chain.json[edges]", 2, "weight", "not_a_number") in got
    assert ("chain.json[nodes]", 1, "kind", "unknown_kind") in got


def test_json_syntax_error_names_line(tmp_path):
    (tmp_path / "bad.json").write_text('{"nodes": [\n  {"id": "A",}\n]}', encoding="utf-8")
    with pytest.raises(ChainValidationError) as info:
        read_chain(tmp_path / "bad.json")
    p = next(p for p in info.value.problems if p.code == "json_syntax")
    assert (p.source, p.row) == ("bad.json", 2)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('["nodes"]', ("bad.json", "json_syntax")),
        ('{"nodes": [1, 2]}', ("bad.json[nodes]", "json_syntax")),
        ('{"edges": []}', ("bad.json", "missing_table")),
    ],
)
def test_json_wrong_shape(tmp_path, content, problem):
    (tmp_path / "bad.json").write_text(content, encoding="utf-8")
    with pytest.raises(ChainValidationError) as info:
        read_chain(tmp_path / "bad.json")
    assert [(p.source, p.code) for p in info.value.problems] == [problem]


def test_json_empty_or_absent_tables_are_empty(tmp_path):
    doc = {"nodes": [{"id": "A", "name": "Wafer", "kind": "material"}], "edges": []}
    (tmp_path / "c.json").write_text(json.dumps(doc), encoding="utf-8")
    chain = read_chain(tmp_path / "c.json").chain
    assert len(chain.nodes) == 1
    assert len(chain.edges) == len(chain.actors) == len(chain.provisions) == 0


def test_json_empty_file(tmp_path):
    (tmp_path / "e.json").write_bytes(b"")
    with pytest.raises(ChainValidationError) as info:
        read_chain(tmp_path / "e.json")
    assert ("e.json", "empty_file") in {(p.source, p.code) for p in info.value.problems}


def test_json_lists_and_scalars(tmp_path):
    doc = {
        "nodes": [
            {
                "id": "A",
                "name": "Wafer",
                "kind": "material",
                "tags": ["x", " y "],
                "threshold": 2,
                "gap": 0.25,
            }
        ],
        "actors": [
            {"id": "JPN", "name": "Japan", "kind": "country", "country": "JPN", "aliases": "Nippon; 日本"}
        ],
        "provisions": [{"actor": "JPN", "node": "A", "share": 1, "year": 2020}],
    }
    (tmp_path / "c.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    chain = read_chain(tmp_path / "c.json").chain
    assert chain.node("A")["tags"] == ("x", "y")
    assert chain.actor("JPN")["aliases"] == ("Nippon", "日本")
    assert chain.provisions["share"].tolist() == [1.0]
    assert chain.provisions["year"].tolist() == [2020]


# ------------------------------------------------------------------ helpers
@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "true"),
        (3, "3"),
        (3.0, "3"),
        (0.1, "0.1"),
        (1e20, "1e+20"),
        (float("nan"), ""),
        (["a", "b"], "a;b"),
        ("x", "x"),
    ],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_detect_format(tmp_path, chain, eto_copy):
    folder = write_csv_folder(chain, tmp_path / "c")
    assert detect_format(folder) == "csv"
    assert detect_format(eto_copy) == "eto"
    assert detect_format(tmp_path / "a.XLSX") == "xlsx"
    assert detect_format(tmp_path / "a.json") == "json"
    with pytest.raises(InputFileError):
        detect_format(tmp_path / "a.txt")


def test_read_chain_missing_path(tmp_path):
    with pytest.raises(InputFileError, match="no such file"):
        read_chain(tmp_path / "nope")


def test_read_chain_unknown_format(tmp_path, chain):
    folder = write_csv_folder(chain, tmp_path / "c")
    with pytest.raises(InputFileError, match="unknown format"):
        read_chain(folder, "parquet")


def test_read_chain_format_override(tmp_path, chain):
    path = write_chain(chain, tmp_path / "c.json")
    renamed = path.rename(tmp_path / "c.data")
    assert read_chain(renamed, "json").chain.equals(chain)


def test_blank_share_survives_every_format(tmp_path):
    t = base_tables()
    t["provisions"][1]["share"] = ""
    chain = validate(t).chain
    for target in ("c.xlsx", "c.json", "folder"):
        back = read_chain(write_chain(chain, tmp_path / target)).chain
        share = back.provisions.loc[back.provisions["actor"] == "USA", "share"].iloc[0]
        assert math.isnan(share), target
