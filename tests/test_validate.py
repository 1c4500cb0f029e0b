"""Every validation rule of chokepoint.model.validate, each with a failing input.

Rows are spreadsheet rows: the header is row 1, so ``tables[name][i]`` is row ``i + 2``.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from chokepoint.errors import ChainValidationError, Problem
from chokepoint.io.chains import read_chain
from chokepoint.model.validate import SHARE_SUM_TOLERANCE, chain_from_tables
from conftest import base_tables, raw_table, to_blocks, validate, validation_problems


def only(problems: list[Problem], code: str) -> Problem:
    """The single problem with ``code``; fails when there are none or several."""
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, f"expected one {code!r} problem, got {found} among {problems}"
    return found[0]


def where(p: Problem) -> tuple[str, int | None, str | None, str, str]:
    return (p.source, p.row, p.column, p.code, p.severity)


# --------------------------------------------------------------------- baseline
def test_base_tables_are_valid_and_country_plus_firm_shares_may_sum_to_two():
    report = validate(base_tables())
    chain = report.chain
    assert len(chain.nodes) == 4
    assert report.warnings == []
    a = chain.provisions[chain.provisions["node"] == "A"]
    # countries 0.6 + 0.4 and firms 0.7 + 0.3: two provider levels, 2.0 in all, not an error
    assert a["share"].sum() == pytest.approx(2.0)
    assert chain.node("A")["hs_codes"] == ("381800", "281820")
    assert chain.actor("EUR")["members"] == ("DEU", "FRA")


# ------------------------------------------------------------------- columns
def test_missing_required_column():
    t = base_tables()
    for r in t["edges"]:
        del r["kind"]
    p = only(validation_problems(t), "missing_column")
    assert where(p) == ("edges.csv", None, "kind", "missing_column", "error")


def test_unknown_column_is_a_warning_and_ignored():
    t = base_tables()
    for r in t["nodes"]:
        r["colour"] = "red"
    report = validate(t)
    p = only(report.warnings, "unknown_column")
    assert where(p) == ("nodes.csv", None, "colour", "unknown_column", "warning")
    assert "colour" not in report.chain.nodes.columns


def test_blank_required_value():
    t = base_tables()
    t["nodes"][2]["name"] = "   "
    p = only(validation_problems(t), "required_value")
    assert where(p) == ("nodes.csv", 4, "name", "required_value", "error")


def test_country_without_its_code_is_a_blank_required_value():
    t = base_tables()
    t["actors"][1]["country"] = ""
    p = only(validation_problems(t), "required_value")
    assert where(p) == ("actors.csv", 3, "country", "required_value", "error")


def test_not_a_number():
    t = base_tables()
    t["nodes"][1]["gap"] = "high"
    p = only(validation_problems(t), "not_a_number")
    assert where(p) == ("nodes.csv", 3, "gap", "not_a_number", "error")
    assert "'high'" in p.reason


def test_infinity_is_not_a_number():
    t = base_tables()
    t["nodes"][1]["market_size"] = "inf"
    p = only(validation_problems(t), "not_a_number")
    assert where(p) == ("nodes.csv", 3, "market_size", "not_a_number", "error")


def test_not_an_integer():
    t = base_tables()
    t["provisions"][1]["year"] = "2024.5"
    p = only(validation_problems(t), "not_an_integer")
    assert where(p) == ("provisions.csv", 3, "year", "not_an_integer", "error")


def test_integer_written_as_float_is_accepted():
    t = base_tables()
    t["nodes"][1]["threshold"] = "4.0"
    assert validate(t).chain.node("A")["threshold"] == 4


@pytest.mark.parametrize(
    ("table", "index", "column", "value"),
    [
        ("provisions", 0, "share", "1.4"),
        ("provisions", 0, "share", "-0.1"),
        ("nodes", 1, "threshold", "7"),
        ("nodes", 1, "threshold", "0"),
        ("edges", 0, "weight", "2"),
        ("nodes", 1, "gap", "1.5"),
        ("nodes", 1, "market_size_year", "1700"),
        ("edges", 0, "difficulty", "-1"),
    ],
)
def test_out_of_range(table, index, column, value):
    t = base_tables()
    t[table][index][column] = value
    p = only(validation_problems(t), "out_of_range")
    assert where(p) == (f"{table}.csv", index + 2, column, "out_of_range", "error")
    assert value in p.reason


def test_share_in_range_bounds_are_inclusive():
    t = base_tables()
    t["provisions"] = [
        {"actor": "CHN", "node": "A", "share": "1", "year": "2024"},
        {"actor": "USA", "node": "A", "share": "0", "year": "2024"},
    ]
    shares = validate(t).chain.provisions["share"].tolist()
    assert shares == [1.0, 0.0]


# ---------------------------------------------------------------- vocabulary
@pytest.mark.parametrize(
    ("table", "index", "column", "value"),
    [
        ("nodes", 3, "kind", "gadget"),
        ("actors", 3, "kind", "firm"),
        ("edges", 1, "kind", "feeds"),
        ("nodes", 3, "children_rule", "some"),
    ],
)
def test_unknown_kind(table, index, column, value):
    t = base_tables()
    t[table][index][column] = value
    p = only(validation_problems(t), "unknown_kind")
    assert where(p) == (f"{table}.csv", index + 2, column, "unknown_kind", "error")
    assert repr(value) in p.reason


# ---------------------------------------------------------------- duplicates
def test_duplicate_node_id():
    t = base_tables()
    t["nodes"].append({"id": "B", "name": "Another die", "kind": "component"})
    p = only(validation_problems(t), "duplicate_id")
    assert where(p) == ("nodes.csv", 6, "id", "duplicate_id", "error")
    assert "nodes.csv row 4" in p.reason  # where it was first defined


def test_actor_alias_rows_are_merged_and_aliases_unioned():
    t = base_tables()
    t["actors"] += [
        {
            "id": "F1",
            "name": "Wafer Co",
            "kind": "enterprise",
            "country": "CHN",
            "aliases": "Wafer Company;WC",
            "name_zh": "晶圆公司",
        },
        {"id": "F1", "name": "Wafer Co", "kind": "enterprise", "country": "CHN", "aliases": "WaferCo Ltd"},
    ]
    report = validate(t)
    assert report.merged_alias_rows == 2
    actors = report.chain.actors
    assert (actors["id"] == "F1").sum() == 1
    f1 = report.chain.actor("F1")
    assert f1["aliases"] == ("WC", "Wafer Company", "WaferCo Ltd")
    assert f1["name_zh"] == "晶圆公司"  # filled from a later alias row
    assert len(actors) == 5


@pytest.mark.parametrize(
    ("column", "value"), [("name", "Other Co"), ("kind", "institution"), ("country", "USA")]
)
def test_conflicting_duplicate_actor_id(column, value):
    t = base_tables()
    dup = dict(t["actors"][3])
    dup[column] = value
    t["actors"].append(dup)
    p = only(validation_problems(t), "duplicate_id")
    assert where(p) == ("actors.csv", 7, column, "duplicate_id", "error")
    assert "actors.csv row 5" in p.reason


def test_duplicate_edge():
    t = base_tables()
    t["edges"].append({"source": "A", "target": "B", "kind": "input_of", "weight": "0.2"})
    p = only(validation_problems(t), "duplicate_edge")
    assert where(p) == ("edges.csv", 4, None, "duplicate_edge", "error")
    assert "edges.csv row 2" in p.reason


def test_same_pair_with_another_edge_kind_is_not_a_duplicate():
    t = base_tables()
    t["edges"].append({"source": "A", "target": "B", "kind": "substitute_for"})
    assert len(validate(t).chain.edges) == 3


def test_duplicate_provision():
    t = base_tables()
    t["provisions"].append({"actor": "F1", "node": "A", "share": "0.1", "year": "2024"})
    p = only(validation_problems(t), "duplicate_provision")
    assert where(p) == ("provisions.csv", 6, None, "duplicate_provision", "error")
    assert "provisions.csv row 4" in p.reason


def test_same_provision_in_another_year_is_not_a_duplicate():
    t = base_tables()
    t["provisions"].append({"actor": "F1", "node": "A", "share": "0.5", "year": "2023"})
    prov = validate(t).chain.provisions
    assert sorted(prov.loc[prov["actor"] == "F1", "year"].tolist()) == [2023, 2024]


# ---------------------------------------------------------------- references
@pytest.mark.parametrize("column", ["source", "target"])
def test_unknown_reference_edge(column):
    t = base_tables()
    t["edges"][1][column] = "NOPE"
    p = only(validation_problems(t), "unknown_reference")
    assert where(p) == ("edges.csv", 3, column, "unknown_reference", "error")
    assert "'NOPE'" in p.reason


@pytest.mark.parametrize(("column", "value"), [("actor", "P999"), ("node", "N999")])
def test_unknown_reference_provision(column, value):
    t = base_tables()
    t["provisions"][2][column] = value
    p = only(validation_problems(t), "unknown_reference")
    assert where(p) == ("provisions.csv", 4, column, "unknown_reference", "error")


def test_node_stage_must_be_a_stage_node():
    t = base_tables()
    t["nodes"][2]["stage"] = "A"  # A exists but is a material, not a stage
    p = only(validation_problems(t), "unknown_reference")
    assert where(p) == ("nodes.csv", 4, "stage", "unknown_reference", "error")
    assert "stage" in p.reason


# ----------------------------------------------------------------- countries
def test_unknown_country_code_of_a_country():
    t = base_tables()
    t["actors"].append({"id": "ZZZ", "name": "Nowhere", "kind": "country", "country": "ZZZ"})
    p = only(validation_problems(t), "unknown_country")
    assert where(p) == ("actors.csv", 7, "country", "unknown_country", "error")


def test_unknown_country_code_of_an_enterprise():
    t = base_tables()
    t["actors"][3]["country"] = "XXA"
    p = only(validation_problems(t), "unknown_country")
    assert where(p) == ("actors.csv", 5, "country", "unknown_country", "error")


def test_enterprise_in_a_declared_region_is_fine_but_not_in_an_undeclared_one():
    t = base_tables()
    assert validate(t).chain.actor("F2")["country"] == "EUR"
    t["actors"] = [a for a in t["actors"] if a["id"] != "EUR"]
    p = only(validation_problems(t), "unknown_country")
    assert where(p) == ("actors.csv", 5, "country", "unknown_country", "error")


def test_region_code_need_not_be_iso():
    t = base_tables()
    t["actors"].append({"id": "VAR", "name": "Various", "kind": "region", "country": "VAR"})
    assert validate(t).chain.actor("VAR")["kind"] == "region"


def test_duplicate_country_code():
    t = base_tables()
    t["actors"].append({"id": "CN2", "name": "PRC", "kind": "country", "country": "CHN"})
    p = only(validation_problems(t), "duplicate_id")
    assert where(p) == ("actors.csv", 7, "country", "duplicate_id", "error")
    assert "'CHN'" in p.reason


# -------------------------------------------------------------------- graph
def test_self_loop():
    t = base_tables()
    t["edges"].append({"source": "B", "target": "B", "kind": "input_of"})
    problems = validation_problems(t)
    p = only(problems, "self_loop")
    assert where(p) == ("edges.csv", 4, None, "self_loop", "error")
    assert not [q for q in problems if q.code == "cycle"]


def test_cycle_in_input_of():
    t = base_tables()
    t["edges"].append({"source": "C", "target": "A", "kind": "input_of"})
    cycle = [p for p in validation_problems(t) if p.code == "cycle"]
    assert sorted((p.source, p.row, p.column) for p in cycle) == [
        ("edges.csv", 2, None),
        ("edges.csv", 3, None),
        ("edges.csv", 4, None),
    ]
    assert all("input_of" in p.reason and "A, B, C" in p.reason for p in cycle)


def test_cycle_in_type_of():
    t = base_tables()
    t["edges"] += [
        {"source": "A", "target": "C", "kind": "type_of"},
        {"source": "C", "target": "A", "kind": "type_of"},
    ]
    cycle = [p for p in validation_problems(t) if p.code == "cycle"]
    assert sorted(p.row for p in cycle) == [4, 5]
    assert all(p.source == "edges.csv" and p.column is None and "type_of" in p.reason for p in cycle)


def test_input_of_and_type_of_together_must_be_acyclic():
    # A -> B input_of, B -> A type_of: each kind alone is acyclic, but the dependency graph
    # (input_of plus type_of) that the assessment and the scenarios walk is not
    t = base_tables()
    t["edges"].append({"source": "B", "target": "A", "kind": "type_of"})
    with pytest.raises(ChainValidationError) as info:
        validate(t)
    assert {p.code for p in info.value.problems} == {"cycle"}


def test_substitute_for_may_go_both_ways():
    t = base_tables()
    t["edges"] += [
        {"source": "A", "target": "B", "kind": "substitute_for", "switching_days": "30"},
        {"source": "B", "target": "A", "kind": "substitute_for", "switching_days": "0"},
    ]
    assert len(validate(t).chain.edges) == 4


# ------------------------------------------------------------------- shares
def test_share_sum_above_one_per_provider_level():
    t = base_tables()
    t["provisions"][3]["share"] = "0.5"  # firms of A: 0.7 + 0.5 = 1.2
    p = only(validation_problems(t), "share_sum")
    assert where(p) == ("provisions.csv", 4, "share", "share_sum", "error")  # first row of the group
    assert "organizations" in p.reason
    assert "'A'" in p.reason
    assert "2024" in p.reason


def test_share_sum_of_countries_counted_separately():
    t = base_tables()
    t["provisions"][1]["share"] = "0.5"  # countries of A: 0.6 + 0.5 = 1.1
    p = only(validation_problems(t), "share_sum")
    assert where(p) == ("provisions.csv", 2, "share", "share_sum", "error")
    assert "countries/regions" in p.reason


def test_share_sum_within_tolerance_is_fine():
    t = base_tables()
    t["provisions"][1]["share"] = "0.42"  # 1.02 <= 1 + tolerance
    assert SHARE_SUM_TOLERANCE >= 0.02
    validate(t)
    with pytest.raises(ChainValidationError):
        validate(t, share_sum_tolerance=0.0)


def test_share_sum_is_per_year():
    t = base_tables()
    t["provisions"].append({"actor": "CHN", "node": "A", "share": "0.9", "year": "2023"})
    t["provisions"].append({"actor": "USA", "node": "A", "share": "0.1", "year": "2023"})
    assert len(validate(t).chain.provisions) == 6


def test_share_sum_below_is_a_warning():
    t = base_tables()
    t["provisions"][1]["share"] = "0.2"  # countries of A: 0.8
    report = validate(t)
    p = only(report.warnings, "share_sum_below")
    assert where(p) == ("provisions.csv", 2, "share", "share_sum_below", "warning")


def test_blank_share_is_a_warning_and_stays_unknown():
    t = base_tables()
    t["provisions"][1]["share"] = ""
    report = validate(t)
    p = only(report.warnings, "unknown_share")
    assert where(p) == ("provisions.csv", 3, "share", "unknown_share", "warning")
    prov = report.chain.provisions
    usa = prov.loc[prov["actor"] == "USA", "share"].iloc[0]
    assert math.isnan(usa)  # unknown, never zero
    assert prov["share"].isna().sum() == 1


# ------------------------------------------------------------------- files
def _write_folder(folder: Path, tables: dict[str, list[dict[str, str]]]) -> Path:
    import csv

    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        cols: list[str] = []
        for r in rows:
            cols += [k for k in r if k not in cols]
        with open(folder / f"{name}.csv", "w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=cols)
            w.writeheader()
            w.writerows(rows)
    return folder


def test_wrong_encoding_names_file_and_line(tmp_path):
    folder = _write_folder(tmp_path / "chain", base_tables())
    text = (folder / "actors.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    assert "United States" in text[2]  # line 3
    text[2] = text[2].replace("United States", "Etats-Unis d'Amérique")
    (folder / "actors.csv").write_bytes("".join(text).encode("latin-1"))
    with pytest.raises(ChainValidationError) as info:
        read_chain(folder)
    p = only(info.value.problems, "encoding")
    assert where(p) == ("actors.csv", 3, None, "encoding", "error")
    assert "UTF-8" in p.reason
    assert "0xe9" in p.reason


def test_empty_file(tmp_path):
    folder = _write_folder(tmp_path / "chain", base_tables())
    (folder / "edges.csv").write_bytes(b"")
    with pytest.raises(ChainValidationError) as info:
        read_chain(folder)
    p = only(info.value.problems, "empty_file")
    assert where(p) == ("edges.csv", None, None, "empty_file", "error")


def test_whitespace_only_file_is_empty(tmp_path):
    folder = _write_folder(tmp_path / "chain", base_tables())
    (folder / "provisions.csv").write_text("\n  \n", encoding="utf-8")
    with pytest.raises(ChainValidationError) as info:
        read_chain(folder)
    assert only(info.value.problems, "empty_file").source == "provisions.csv"


def test_all_problems_are_reported_at_once(tmp_path):
    t = base_tables()
    t["nodes"][1]["threshold"] = "7"
    t["edges"][1]["target"] = "NOPE"
    t["provisions"][0]["share"] = "abc"
    t["nodes"].append({"id": "C", "name": "dup", "kind": "product"})
    folder = _write_folder(tmp_path / "chain", t)
    (folder / "actors.csv").write_bytes("id,name,kind,country\nX,Bé,enterprise,FRA\n".encode("latin-1"))
    with pytest.raises(ChainValidationError) as info:
        read_chain(folder)
    got = {(p.source, p.row, p.column, p.code) for p in info.value.problems}
    assert {
        ("nodes.csv", 3, "threshold", "out_of_range"),
        ("edges.csv", 3, "target", "unknown_reference"),
        ("provisions.csv", 2, "share", "not_a_number"),
        ("nodes.csv", 6, "id", "duplicate_id"),
        ("actors.csv", 2, None, "encoding"),
    } <= got
    message = str(info.value)
    assert message.startswith(f"{len(info.value.problems)} problems found; nothing was imported")
    for p in info.value.problems:
        assert str(p) in message


def test_validation_error_to_dict_lists_every_problem():
    t = base_tables()
    t["nodes"][1]["threshold"] = "9"
    t["edges"][0]["weight"] = "-3"
    with pytest.raises(ChainValidationError) as info:
        chain_from_tables(to_blocks(t))
    d = info.value.to_dict()
    assert d["code"] == "validation_error"
    assert [(p["source"], p["row"], p["column"]) for p in d["details"]["problems"]] == [
        ("nodes.csv", 3, "threshold"),
        ("edges.csv", 2, "weight"),
    ]


def test_no_nodes_table():
    t = base_tables()
    del t["nodes"]
    with pytest.raises(ChainValidationError) as info:
        chain_from_tables(to_blocks(t))
    assert "missing_table" in {p.code for p in info.value.problems}


def test_labels_and_scales_of_adapter_blocks_show_in_problems():
    """A block from a source layout reports its own column names and units."""
    nodes = raw_table("nodes", [{"id": "N1", "name": "x", "kind": "material"}])
    actors = raw_table("actors", [{"id": "P1", "name": "Firm", "kind": "enterprise"}])
    frame = pd.DataFrame({"actor": ["P1"], "node": ["N1"], "share": ["140"]}, dtype=object)
    from chokepoint.model.tables import RawTable

    prov = RawTable(
        "provisions",
        frame,
        "provision.csv",
        rows=[7],
        labels={"share": "share_provided"},
        scales={"share": 100.0},
    )
    with pytest.raises(ChainValidationError) as info:
        chain_from_tables([nodes, actors, prov])
    p = only(info.value.problems, "out_of_range")
    assert where(p) == ("provision.csv", 7, "share_provided", "out_of_range", "error")
    assert "0 to 100 percent" in p.reason


def test_percent_scale_is_exact():
    nodes = raw_table("nodes", [{"id": "N1", "name": "x", "kind": "material"}])
    actors = raw_table("actors", [{"id": "P1", "name": "Firm", "kind": "enterprise"}])
    from chokepoint.model.tables import RawTable

    frame = pd.DataFrame({"actor": ["P1"], "node": ["N1"], "share": ["17.8"]}, dtype=object)
    prov = RawTable("provisions", frame, "provision.csv", scales={"share": 100.0})
    chain = chain_from_tables([nodes, actors, prov]).chain
    assert chain.provisions["share"].iloc[0] == 0.178


# ------------------------------------------------------------ further rules
def test_invalid_hs_code():
    t = base_tables()
    t["nodes"][1]["hs_codes"] = "8486;12345678901;84a6"
    p = only(validation_problems(t), "invalid_hs_code")
    assert where(p) == ("nodes.csv", 3, "hs_codes", "invalid_hs_code", "error")
    assert "12345678901" in p.reason
    assert "84a6" in p.reason
    assert "8486," not in p.reason


def test_region_members_must_be_country_codes():
    t = base_tables()
    t["actors"][2]["members"] = "DEU;XXX"
    p = only(validation_problems(t), "unknown_country")
    assert where(p) == ("actors.csv", 4, "members", "unknown_country", "error")
    assert "XXX" in p.reason
    assert "DEU" not in p.reason


def test_only_regions_have_members():
    t = base_tables()
    t["actors"][3]["members"] = "DEU"
    [p] = [q for q in validation_problems(t) if q.column == "members"]
    assert (p.source, p.row, p.severity) == ("actors.csv", 5, "error")


@pytest.mark.parametrize(
    ("kind", "column"), [("type_of", "weight"), ("input_of", "switching_days"), ("input_of", "difficulty")]
)
def test_edge_attribute_of_another_kind_is_an_unused_value_warning(kind, column):
    t = base_tables()
    t["edges"].append({"source": "A", "target": "C", "kind": kind, column: "0.5"})
    report = validate(t)
    p = only(report.warnings, "unused_value")
    assert where(p) == ("edges.csv", 4, column, "unused_value", "warning")


def test_unknown_table():
    blocks = [*to_blocks(base_tables()), raw_table("widgets", [{"a": "1"}])]
    with pytest.raises(ChainValidationError) as info:
        chain_from_tables(blocks)
    p = only(info.value.problems, "unknown_table")
    assert (p.source, p.row, p.column) == ("widgets.csv", None, None)
