"""Trade readers (issue 18 items 8 and 10): duplicated FAOSTAT names, one side per Comtrade flow."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from chokepoint.errors import ChainValidationError
from chokepoint.io.trade_files import read_comtrade, read_fao
from chokepoint.trade.indicators import importer_indicators

# Same layout as tests/data/fao: first header cell empty, exporter rows x importer columns (tonnes),
# here with "Micronesia, Fed. Sts." twice as a column and twice as a row, as in the maize matrices.
MATRIX = """\
,China,"Micronesia, Fed. Sts.",Japan,"Micronesia, Fed. Sts."
United States of America,10,2,30,3
"Micronesia, Fed. Sts.",0,0,1,0
Japan,4,0,0,0.5
"Micronesia, Fed. Sts.",0,0,2,0
"""


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(text)
    return path


def test_fao_duplicated_country_rows_and_columns_are_summed(tmp_path: Path) -> None:
    _write(tmp_path, "Maize_Y2010_Global_trade.csv.gz", MATRIX)
    flows = read_fao(tmp_path)
    got = {(r.exporter, r.importer): r.quantity for r in flows.itertuples()}
    # hand sums: USA->FSM 2 + 3, FSM->JPN 1 + 2, JPN->FSM 0.5
    assert got == {
        ("USA", "CHN"): 10.0,
        ("USA", "FSM"): 5.0,
        ("USA", "JPN"): 30.0,
        ("FSM", "JPN"): 3.0,
        ("JPN", "CHN"): 4.0,
        ("JPN", "FSM"): 0.5,
    }
    assert set(flows["product"]) == {"1005"}
    assert set(flows["year"]) == {2010}
    assert (flows["value"] == flows["quantity"]).all()
    assert set(flows["reported_by"]) == {"exporter"}


def test_fao_bad_cell_names_file_row_and_column(tmp_path: Path) -> None:
    _write(tmp_path, "Rice_Y2001_Global_trade.csv.gz", ",China,Japan\nJapan,4,n/a\nChina,0,-1\n")
    with pytest.raises(ChainValidationError) as info:
        read_fao(tmp_path)
    where = {(p.source, p.row, p.column) for p in info.value.problems}
    assert where == {
        ("Rice_Y2001_Global_trade.csv.gz", 2, "Japan"),
        ("Rice_Y2001_Global_trade.csv.gz", 3, "Japan"),
    }


def test_fao_unreadable_matrix_is_an_input_error_not_a_traceback(tmp_path: Path) -> None:
    from chokepoint.errors import InputFileError

    _write(tmp_path, "Wheat_Y2001_Global_trade.csv.gz", ",China\n")
    with pytest.raises(InputFileError, match="Wheat_Y2001_Global_trade"):
        read_fao(tmp_path)


COMTRADE = """\
year,reporterISO,partnerISO,cmdCode,flowCode,primaryValue,qty
2021,CHN,USA,1001,M,50,5
2021,CHN,JPN,1001,M,50,
2021,USA,CHN,1001,X,48,4.8
2021,DEU,CHN,1001,X,20,2
"""


def test_comtrade_importer_side_first_mirror_fills_gaps(tmp_path: Path) -> None:
    path = tmp_path / "ct.csv"
    path.write_text(COMTRADE)
    flows = read_comtrade(path)
    got = {r.exporter: (r.value, r.reported_by) for r in flows.itertuples()}
    assert got == {"USA": (50.0, "importer"), "JPN": (50.0, "importer"), "DEU": (20.0, "exporter")}
    assert set(flows["importer"]) == {"CHN"}
    assert flows.set_index("exporter").loc["USA", "quantity"] == 5.0  # the importer's, not 5 + 4.8
    ind = importer_indicators(flows).set_index(["importer", "product", "year"]).loc[("CHN", "1001", 2021)]
    assert ind["imports"] == pytest.approx(120.0)
    assert ind["top1_share"] == pytest.approx(50 / 120)
    assert ind["hhi"] == pytest.approx((50 / 120) ** 2 * 2 + (20 / 120) ** 2)


def test_comtrade_unknown_flow_code_names_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "ct.csv"
    path.write_text(COMTRADE + "2021,CHN,USA,1001,RX,1,\n")
    with pytest.raises(ChainValidationError) as info:
        read_comtrade(path)
    assert [(p.source, p.row, p.column) for p in info.value.problems] == [("ct.csv", 6, "flowCode")]
