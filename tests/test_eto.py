"""The ETO Advanced Semiconductor Supply Chain Dataset adapter and the bundled demo chain."""

from __future__ import annotations

import csv
import math
from decimal import Decimal

import pytest

from chokepoint.datasets import eto_folder, load_semiconductors, load_semiconductors_report
from chokepoint.errors import ChainValidationError
from chokepoint.io.chains import read_chain
from chokepoint.io.eto import parse_market_size, read_eto


def eto_rows(name: str) -> list[dict[str, str]]:
    with open(eto_folder() / f"{name}.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def chain():
    return load_semiconductors()


@pytest.fixture(scope="module")
def summary(chain):
    return chain.summary()


def test_summary_counts(summary):
    assert summary["nodes"] == 126
    assert summary["stages"] == 3
    assert [s["id"] for s in summary["stage_list"]] == ["S1", "S2", "S3"]
    assert summary["actors"] == 396
    assert summary["countries_or_regions"] == 23
    assert summary["organizations"] == 373
    assert summary["actors_by_kind"] == {"country": 21, "enterprise": 373, "region": 2}
    assert summary["provisions"] == 1300
    assert summary["provisions_on_nodes"] == 1279
    assert summary["provisions_on_stages"] == 21
    assert summary["shares_unknown"] == 246
    assert summary["shares_known"] == 1300 - 246
    assert summary["edges_by_kind"] == {"input_of": 53, "type_of": 86}
    assert summary["edges"] == 139


def test_summary_is_json_and_names_the_source(summary):
    import json

    assert json.loads(json.dumps(summary)) == summary
    assert "ETO" in summary["meta"]["attribution"]
    assert "CC BY-NC 4.0" in summary["meta"]["license"]


def test_report_merges_alias_rows_and_warns_only_about_unknown_shares():
    report = load_semiconductors_report()
    assert report.merged_alias_rows == 7
    assert report.warning_counts() == {"unknown_share": 246}


def test_alias_rows_become_aliases(chain):
    assert (chain.actors["id"] == "P139").sum() == 1
    onto = chain.actor("P139")
    assert onto["name"] == "Onto Innovation"
    assert set(onto["aliases"]) == {"Rudolph Technologies", "Nanometrics"}
    assert set(chain.actor("P159")["aliases"]) == {"Canon ANELVA", "Canon Machinery"}


def test_counts_match_the_source_files(chain):
    inputs, stages, sequence = eto_rows("inputs"), eto_rows("stages"), eto_rows("sequence")
    providers, provision = eto_rows("providers"), eto_rows("provision")
    assert len(chain.nodes) == len(inputs) + len(stages)
    assert len(chain.actors) == len({p["provider_id"] for p in providers}) == len(providers) - 7
    assert len(chain.provisions) == len(provision)
    assert sum(bool(r["goes_into_id"]) for r in sequence) == 53
    assert sum(bool(r["is_type_of_id"]) for r in sequence) == 86


def test_shares_are_fractions(chain):
    prov = chain.provisions.set_index(["actor", "node", "year"])["share"]
    assert prov[("P88", "N20", 2025)] == 1.0  # ASML, EUV lithography tools: 100.0 %
    assert prov[("P88", "N19", 2025)] == 0.815  # ASML, lithography tools: 81.5 %
    assert prov[("P313", "N55", 2025)] == 0.024  # ACM Research, etch and clean tools: 2.4 %
    assert prov[("P2", "S3", 2022)] == 0.30  # China, ATP stage: 30.0 %
    known = chain.provisions["share"].dropna()
    assert known.between(0, 1).all()
    assert known.max() == 1.0


def test_every_share_and_year_matches_provision_csv(chain):
    got = {
        (a, n, int(y)): s
        for a, n, y, s in chain.provisions[["actor", "node", "year", "share"]].itertuples(index=False)
    }
    rows = eto_rows("provision")
    assert len(got) == len(rows)
    for r in rows:
        share = got[(r["provider_id"], r["provided_id"], int(r["year"]))]
        if r["share_provided"].strip():
            assert share == float(Decimal(r["share_provided"]) / 100), r
        else:
            assert math.isnan(share), r  # blank stays unknown, never zero


def test_years_are_kept_per_provision(summary, chain):
    assert summary["years"] == {"2019": 264, "2021": 16, "2022": 43, "2025": 977}
    assert str(chain.provisions["year"].dtype) == "Int64"
    assert chain.provisions["year"].notna().all()


def test_regions_and_countries(chain):
    europe, various = chain.actor("P312"), chain.actor("P5")
    assert (europe["kind"], europe["country"]) == ("region", "EUR")
    assert (various["kind"], various["country"]) == ("region", "VAR")
    regions = chain.actors[chain.actors["kind"] == "region"]
    assert sorted(regions["country"]) == ["EUR", "VAR"]
    usa = chain.actor("P1")
    assert (usa["kind"], usa["country"], usa["name"]) == ("country", "USA", "United States")
    countries = chain.actors[chain.actors["kind"] == "country"]
    assert countries["country"].str.fullmatch(r"[A-Z]{3}").all()
    assert countries["country"].is_unique


def test_organizations_keep_their_country(chain, summary):
    assert chain.actor("P88")["country"] == "NLD"  # ASML
    assert chain.actor("P370")["country"] == "VAR"  # 'Various companies' of 'Various countries'
    orgs = chain.actors[chain.actors["kind"] == "enterprise"]
    by_id = {
        r["provider_id"]: r["country"] for r in eto_rows("providers") if r["provider_type"] == "organization"
    }
    for aid, country in zip(orgs["id"], orgs["country"], strict=True):
        expected = {"Various countries": "VAR"}.get(by_id[aid], by_id[aid])
        assert country == expected, aid
    assert summary["organizations_by_country"]["NLD"] == 5


def test_node_kinds_stages_and_edges(chain):
    assert chain.node("N84")["kind"] == "software"
    assert chain.node("N85")["kind"] == "design"
    assert chain.node("N20")["kind"] == "equipment"
    stages = chain.nodes[chain.nodes["kind"] == "stage"]
    assert stages["id"].tolist() == ["S1", "S2", "S3"]
    non_stage = chain.nodes[chain.nodes["kind"] != "stage"]
    # every node has a stage, its own or inferred downstream, except the final product
    without = non_stage[~non_stage["stage"].isin(["S1", "S2", "S3"])]
    assert without["id"].tolist() == ["N99"]
    assert without["stage"].tolist() == [""]
    assert chain.node("N99")["kind"] == "product"
    assert chain.node("N0")["stage"] == "S1"
    assert "stage_inferred" not in chain.node("N0")["tags"]
    assert "stage_inferred" in chain.node("N84")["tags"]
    edges = set(zip(chain.edges["kind"], chain.edges["source"], chain.edges["target"], strict=True))
    assert ("type_of", "N20", "N19") in edges
    assert ("input_of", "N8", "N26") in edges
    assert chain.edges.loc[chain.edges["kind"] == "input_of", "weight"].isna().all()  # blank = 1


def test_market_size_parsed_and_text_kept(chain):
    n1 = chain.node("N1")
    assert n1["market_size"] == 56.2e9
    assert n1["market_size_year"] == 2019
    assert "Market size: $56.2 billion (microprocessors) (2019)" in n1["source"]
    assert chain.node("S1")["market_size"] == 574e9


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("$56.2 billion (microprocessors) (2019)", ("56200000000.0", "2019")),
        ("$1,234 million (2021)", ("1234000000.0", "2021")),
        ("$95 billion", ("95000000000.0", "")),
        ("unknown", ("", "")),
        ("", ("", "")),
    ],
)
def test_parse_market_size(text, parsed):
    assert parse_market_size(text) == parsed


def test_read_chain_detects_the_eto_layout(eto_copy, chain):
    assert read_chain(eto_copy).chain.equals(chain)


def test_malformed_copy_lists_every_problem_with_original_names(eto_copy):
    prov = (eto_copy / "provision.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    assert ",N55,2.4,2025," in prov[1]
    prov[1] = prov[1].replace(",N55,", ",N999,")  # row 2: unknown node
    assert ",N20,100.0,2025," in prov[44]
    prov[44] = prov[44].replace(",100.0,2025,", ",140,2025,")  # row 45: 140 %
    (eto_copy / "provision.csv").write_text("".join(prov), encoding="utf-8")
    inputs = (eto_copy / "inputs.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    assert inputs[1].startswith("N0,")
    inputs.insert(2, inputs[1])  # row 3: a second N0
    (eto_copy / "inputs.csv").write_text("".join(inputs), encoding="utf-8")

    with pytest.raises(ChainValidationError) as info:
        read_eto(eto_copy)
    got = {(p.source, p.row, p.column, p.code) for p in info.value.problems}
    assert got == {
        ("provision.csv", 2, "provided_id", "unknown_reference"),
        ("provision.csv", 45, "share_provided", "out_of_range"),
        ("inputs.csv", 3, "input_id", "duplicate_id"),
    }
    text = str(info.value)
    assert "140 is outside the range 0 to 100 percent" in text
    assert "'N999'" in text


def test_missing_eto_column(eto_copy):
    rows = eto_rows("providers")
    with open(eto_copy / "providers.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=[c for c in rows[0] if c != "provider_type"])
        w.writeheader()
        w.writerows({k: v for k, v in r.items() if k != "provider_type"} for r in rows)
    with pytest.raises(ChainValidationError) as info:
        read_eto(eto_copy)
    [p] = info.value.problems
    assert (p.source, p.row, p.column, p.code) == ("providers.csv", None, "provider_type", "missing_column")


def test_sequence_row_without_target(eto_copy):
    with open(eto_copy / "sequence.csv", "a", encoding="utf-8", newline="") as fh:
        fh.write("Wafer,N26,,,,\n")
    with pytest.raises(ChainValidationError) as info:
        read_eto(eto_copy)
    [p] = info.value.problems
    n = len(eto_rows("sequence")) + 2
    assert (p.source, p.row, p.column, p.code) == ("sequence.csv", n, "goes_into_id", "required_value")
