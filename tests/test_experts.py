"""Expert judgement (专家打分): template, sheet reader, aggregation, store, service, CLI and API."""

from __future__ import annotations

import json
import warnings
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from typer.testing import CliRunner

from chokepoint.assess.expert import AGGREGATE_COLUMNS, aggregate_expert_scores, assessable_mask
from chokepoint.cli import app as cli_app
from chokepoint.datasets import load_semiconductors
from chokepoint.errors import NotFoundError, ReportRejectedError, UsageError
from chokepoint.io.expert_sheets import HEADER_ROW, column_key, read_expert_sheet, write_expert_template
from chokepoint.service import experts as svc
from chokepoint.store import Store
from parity.experts import fill_sheet

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

CHAIN = load_semiconductors()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """A store with the demo chain as project ``semi``."""
    s = Store(tmp_path / "experts.db")
    s.chains.save("semi", CHAIN)
    return s


@pytest.fixture
def template(store: Store, tmp_path: Path) -> Path:
    """The project's expert template (Chinese)."""
    return svc.write_template(store, "semi", tmp_path / "template.xlsx")


def panel(template: Path, folder: Path) -> list[Path]:
    """Three experts' filled sheets: N20's gaps are 2, 4 and 5."""
    return [
        fill_sheet(template, folder / "a.xlsx", "Zhang San", {"N20": {"gap": 2, "threshold": 5}}, "CAS"),
        fill_sheet(
            template,
            folder / "b.xlsx",
            "Li Si",
            {"N20": {"gap": 4, "threshold": 4, "gap_years": 10}, "N44": {"substitutability": 2}},
            "SMIC",
        ),
        fill_sheet(
            template,
            folder / "c.xlsx",
            "Wang Wu",
            {"N20": {"gap": 5, "gap_years": 6, "comment": "EUV 光源"}, "N1": {"gap": 3}},
        ),
    ]


# ------------------------------------------------------------------------- template
def test_template_lists_the_assessable_technologies_with_a_bilingual_readme(template: Path) -> None:
    wb = load_workbook(template)
    assert wb.sheetnames == ["README", "scores"]
    readme = " ".join(str(c.value) for row in wb["README"].iter_rows() for c in row if c.value)
    assert "技术差距" in readme
    assert "Technology gap" in readme
    assert "gap_years" in readme
    ws = wb["scores"]
    assert "expert" in ws["A1"].value
    assert "专家" in ws["A1"].value
    assert "organization" in ws["A2"].value
    header = [column_key(str(c.value)) for c in ws[HEADER_ROW]]
    assert header == [
        "node",
        "name",
        "name_zh",
        "stage",
        "gap",
        "threshold",
        "substitutability",
        "gap_years",
        "comment",
    ]
    ids = [ws.cell(row=r, column=1).value for r in range(HEADER_ROW + 1, ws.max_row + 1)]
    assert ids == list(CHAIN.nodes["id"][assessable_mask(CHAIN)])
    assert "N20" in ids
    assert "N19" not in ids
    assert "S1" not in ids
    row = HEADER_ROW + 1 + ids.index("N20")
    assert [ws.cell(row=row, column=j).value for j in (2, 3, 4)] == [
        "EUV lithography tools",
        "EUV光刻机",
        "制造",
    ]


def test_template_in_english_and_unknown_language(store: Store, tmp_path: Path) -> None:
    path = svc.write_template(store, "semi", tmp_path / "en.xlsx", "en")
    ws = load_workbook(path)["scores"]
    assert ws.cell(row=HEADER_ROW, column=5).value == "gap technology gap (1-5)"
    assert ws.cell(row=HEADER_ROW + 1, column=4).value == "Design"
    with pytest.raises(UsageError):
        write_expert_template(CHAIN, tmp_path / "fr.xlsx", lang="fr")
    with pytest.raises(UsageError):
        svc.write_template(store, "semi", tmp_path / "x.csv")


def test_a_blank_template_scores_nothing(template: Path) -> None:
    rows, problems = read_expert_sheet(template)
    assert rows.empty
    assert [p.code for p in problems] == ["empty_file"]


# ------------------------------------------------------------------------- the round trip
def test_round_trip_three_experts_median(store: Store, template: Path, tmp_path: Path) -> None:
    done = svc.import_sheets(store, "semi", panel(template, tmp_path), "analyst")
    assert [s["expert"] for s in done["sheets"]] == ["Zhang San", "Li Si", "Wang Wu"]
    assert done["nodes"] == 5
    assert all(s["replaced"] == 0 for s in done["sheets"])
    scores = svc.expert_scores(store, "semi")
    assert len(scores) == 5
    assert set(scores["imported_by"]) == {"analyst"}
    assert set(scores["source"]) == {"a.xlsx[scores]", "b.xlsx[scores]", "c.xlsx[scores]"}
    assert scores["scored_at"].dt.tz is not None
    li = scores[(scores["expert"] == "Li Si") & (scores["node"] == "N20")].iloc[0]
    assert (li["organization"], li["gap"], li["threshold"], li["gap_years"]) == ("SMIC", 4.0, 4.0, 10.0)

    evidence = svc.expert_evidence(store, "semi")
    assert evidence is not None
    assert list(evidence.columns) == AGGREGATE_COLUMNS
    n20 = evidence.loc["N20"]
    assert n20["gap"] == 0.75  # median of 2, 4, 5 -> 4 -> (4 - 1) / 4
    assert n20["gap_iqr"] == pytest.approx(0.375)
    assert (n20["n"], n20["n_gap"], n20["n_threshold"], n20["n_gap_years"]) == (3, 3, 2, 2)
    assert n20["threshold"] == pytest.approx(0.875)  # median of 5 and 4
    assert n20["gap_years"] == 8.0
    assert evidence.loc["N44", "substitutability"] == 0.25
    assert evidence.loc["N44", "n"] == 1
    assert sorted(evidence.index) == ["N1", "N20", "N44"]
    summary = svc.expert_summary(store, "semi")
    assert summary.set_index("node").loc["N20", "name_zh"] == "EUV光刻机"


def test_nobody_scored_gives_no_evidence(store: Store) -> None:
    assert svc.expert_evidence(store, "semi") is None
    assert svc.expert_scores(store, "semi").empty
    assert svc.expert_summary(store, "semi").empty


def test_bad_sheets_give_row_and_column_errors_and_change_nothing(
    store: Store, template: Path, tmp_path: Path
) -> None:
    svc.import_sheets(store, "semi", panel(template, tmp_path)[:2], "analyst")
    before = svc.expert_scores(store, "semi")
    seven = fill_sheet(template, tmp_path / "seven.xlsx", "Zhao Liu", {"N20": {"gap": 7}, "N1": {"gap": 2}})
    unknown = fill_sheet(template, tmp_path / "unknown.xlsx", "Qian Qi", {"N999": {"gap": 3}})
    (tmp_path / "more").mkdir()
    good = panel(template, tmp_path / "more")[2]
    with pytest.raises(ReportRejectedError) as err:
        svc.import_sheets(store, "semi", [good, seven, unknown], "analyst")
    problems = err.value.problems
    ws = load_workbook(seven)["scores"]
    n20_row = next(
        r for r in range(HEADER_ROW + 1, ws.max_row + 1) if ws.cell(row=r, column=1).value == "N20"
    )
    located = {(p.source, p.row, p.column, p.code) for p in problems}
    assert ("seven.xlsx[scores]", n20_row, "gap", "out_of_range") in located
    n999_row = load_workbook(unknown)["scores"].max_row
    assert ("unknown.xlsx[scores]", n999_row, "node", "unknown_reference") in located
    assert len(problems) == 2
    assert "row" in str(err.value)
    assert "'gap'" in str(err.value)
    pd.testing.assert_frame_equal(svc.expert_scores(store, "semi"), before)


def test_reader_locates_every_problem(template: Path, tmp_path: Path) -> None:
    sheet = fill_sheet(
        template,
        tmp_path / "bad.xlsx",
        None,
        {
            "N20": {"gap": "abc", "gap_years": -2},
            "N1": {"threshold": 0.5, "substitutability": 3},
            "N2": {"substitutability": 9.5},
        },
    )
    wb = load_workbook(sheet)
    ws = wb["scores"]
    ws.cell(row=ws.max_row + 1, column=1, value="N1")  # N1 scored twice
    ws.cell(row=ws.max_row, column=5, value=2)
    dup_row = ws.max_row
    wb.save(sheet)
    rows, problems = read_expert_sheet(sheet)
    row_of = rows.drop_duplicates("node").set_index("node")["row"]
    found = {(p.row, p.column, p.code) for p in problems}
    assert (1, "expert", "missing_value") in found
    assert (row_of["N20"], "gap", "not_a_number") in found
    assert (row_of["N20"], "gap_years", "out_of_range") in found
    assert (row_of["N1"], "threshold", "out_of_range") in found
    assert (row_of["N2"], "substitutability", "out_of_range") in found
    assert (dup_row, "node", "duplicate") in found
    assert len(problems) == 6
    assert all(p.source == "bad.xlsx[scores]" for p in problems)
    assert "9.5" in next(p.reason for p in problems if p.column == "substitutability")


def test_categories_duplicated_experts_and_no_file_are_refused(
    store: Store, template: Path, tmp_path: Path
) -> None:
    one = fill_sheet(template, tmp_path / "one.xlsx", "Zhang San", {"N19": {"gap": 3}})
    with pytest.raises(ReportRejectedError) as err:
        svc.import_sheets(store, "semi", [one], "analyst")
    assert [p.code for p in err.value.problems] == ["not_assessable"]
    a = fill_sheet(template, tmp_path / "a.xlsx", "Zhang San", {"N20": {"gap": 3}})
    b = fill_sheet(template, tmp_path / "b.xlsx", "Zhang San", {"N1": {"gap": 3}})
    with pytest.raises(ReportRejectedError) as err:
        svc.import_sheets(store, "semi", [a, b], "analyst")
    assert [(p.source, p.column, p.code) for p in err.value.problems] == [
        ("b.xlsx[scores]", "expert", "duplicate")
    ]
    with pytest.raises(UsageError):
        svc.import_sheets(store, "semi", [], "analyst")
    assert svc.expert_scores(store, "semi").empty


def test_reimporting_an_expert_replaces_its_scores(store: Store, template: Path, tmp_path: Path) -> None:
    svc.import_sheets(store, "semi", panel(template, tmp_path), "analyst")
    again = fill_sheet(template, tmp_path / "b2.xlsx", "Li Si", {"N2": {"gap": 1}}, "SMIC")
    done = svc.import_sheets(store, "semi", [again], "officer")
    assert done["sheets"][0]["replaced"] == 2
    scores = svc.expert_scores(store, "semi")
    li = scores[scores["expert"] == "Li Si"]
    assert list(li["node"]) == ["N2"]
    assert list(li["imported_by"]) == ["officer"]
    assert len(scores) == 4  # the other experts' scores are kept
    evidence = svc.expert_evidence(store, "semi")
    assert evidence is not None
    assert evidence.loc["N20", "gap"] == pytest.approx(0.625)  # median of 2 and 5 now
    assert "N44" not in evidence.index


def test_csv_sheet_with_expert_columns(store: Store, tmp_path: Path) -> None:
    csv = tmp_path / "panel.csv"
    csv.write_text(
        "node,expert,organization,gap,threshold,substitutability,gap_years,comment\n"
        "N20,Zhang San,CAS,4,5,,10,\n"
        "\n"
        "N20,Li Si,,3,,2,,光源\n"
        "N1,Li Si,,,,,,no view\n",
        encoding="utf-8",
    )
    rows, problems = read_expert_sheet(csv)
    assert problems == []
    assert list(rows["row"]) == [2, 4, 5]
    done = svc.import_sheets(store, "semi", [csv], "cli")
    assert [s["expert"] for s in done["sheets"]] == ["Zhang San", "Li Si"]
    evidence = svc.expert_evidence(store, "semi")
    assert evidence is not None
    assert list(evidence.index) == ["N20"]  # a comment alone is no score
    assert evidence.loc["N20", "gap"] == pytest.approx(0.625)


def test_delete_an_expert_and_the_project(store: Store, template: Path, tmp_path: Path) -> None:
    svc.import_sheets(store, "semi", panel(template, tmp_path), "analyst")
    assert store.experts.experts("semi") == ["Li Si", "Wang Wu", "Zhang San"]
    assert svc.delete_expert(store, "semi", "Li Si") == {"expert": "Li Si", "deleted": 2}
    with pytest.raises(NotFoundError, match="Wang Wu"):
        store.experts.delete("semi", "Li Si")
    store.projects.delete("semi")
    store.chains.save("semi", CHAIN)
    assert store.experts.scores("semi").empty


# ------------------------------------------------------------------------- CLI and API
def test_cli_template_import_list_summary(store: Store, tmp_path: Path) -> None:
    runner, db = CliRunner(), ["--db", store.url.removeprefix("sqlite:///")]
    out = tmp_path / "t.xlsx"
    r = runner.invoke(cli_app, ["experts", "template", "-p", "semi", "--out", str(out), "--lang", "en", *db])
    assert r.exit_code == 0, r.output
    sheets = panel(out, tmp_path)
    r = runner.invoke(cli_app, ["experts", "import", *map(str, sheets), "-p", "semi", "--as", "ana", *db])
    assert r.exit_code == 0, r.output
    assert "b.xlsx[scores]: expert Li Si (SMIC): 2 nodes scored" in r.stdout
    r = runner.invoke(cli_app, ["experts", "summary", "-p", "semi", "--format", "json", *db])
    n20 = next(x for x in json.loads(r.stdout) if x["node"] == "N20")
    assert (n20["gap"], n20["n"]) == (0.75, 3)
    r = runner.invoke(cli_app, ["experts", "list", "-p", "semi", "--format", "csv", *db])
    assert r.stdout.count("\n") == 6
    assert "imported_by" in r.stdout
    bad = fill_sheet(out, tmp_path / "bad.xlsx", "X", {"N20": {"gap": 7}})
    r = runner.invoke(cli_app, ["experts", "import", str(bad), "-p", "semi", *db])
    assert r.exit_code == 1
    assert "bad.xlsx[scores], row" in r.output
    assert "column 'gap'" in r.output


def test_api_upload_several_sheets_and_errors(store: Store, template: Path, tmp_path: Path) -> None:
    from chokepoint.api import create_app

    store.users.add("ana", "analyst", "analyst-pw")
    headers = {"authorization": f"Bearer {store.tokens.create('ana', 'bearer', timedelta(days=1))}"}
    client = TestClient(create_app(store))
    sheets = panel(template, tmp_path)
    files = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in sheets]
    r = client.post("/api/projects/semi/experts", files=files, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["nodes"] == 5
    summary = client.get("/api/projects/semi/experts/summary", headers=headers).json()
    assert next(x for x in summary if x["node"] == "N20")["gap"] == 0.75
    bad = fill_sheet(template, tmp_path / "bad.xlsx", "X", {"N999": {"gap": 3}})
    r = client.post(
        "/api/projects/semi/experts",
        files=[("files", ("bad.xlsx", bad.read_bytes(), "application/octet-stream"))],
        headers=headers,
    )
    assert r.status_code == 422
    (problem,) = r.json()["error"]["details"]["problems"]
    assert (problem["source"], problem["column"], problem["code"]) == (
        "bad.xlsx[scores]",
        "node",
        "unknown_reference",
    )
    assert len(client.get("/api/projects/semi/experts", headers=headers).json()) == 5
    r = client.get("/api/projects/semi/experts/template?lang=en", headers=headers)
    assert r.status_code == 200
    assert r.content[:2] == b"PK"


# ------------------------------------------------------------------------- properties
SCORES = st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=12)


def _median(values: list[float]) -> float:
    df = pd.DataFrame({"node": "N1", "expert": [f"e{i}" for i in range(len(values))], "gap": values})
    return float(aggregate_expert_scores(df).loc["N1", "gap"])


@settings(max_examples=150, deadline=None)
@given(SCORES)
def test_median_stays_between_min_and_max(values: list[int]) -> None:
    m = _median([float(v) for v in values])
    assert (min(values) - 1) / 4 <= m <= (max(values) - 1) / 4


@settings(max_examples=150, deadline=None)
@given(SCORES)
def test_one_more_expert_at_the_median_does_not_change_it(values: list[int]) -> None:
    m = _median([float(v) for v in values])
    assert _median([float(v) for v in values] + [4 * m + 1]) == pytest.approx(m, abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=1, max_value=5), st.integers(min_value=1, max_value=8))
def test_a_unanimous_panel_gains_nothing_from_one_more_identical_score(score: int, n: int) -> None:
    assert _median([float(score)] * n) == _median([float(score)] * (n + 1)) == (score - 1) / 4


def test_aggregate_refuses_scores_off_the_scale() -> None:
    with pytest.raises(ValueError, match="1-5"):
        aggregate_expert_scores(pd.DataFrame({"node": ["N1"], "expert": ["a"], "gap": [7]}))
