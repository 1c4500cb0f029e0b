"""The ``chokepoint`` command line (Typer app ``chokepoint.cli.app``), run in-process."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
import typer.main

from chokepoint.cli import app
from chokepoint.datasets import load_semiconductors
from chokepoint.io.chains import read_chain
from chokepoint.store import Store

REPO = Path(__file__).resolve().parents[1]


def command_paths() -> list[tuple[tuple[str, ...], object]]:
    """Every command and sub-command of the app, walked generically (new ones included)."""
    out: list[tuple[tuple[str, ...], object]] = []

    def walk(cmd: object, path: tuple[str, ...]) -> None:
        out.append((path, cmd))
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return out


COMMANDS = command_paths()


def assert_clean_error(result, *fragments: str, exit_code: int = 1) -> None:
    """Exit 1 (2 for usage errors), one message on stderr starting with 'Error:', no traceback."""
    assert result.exit_code == exit_code, result.output
    assert result.stderr.startswith("Error:"), result.stderr
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    for f in fragments:
        assert f in result.stderr


# ---------------------------------------------------------------------- help
def test_the_command_tree_is_walked():
    names = {" ".join(p) for p, _ in COMMANDS}
    assert {
        "",
        "import",
        "export",
        "info",
        "template",
        "demo",
        "projects",
        "projects list",
        "projects rename",
        "projects delete",
    } <= names


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=[" ".join(p) or "chokepoint" for p, _ in COMMANDS])
def test_every_command_has_help(runner, path, cmd):
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    doc = (getattr(cmd, "help", None) or getattr(cmd, "short_help", None) or "").strip()
    assert doc, f"{' '.join(path) or 'chokepoint'} has no help text"
    first_words = " ".join(doc.split()[:3])
    assert first_words in " ".join(result.output.split())


def test_every_command_is_documented():
    """Each command appears in README.md or docs/cli.md: as ``chokepoint <command>``, as
    `` `<command>` `` or as a Markdown heading ``## <command>`` (``### projects list``)."""
    docs = [REPO / "README.md", REPO / "docs" / "cli.md"]
    text = "\n".join(p.read_text(encoding="utf-8") for p in docs if p.exists())
    assert text, "neither README.md nor docs/cli.md exists"
    flat = " ".join(text.split())
    missing = []
    for path, _ in COMMANDS:
        if not path:
            continue
        name = re.escape(" ".join(path))
        heading = re.search(rf"^#+\s+`?{name}`?\s*$", text, flags=re.MULTILINE)
        if not heading and not re.search(rf"(chokepoint {name}\b|`{name}`)", flat):
            missing.append(" ".join(path))
    assert not missing, f"commands missing from README.md / docs/cli.md: {missing}"


# ---------------------------------------------------------------- demo, info
def test_demo_and_info_json(cli):
    result = cli("demo")
    assert result.exit_code == 0, result.output
    assert "Loaded the demo chain into project 'semiconductors'" in result.stdout
    assert "7 alias rows merged" in result.stdout
    assert "126 plus 3 stages" in result.stdout
    info = cli("info", "--project", "semiconductors", "--format", "json")
    assert info.exit_code == 0, info.output
    summary = json.loads(info.stdout)
    assert summary == load_semiconductors().summary()


def test_info_table_and_csv(cli):
    assert cli("demo", "--project", "chips").exit_code == 0
    table = cli("info", "--project", "chips")
    assert table.exit_code == 0
    assert "Project 'chips'" in table.stdout
    assert "1300 (1279 on nodes, 21 on stages" in table.stdout
    assert "CC BY-NC 4.0" in table.stdout
    result = cli("info", "-p", "chips", "-f", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["key", "value"]
    values = dict(rows[1:])
    assert values["nodes"] == "126"
    assert values["stages"] == "3"
    assert values["provisions"] == "1300"
    assert values["shares_unknown"] == "246"
    assert values["edges_by_kind.input_of"] == "53"
    assert values["edges_by_kind.type_of"] == "86"
    assert values["share_coverage.nodes_with_provisions"] == "110"
    assert values["stage_list"] == "S1; S2; S3"


def test_demo_uses_the_env_store(runner, tmp_path, monkeypatch):
    db = tmp_path / "from-env.db"
    monkeypatch.setenv("CHOKEPOINT_DB", str(db))
    assert runner.invoke(app, ["demo"]).exit_code == 0
    assert Store(db).projects.names() == ["semiconductors"]


# -------------------------------------------------------------------- import
def _break_eto_copy(folder: Path) -> None:
    """Three problems: an unknown node, a 140 % share, and an inserted duplicate node row."""
    prov = (folder / "provision.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    assert ",N55,2.4,2025," in prov[1]
    prov[1] = prov[1].replace(",N55,", ",N999,")  # provision.csv row 2
    assert prov[44].startswith("ASML,P88,EUV lithography tools,N20,100.0,2025,")
    prov[44] = prov[44].replace(",100.0,2025,", ",140,2025,")  # provision.csv row 45
    (folder / "provision.csv").write_text("".join(prov), encoding="utf-8")
    inputs = (folder / "inputs.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    n_before = len(inputs)
    assert inputs[1].startswith("N0,Chip design,")
    inputs.insert(2, inputs[1])  # inputs.csv row 3: a second N0, inserted, nothing overwritten
    (folder / "inputs.csv").write_text("".join(inputs), encoding="utf-8")
    assert len(inputs) == n_before + 1


def test_import_of_a_malformed_eto_copy_changes_nothing(cli, eto_copy):
    assert cli("demo").exit_code == 0
    before = cli("info", "--project", "semiconductors", "--format", "json")
    assert before.exit_code == 0

    _break_eto_copy(eto_copy)
    result = cli("import", str(eto_copy), "--project", "semiconductors")
    assert result.exit_code != 0
    assert_clean_error(result, "3 problems found; nothing was imported")
    lines = result.stderr.splitlines()

    def line_with(*parts: str) -> str:
        found = [ln for ln in lines if all(p in ln for p in parts)]
        assert len(found) == 1, (parts, lines)
        return found[0]

    line_with("provision.csv", "row 2", "'provided_id'", "'N999'")
    line_with("provision.csv", "row 45", "'share_provided'", "140")
    line_with("inputs.csv", "row 3", "'input_id'", "'N0'")

    after = cli("info", "--project", "semiconductors", "--format", "json")
    assert after.exit_code == 0
    assert after.stdout_bytes == before.stdout_bytes


def test_import_new_replace_and_merge(cli, db, tmp_path, eto_copy):
    first = cli("import", str(eto_copy), "--project", "chips")
    assert first.exit_code == 0, first.output
    assert "imported as project 'chips'" in first.stdout
    assert "7 alias rows merged" in first.stdout
    assert "warnings: 246 unknown_share" in first.stdout

    small = tmp_path / "small"
    small.mkdir()
    (small / "nodes.csv").write_text("id,name,kind\nX1,Gallium,material\n", encoding="utf-8")
    merged = cli("import", str(small), "--project", "chips", "--merge")
    assert merged.exit_code == 0, merged.output
    assert "merged into project 'chips'" in merged.stdout
    assert len(Store(db).chains.load("chips").nodes) == 130

    replaced = cli("import", str(small), "--project", "chips")
    assert replaced.exit_code == 0
    assert "replaced project 'chips'" in replaced.stdout
    assert len(Store(db).chains.load("chips").nodes) == 1


def test_import_warnings_listed_on_request(cli, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "nodes.csv").write_text("id,name,kind,colour\nA,Wafer,material,red\n", encoding="utf-8")
    (folder / "actors.csv").write_text("id,name,kind,country\nCHN,China,country,CHN\n", encoding="utf-8")
    (folder / "provisions.csv").write_text("actor,node,share\nCHN,A,\n", encoding="utf-8")
    result = cli("import", str(folder), "--project", "p", "--warnings")
    assert result.exit_code == 0, result.output
    assert "warnings: 1 unknown_column, 1 unknown_share" in result.stdout
    assert "warning: nodes.csv, column 'colour'" in result.stdout
    assert "warning: provisions.csv, row 2, column 'share'" in result.stdout


def test_import_input_format_option(cli, db, tmp_path):
    chain = load_semiconductors()
    from chokepoint.io.writers import write_json

    path = write_json(chain, tmp_path / "chain.json").rename(tmp_path / "chain.txt")
    result = cli("import", str(path), "--project", "p", "--input-format", "json")
    assert result.exit_code == 0, result.output
    assert Store(db).chains.load("p").equals(chain)


# ------------------------------------------------------------------ template
def test_template_imports_cleanly(cli, db, tmp_path):
    out = tmp_path / "x.xlsx"
    result = cli("template", str(out), use_db=False)
    assert result.exit_code == 0, result.output
    assert out.exists()
    from openpyxl import load_workbook

    wb = load_workbook(out)
    assert {"README", "nodes", "edges", "actors", "provisions"} <= set(wb.sheetnames)
    # drop-downs for the kinds, checks for shares and thresholds (Excel refuses other values)
    from chokepoint.model.schema import EDGE_KINDS, NODE_KINDS

    def rules(sheet: str) -> dict[str, object]:
        ws = wb[sheet]
        head = [c.value for c in ws[1]]
        return {head[next(iter(r.sqref.ranges)).min_col - 1]: r for r in ws.data_validations.dataValidation}

    kind = rules("nodes")["kind"]
    assert kind.type == "list"
    assert kind.formula1 == '"' + ",".join(NODE_KINDS) + '"'
    assert str(kind.sqref) == "D2:D5000"
    assert rules("edges")["kind"].formula1 == '"' + ",".join(EDGE_KINDS) + '"'
    share = rules("provisions")["share"]
    assert (share.type, share.formula1, share.formula2) == ("decimal", "0.0", "1.0")
    assert rules("nodes")["threshold"].type == "whole"
    report = read_chain(out)
    assert report.warnings == []
    assert sorted(report.chain.nodes["id"]) == ["N19", "N20"]
    imported = cli("import", str(out), "--project", "from-template")
    assert imported.exit_code == 0, imported.output
    assert "warnings" not in imported.stdout
    assert Store(db).chains.load("from-template").equals(report.chain)


def test_template_needs_xlsx(cli, tmp_path):
    result = cli("template", str(tmp_path / "x.csv"), use_db=False)
    assert_clean_error(result, ".xlsx", exit_code=2)
    assert not (tmp_path / "x.csv").exists()


# -------------------------------------------------------------------- export
@pytest.mark.parametrize("target", ["chips.xlsx", "chips.json", "chips-folder"])
def test_export(cli, tmp_path, target):
    assert cli("demo").exit_code == 0
    out = tmp_path / target
    result = cli("export", "--project", "semiconductors", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stdout
    assert "Emerging Technology Observatory" in result.stdout  # attribution travels with the data
    if target == "chips-folder":
        assert sorted(p.name for p in out.iterdir()) == [
            "actors.csv",
            "edges.csv",
            "meta.csv",
            "nodes.csv",
            "provisions.csv",
        ]
    assert read_chain(out).chain.equals(load_semiconductors())


def test_export_bad_extension(cli, tmp_path):
    assert cli("demo").exit_code == 0
    result = cli("export", "-p", "semiconductors", "-o", str(tmp_path / "x.parquet"))
    assert_clean_error(result, "x.parquet", exit_code=2)  # a usage error


# ------------------------------------------------------------------ projects
def test_projects_list_rename_delete(cli):
    empty = cli("projects", "list")
    assert empty.exit_code == 0
    assert "no projects" in empty.stdout
    assert cli("demo", "--project", "a").exit_code == 0
    assert cli("demo", "--project", "b").exit_code == 0

    listed = cli("projects", "list")
    assert listed.exit_code == 0
    assert [ln.split()[0] for ln in listed.stdout.splitlines()] == ["a", "b"]
    assert "126 nodes" in listed.stdout
    assert "1300 provisions" in listed.stdout
    as_json = json.loads(cli("projects", "list", "--format", "json").stdout)
    assert [(p["name"], p["nodes"], p["actors"], p["provisions"]) for p in as_json] == [
        ("a", 126, 396, 1300),
        ("b", 126, 396, 1300),
    ]
    as_csv = list(csv.DictReader(io.StringIO(cli("projects", "list", "-f", "csv").stdout)))
    assert [r["name"] for r in as_csv] == ["a", "b"]

    renamed = cli("projects", "rename", "a", "c")
    assert renamed.exit_code == 0
    assert "renamed 'a' to 'c'" in renamed.stdout
    clash = cli("projects", "rename", "c", "b")
    assert_clean_error(clash, "'b' already exists")

    kept = cli("projects", "delete", "b", input="n\n")
    assert kept.exit_code == 1
    deleted = cli("projects", "delete", "b", "--yes")
    assert deleted.exit_code == 0
    assert "deleted 'b'" in deleted.stdout
    names = [p["name"] for p in json.loads(cli("projects", "list", "-f", "json").stdout)]
    assert names == ["c"]


def test_projects_delete_confirmed_interactively(cli):
    assert cli("demo", "--project", "a").exit_code == 0
    result = cli("projects", "delete", "a", input="y\n")
    assert result.exit_code == 0, result.output
    assert json.loads(cli("projects", "list", "-f", "json").stdout) == []


# -------------------------------------------------------------------- errors
def test_unknown_project_is_a_clean_error(cli):
    assert cli("demo", "--project", "alpha").exit_code == 0
    for args in (
        ["info", "--project", "nope"],
        ["export", "--project", "nope", "--out", "x.json"],
        ["projects", "rename", "nope", "x"],
        ["projects", "delete", "nope", "--yes"],
    ):
        result = cli(*args)
        assert_clean_error(result, "no project named 'nope'", "projects in this store: alpha")


def test_missing_input_is_a_clean_error(cli, tmp_path):
    result = cli("import", str(tmp_path / "nothing-here"), "--project", "p")
    assert_clean_error(result, "no such file or folder")


def test_unreadable_workbook_is_a_clean_error(cli, tmp_path):
    (tmp_path / "bad.xlsx").write_bytes(b"not a workbook")
    result = cli("import", str(tmp_path / "bad.xlsx"), "--project", "p")
    assert_clean_error(result, "bad.xlsx")


def test_usage_errors_exit_2(runner):
    result = runner.invoke(app, ["info"])  # --project is required
    assert result.exit_code == 2
    result = runner.invoke(app, ["no-such-command"])
    assert result.exit_code == 2


def test_import_merge_may_refer_to_stored_rows_and_is_refused_whole(cli, db, tmp_path):
    assert cli("demo").exit_code == 0
    before = Store(db).chains.load("semiconductors")
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "nodes.csv").write_text("id,name,kind\n", encoding="utf-8")
    (folder / "actors.csv").write_text(
        "id,name,kind,country\nX1,New Litho Co,enterprise,CHN\n", encoding="utf-8"
    )
    (folder / "provisions.csv").write_text("actor,node,share,year\nX1,N20,,2025\n", encoding="utf-8")
    ok = cli("import", str(folder), "--project", "semiconductors", "--merge")
    assert ok.exit_code == 0, ok.output
    merged = Store(db).chains.load("semiconductors")
    assert len(merged.actors) == len(before.actors) + 1
    assert len(merged.provisions) == len(before.provisions) + 1

    # ASML already holds 100 % of N20 (EUV lithography tools): 30 % more is refused, nothing changes
    (folder / "provisions.csv").write_text("actor,node,share,year\nX1,N20,0.3,2025\n", encoding="utf-8")
    refused = cli("import", str(folder), "--project", "semiconductors", "--merge")
    assert_clean_error(refused, "'N20'")
    assert Store(db).chains.load("semiconductors").equals(merged)
