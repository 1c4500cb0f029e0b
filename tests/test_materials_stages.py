"""Stage awareness (issue 19, item 3): BGS production by stage, concentration per stage, the bottleneck."""

from __future__ import annotations

import ast
import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chokepoint.errors import InputFileError
from chokepoint.io.bgs import read_bgs_production
from chokepoint.materials import stages
from chokepoint.materials.stages import stage_concentration

DATA = Path(__file__).parent / "data" / "materials"
BGS = DATA / "bgs_staged_2015_2021.csv.gz"
CODES = DATA / "baci_country_codes_V202401b.csv"
STAGED = {"cobalt", "copper", "nickel", "zinc", "rare earths"}
HEADER = "Country;commodity_code;commodity_desc;Sub-commodity;year;value\n"


def _rows(commodity: str, stage: str, values: dict[str, float], year: int = 2021) -> list[dict[str, object]]:
    return [
        {"commodity": commodity, "stage": stage, "year": year, "iso3": iso3, "country": iso3, "value": v}
        for iso3, v in values.items()
    ]


@pytest.fixture
def hand() -> pd.DataFrame:
    """Two commodities x two stages x three countries (tonnes), plus rows stage_concentration must ignore."""
    rows = [
        *_rows("cobalt", "mine", {"COD": 60.0, "AUS": 30.0, "RUS": 10.0}),
        *_rows("cobalt", "refinery", {"CHN": 70.0, "FIN": 20.0, "CAN": 10.0}),
        *_rows("zinc", "mine", {"CHN": 50.0, "PER": 30.0, "AUS": 20.0}),
        *_rows("zinc", "refinery", {"CHN": 40.0, "KOR": 40.0, "CAN": 20.0}),
        *_rows("cobalt", "mine", {"COD": 1.0, "AUS": 99.0}, year=2020),  # another year
        *_rows("graphite", "mine", {"CHN": 80.0, "MOZ": 20.0}),  # one stage only
    ]
    return pd.DataFrame(rows)


def test_hand_built_concentration(hand: pd.DataFrame) -> None:
    out = stage_concentration(hand, 2021, home=("AUS", "CAN")).set_index(["commodity", "stage"])
    assert list(out.index) == [
        ("cobalt", "mine"),
        ("cobalt", "refinery"),
        ("zinc", "mine"),
        ("zinc", "refinery"),
    ]
    # cobalt mine: 100 t; shares 0.6, 0.3, 0.1 -> HHI 0.36 + 0.09 + 0.01 = 0.46; home AUS 0.3
    # cobalt refinery: 100 t; shares 0.7, 0.2, 0.1 -> HHI 0.49 + 0.04 + 0.01 = 0.54; home CAN 0.1
    # zinc mine: 100 t; shares 0.5, 0.3, 0.2 -> HHI 0.25 + 0.09 + 0.04 = 0.38; home AUS 0.2
    # zinc refinery: 100 t; shares 0.4, 0.4, 0.2 -> HHI 0.16 + 0.16 + 0.04 = 0.36; home CAN 0.2;
    #   CHN and KOR tie at 0.4: the first code alphabetically (CHN) is the top producer
    expected = {
        ("cobalt", "mine"): (100.0, 0.46, "COD", 0.6, 0.3, False),
        ("cobalt", "refinery"): (100.0, 0.54, "CHN", 0.7, 0.1, True),  # 0.54 > 0.46: refining
        ("zinc", "mine"): (100.0, 0.38, "CHN", 0.5, 0.2, True),  # 0.38 > 0.36: mining
        ("zinc", "refinery"): (100.0, 0.36, "CHN", 0.4, 0.2, False),
    }
    for key, (world, hhi, top, top_share, home, bottleneck) in expected.items():
        row = out.loc[key]
        assert row["world_production"] == pytest.approx(world)
        assert row["hhi"] == pytest.approx(hhi)
        assert row["top_producer"] == top
        assert row["top_producer_share"] == pytest.approx(top_share)
        assert row["home_share"] == pytest.approx(home)
        assert bool(row["bottleneck"]) is bottleneck
        assert row["producers"] == 3
        assert row["missing"] == 0
        assert row["year"] == 2021
    assert out.loc[("cobalt", "mine"), "explanation"] == (
        "cobalt 2021: refinery output is more concentrated (HHI 0.54, China 70%) than mine output "
        "(HHI 0.46, DR Congo 60%): refining is the bottleneck"
    )
    assert out.loc[("zinc", "refinery"), "explanation"] == (
        "zinc 2021: mine output is more concentrated (HHI 0.38, China 50%) than refinery output "
        "(HHI 0.36, China 40%): mining is the bottleneck"
    )
    assert out.loc[("cobalt", "refinery"), "explanation_zh"] == (
        "钴 2021年：精炼环节产量（HHI 0.54，中国 70%）比采矿环节（HHI 0.46，刚果（金） 60%）更集中，瓶颈在精炼环节"
    )
    assert out.loc[("zinc", "mine"), "explanation_zh"].endswith("瓶颈在采矿环节")


def test_hhi_tie_goes_to_the_later_stage_and_unmatched_names_are_producers() -> None:
    # mine and refinery both 0.5 / 0.5 -> HHI 0.5 each: the refinery (later stage) is the bottleneck;
    # a producer without ISO3 code (the USSR) is named by its BGS name
    df = pd.DataFrame(
        [
            {
                "commodity": "nickel",
                "stage": "mine",
                "year": 1985,
                "iso3": None,
                "country": "Soviet Union",
                "value": 5.0,
            },
            {
                "commodity": "nickel",
                "stage": "mine",
                "year": 1985,
                "iso3": "CAN",
                "country": "Canada",
                "value": 5.0,
            },
            {
                "commodity": "nickel",
                "stage": "refinery",
                "year": 1985,
                "iso3": "JPN",
                "country": "Japan",
                "value": 2.0,
            },
            {
                "commodity": "nickel",
                "stage": "refinery",
                "year": 1985,
                "iso3": "NOR",
                "country": "Norway",
                "value": 2.0,
            },
        ]
    )
    out = stage_concentration(df, 1985, home=["Soviet Union"]).set_index("stage")
    assert out["hhi"].tolist() == pytest.approx([0.5, 0.5])
    assert out["bottleneck"].tolist() == [False, True]
    assert out.loc["mine", "top_producer"] == "CAN"  # CAN < Soviet Union alphabetically, equal shares
    assert out.loc["mine", "home_share"] == pytest.approx(0.5)
    assert "at least as concentrated" in out.loc["mine", "explanation"]
    assert "同样集中" in out.loc["mine", "explanation_zh"]


def test_missing_values_are_counted_and_a_missing_top_producer_is_said() -> None:
    df = pd.DataFrame(
        [
            {
                "commodity": "rare earths",
                "stage": "mine",
                "year": 2021,
                "iso3": "USA",
                "country": "USA",
                "value": 40.0,
            },
            {
                "commodity": "rare earths",
                "stage": "mine",
                "year": 2021,
                "iso3": "AUS",
                "country": "Australia",
                "value": 30.0,
            },
            {
                "commodity": "rare earths",
                "stage": "mine",
                "year": 2021,
                "iso3": "CHN",
                "country": "China",
                "value": np.nan,
            },
            {
                "commodity": "rare earths",
                "stage": "refinery",
                "year": 2021,
                "iso3": "CHN",
                "country": "China",
                "value": 90.0,
            },
            {
                "commodity": "rare earths",
                "stage": "refinery",
                "year": 2021,
                "iso3": "MMR",
                "country": "Myanmar",
                "value": 10.0,
            },
        ]
    )
    out = stage_concentration(df, 2021).set_index("stage")
    assert out.loc["mine", "missing"] == 1
    assert out.loc["mine", "producers"] == 2
    assert out.loc["mine", "missing_top_producer"] == "China"
    assert out.loc["refinery", "missing_top_producer"] is None
    assert out.loc["mine", "explanation"].endswith("; the data have no mine figure for China")
    assert out.loc["mine", "explanation_zh"].endswith("；数据缺少中国的采矿环节数字")


def test_no_staged_commodity_gives_an_empty_table(hand: pd.DataFrame) -> None:
    out = stage_concentration(hand, 1999)
    assert out.empty
    assert list(out.columns) == list(stages.COLUMNS)


def test_stages_module_is_pure() -> None:
    tree = ast.parse(Path(stages.__file__).read_text(encoding="utf-8"))
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in ([a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""])
    }
    assert imported <= {"__future__", "collections", "numpy", "pandas"}


# --- the real BGS data (a 2015-2021 extract of the staged commodities) -------------------------------


@pytest.fixture(scope="module")
def bgs() -> pd.DataFrame:
    return read_bgs_production(BGS, CODES)


def test_reader_on_the_extract(bgs: pd.DataFrame) -> None:
    assert list(bgs.columns) == [
        "country",
        "iso3",
        "commodity",
        "stage",
        "year",
        "value",
        "unit",
        "sub_commodity",
    ]
    assert set(bgs["commodity"]) == STAGED
    assert set(zip(bgs["commodity"], bgs["stage"], strict=True)) == {
        ("cobalt", "mine"),
        ("cobalt", "refinery"),
        ("copper", "mine"),
        ("copper", "smelter"),
        ("copper", "refinery"),
        ("nickel", "mine"),
        ("nickel", "refinery"),
        ("zinc", "mine"),
        ("zinc", "refinery"),
        ("rare earths", "mine"),
        ("rare earths", "refinery"),
    }
    assert bgs["year"].between(2015, 2021).all()
    assert bgs.attrs["unmatched_countries"] == []  # no historical entity after 2015
    assert bgs["iso3"].notna().all()
    assert not bgs.duplicated(["country", "commodity", "stage", "year"]).any()
    # sub-commodity parts are summed: Malaysia's rare earth minerals 2021 = Monazite 23 + Xenotime 23
    mys = bgs.query(
        "country == 'Malaysia' and commodity == 'rare earths' and stage == 'mine' and year == 2021"
    )
    assert mys["value"].tolist() == [46.0]
    assert mys["sub_commodity"].tolist() == ["Monazite + Xenotime"]
    # Australia 2021: unnamed 28,437 + Monazite 16,446
    aus = bgs.query(
        "country == 'Australia' and commodity == 'rare earths' and stage == 'mine' and year == 2021"
    )
    assert aus["value"].tolist() == [28437.0 + 16446.0]
    # a blank value stays missing: China's rare earth minerals 2021
    chn = bgs.query("country == 'China' and commodity == 'rare earths' and stage == 'mine' and year == 2021")
    assert chn["value"].isna().all()
    assert bgs.loc[bgs["country"] == "Congo, Democratic Republic", "iso3"].unique().tolist() == ["COD"]


def test_reader_iso3_without_a_code_table_agrees(bgs: pd.DataFrame) -> None:
    plain = read_bgs_production(BGS)
    pd.testing.assert_series_equal(plain["iso3"], bgs["iso3"])


def test_cobalt_2021_on_the_real_data(bgs: pd.DataFrame) -> None:
    out = stage_concentration(bgs, 2021).set_index(["commodity", "stage"])
    mine, refinery = out.loc[("cobalt", "mine")], out.loc[("cobalt", "refinery")]
    # BGS 2021: cobalt mine 130,975 t, DR Congo 93,011 t (71.0%), then Russia 8,000, Australia 5,232;
    # cobalt refined 166,334 t, China 128,000 t (77.0%), then Finland 14,287, Canada 6,000
    assert mine["world_production"] == pytest.approx(130975.0)
    assert mine["top_producer"] == "COD"
    assert mine["top_producer_share"] == pytest.approx(93011 / 130975)
    assert refinery["world_production"] == pytest.approx(166334.0)
    assert refinery["top_producer"] == "CHN"
    assert refinery["top_producer_share"] == pytest.approx(128000 / 166334)
    # HHI mine 0.514 < refinery 0.603: refining is the bottleneck
    assert mine["hhi"] == pytest.approx(0.5136, abs=1e-4)
    assert refinery["hhi"] == pytest.approx(0.6027, abs=1e-4)
    assert bool(refinery["bottleneck"])
    assert not bool(mine["bottleneck"])
    assert refinery["explanation"].startswith(
        "cobalt 2021: refinery output is more concentrated (HHI 0.60, China 77%)"
    )
    # rare earths 2021: BGS has no mine figure for China (blank since 2013), the top refiner
    assert out.loc[("rare earths", "mine"), "missing_top_producer"] == "China"


def test_one_bottleneck_per_staged_commodity_and_year(bgs: pd.DataFrame) -> None:
    for year in range(2015, 2022):
        out = stage_concentration(bgs, year, home=["CHN"])
        assert set(out["commodity"]) == STAGED
        assert out.groupby("commodity")["bottleneck"].sum().eq(1).all(), year
        assert out["hhi"].between(0, 1).all()
        assert out["explanation"].str.contains("is the bottleneck").all()
        assert out["explanation_zh"].str.contains("瓶颈在").all()
        assert out["home_share"].between(0, 1).all()
        assert out.groupby("commodity")["explanation"].nunique().eq(1).all()


# --- bad input ---------------------------------------------------------------------------------------


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_column_names_the_file_and_the_column(tmp_path: Path) -> None:
    f = _write(
        tmp_path / "bgs.csv",
        "Country;commodity_code;commodity_desc;year;value\nChina;36;cobalt mine;2021;1\n",
    )
    with pytest.raises(InputFileError) as err:
        read_bgs_production(f)
    assert err.value.path == "bgs.csv"
    assert "Sub-commodity" in str(err.value)


def test_non_numeric_value_names_file_row_and_column(tmp_path: Path) -> None:
    f = _write(
        tmp_path / "bgs.csv",
        HEADER + "China;36;cobalt mine;;2021;1000\nZambia;36;cobalt mine;;2021;about 300\n",
    )
    with pytest.raises(InputFileError) as err:
        read_bgs_production(f)
    assert err.value.path == "bgs.csv"
    assert "row 3" in err.value.reason
    assert "column 'value'" in err.value.reason
    assert "'about 300'" in err.value.reason


@pytest.mark.parametrize(
    ("body", "row", "column"),
    [
        ("China;36;cobalt mine;;2021;1\nZambia;36;cobalt mine;;-5;1\n", 3, "year"),
        ("China;36;cobalt mine;;2021;-1\n", 2, "value"),
        ("China;36;cobalt mine;;2021;1\n;36;cobalt mine;;2021;1\n", 3, "Country"),
        ("China;999;unobtainium mine;;2021;1\n", 2, "commodity_desc"),
        ("China;36;cobalt mine;;2021;1\nChina;36;cobalt mine;;2021;2\n", 3, "year"),
    ],
)
def test_other_bad_rows(tmp_path: Path, body: str, row: int, column: str) -> None:
    f = _write(tmp_path / "bad.csv", HEADER + body)
    with pytest.raises(InputFileError) as err:
        read_bgs_production(f)
    assert err.value.path == "bad.csv"
    assert f"row {row}, column {column!r}" in err.value.reason


def test_not_a_gzip_file(tmp_path: Path) -> None:
    f = tmp_path / "broken.csv.gz"
    f.write_bytes(b"not gzip at all")
    with pytest.raises(InputFileError) as err:
        read_bgs_production(f)
    assert err.value.path == "broken.csv.gz"


def test_lithium_measures_are_not_summed_and_unmatched_names_are_reported(tmp_path: Path) -> None:
    body = (
        "Australia;84;lithium minerals;Spodumene;2021;1966744\n"
        "Australia;84;lithium minerals;Lithium minerals (Li content);2021;55281\n"
        "Soviet Union;102;nickel mine;;1985;180000\n"
        "Morocco;103;nickel smelter/refined;Sulfate;2021;100\n"
        "Morocco;103;nickel smelter/refined;;2021;\n"
        "Atlantis;102;nickel mine;;1985;1\n"
    )
    f = tmp_path / "mixed.csv.gz"
    with gzip.open(f, "wt", encoding="utf-8") as g:
        g.write(HEADER + body)
    df = read_bgs_production(f)
    li = df[df["commodity"] == "lithium"].set_index("sub_commodity")["value"]
    assert li.to_dict() == {"Lithium minerals (Li content)": 55281.0, "Spodumene": 1966744.0}
    ma = df[(df["country"] == "Morocco")]
    assert ma[["stage", "value", "sub_commodity"]].to_dict("records") == [
        {"stage": "refinery", "value": 100.0, "sub_commodity": "Sulfate"}
    ]
    assert df.attrs["unmatched_countries"] == ["Atlantis", "Soviet Union"]
    assert df.loc[df["country"] == "Soviet Union", "iso3"].tolist() == [None]
