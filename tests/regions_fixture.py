"""An ILLUSTRATIVE region fixture (issue 26): three provinces, two cities each, and two parks of
each type per province (an innovation-led high-tech zone type and a manufacturing-led development
zone type), with made-up indicator values, two indicator systems (AHP for the high-tech zones,
expert weights for the development zones), and locations for a handful of Chinese enterprises of
the demo chain. Names, codes and numbers are for tests only; they describe no real park.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

CITIES = [
    ("CN-ZJ-HZ", "Hangzhou", "杭州市", "CN-ZJ"),
    ("CN-ZJ-NB", "Ningbo", "宁波市", "CN-ZJ"),
    ("CN-JS-SZ", "Suzhou", "苏州市", "CN-JS"),
    ("CN-JS-WX", "Wuxi", "无锡市", "CN-JS"),
    ("CN-GD-SZ", "Shenzhen", "深圳市", "CN-GD"),
    ("CN-GD-GZ", "Guangzhou", "广州市", "CN-GD"),
]

#: park code -> (name, name_zh, park type); four parks per province, two of each type.
PARKS = {
    "CN-ZJ-HZ-HT1": ("Illustrative Hangzhou High-tech Zone A", "示例杭州高新区A", "innovation"),
    "CN-ZJ-NB-HT2": ("Illustrative Ningbo High-tech Zone B", "示例宁波高新区B", "innovation"),
    "CN-ZJ-HZ-DZ1": ("Illustrative Hangzhou Development Zone A", "示例杭州开发区A", "manufacturing"),
    "CN-ZJ-NB-DZ2": ("Illustrative Ningbo Development Zone B", "示例宁波开发区B", "manufacturing"),
    "CN-JS-SZ-HT1": ("Illustrative Suzhou High-tech Zone A", "示例苏州高新区A", "innovation"),
    "CN-JS-WX-HT2": ("Illustrative Wuxi High-tech Zone B", "示例无锡高新区B", "innovation"),
    "CN-JS-SZ-DZ1": ("Illustrative Suzhou Development Zone A", "示例苏州开发区A", "manufacturing"),
    "CN-JS-WX-DZ2": ("Illustrative Wuxi Development Zone B", "示例无锡开发区B", "manufacturing"),
    "CN-GD-SZ-HT1": ("Illustrative Shenzhen High-tech Zone A", "示例深圳高新区A", "innovation"),
    "CN-GD-GZ-HT2": ("Illustrative Guangzhou High-tech Zone B", "示例广州高新区B", "innovation"),
    "CN-GD-SZ-DZ1": ("Illustrative Shenzhen Development Zone A", "示例深圳开发区A", "manufacturing"),
    "CN-GD-GZ-DZ2": ("Illustrative Guangzhou Development Zone B", "示例广州开发区B", "manufacturing"),
}

#: indicator -> unit
UNITS = {
    "rd_intensity": "%",
    "invention_patents": "per 10k employees",
    "hightech_share": "%",
    "coop_domestic": "projects",
    "coop_international": "projects",
    "output_density": "CNY bn per km2",
    "tax_density": "CNY bn per km2",
    "energy_intensity": "tce per CNY 10k",
}

#: park -> indicator values (made up)
VALUES = {
    "CN-ZJ-HZ-HT1": {"rd_intensity": 6.1, "invention_patents": 210, "hightech_share": 72, "coop_domestic": 40,
                     "coop_international": 12},
    "CN-ZJ-NB-HT2": {"rd_intensity": 3.9, "invention_patents": 120, "hightech_share": 58, "coop_domestic": 55,
                     "coop_international": 6},
    "CN-JS-SZ-HT1": {"rd_intensity": 5.2, "invention_patents": 260, "hightech_share": 66, "coop_domestic": 35,
                     "coop_international": 25},
    "CN-JS-WX-HT2": {"rd_intensity": 4.4, "invention_patents": 150, "hightech_share": 61, "coop_domestic": 28,
                     "coop_international": 9},
    "CN-GD-SZ-HT1": {"rd_intensity": 7.0, "invention_patents": 320, "hightech_share": 80, "coop_domestic": 30,
                     "coop_international": 30},
    "CN-GD-GZ-HT2": {"rd_intensity": 4.0, "invention_patents": 140, "hightech_share": 55, "coop_domestic": 45,
                     "coop_international": 14},
    "CN-ZJ-HZ-DZ1": {"output_density": 9.0, "tax_density": 0.9, "energy_intensity": 0.30, "coop_domestic": 20,
                     "coop_international": 5},
    "CN-ZJ-NB-DZ2": {"output_density": 12.0, "tax_density": 1.1, "energy_intensity": 0.45, "coop_domestic": 15,
                     "coop_international": 8},
    "CN-JS-SZ-DZ1": {"output_density": 15.0, "tax_density": 1.6, "energy_intensity": 0.35, "coop_domestic": 25,
                     "coop_international": 18},
    "CN-JS-WX-DZ2": {"output_density": 10.0, "tax_density": 1.0, "energy_intensity": 0.40, "coop_domestic": 18,
                     "coop_international": 7},
    "CN-GD-SZ-DZ1": {"output_density": 14.0, "tax_density": 1.4, "energy_intensity": 0.25, "coop_domestic": 22,
                     "coop_international": 20},
    "CN-GD-GZ-DZ2": {"output_density": 8.0, "tax_density": 0.7, "energy_intensity": 0.50, "coop_domestic": 30,
                     "coop_international": 4},
}  # fmt: skip

#: Chinese enterprises of the demo chain and where they are (illustrative assignments).
LOCATIONS = {
    "P115": "CN-BJ",  # NAURA
    "P123": "CN-SH",  # AMEC
    "P70": "CN-SH",  # SMEE
    "P37": "CN-SH",  # SMIC
    "P113": "CN-LN",  # Piotech
    "P107": "CN-LN",  # Kingsemi
    "P129": "CN-TJ",  # Hwatsing
    "P50": "CN-JS",  # JCET
}

#: The high-tech zones' system: AHP over innovation, openness and industry (Saaty's 1-9 scale).
HITECH_INDICATORS = [
    ("innovation", "", "Innovation capacity", "创新能力", "", "", ""),
    ("openness", "", "Open cooperation", "开放合作", "", "", ""),
    ("industry", "", "High-tech industry", "高技术产业", "", "", ""),
    ("rd", "innovation", "R&D intensity", "研发投入强度", "benefit", "%", "table:rd_intensity"),
    ("patents", "innovation", "Invention patents", "发明专利", "benefit", "per 10k employees",
     "table:invention_patents"),
    ("coop_dom", "openness", "Domestic cooperation", "国内合作", "benefit", "projects", "table:coop_domestic"),
    ("coop_intl", "openness", "International cooperation", "国际合作", "benefit", "projects",
     "table:coop_international"),
    ("hightech", "industry", "High-tech output share", "高新技术产值占比", "benefit", "%", "table:hightech_share"),
]  # fmt: skip
#: (parent, row, column, value): the top level is Saaty's published 3x3 example (weights
#: 0.637, 0.258, 0.105; CR 0.033); each pair of two children one comparison.
HITECH_COMPARISONS = [
    ("", "innovation", "openness", "3"),
    ("", "innovation", "industry", "5"),
    ("", "openness", "industry", "3"),
    ("innovation", "rd", "patents", "1"),
    ("openness", "coop_dom", "coop_intl", "1/3"),
]

#: The development zones' system: expert weights, the siblings' weights summing to 1.
DEVZONE_INDICATORS = [
    ("efficiency", "", "Land and energy efficiency", "集约高效", "", "", "", "0.6"),
    ("openness", "", "Open cooperation", "开放合作", "", "", "", "0.4"),
    ("output", "efficiency", "Output per km2", "地均产值", "benefit", "CNY bn per km2", "table:output_density", "0.5"),
    ("tax", "efficiency", "Tax per km2", "地均税收", "benefit", "CNY bn per km2", "table:tax_density", "0.3"),
    ("energy", "efficiency", "Energy per output", "单位产值能耗", "cost", "tce per CNY 10k", "table:energy_intensity",
     "0.2"),
    ("coop_dom", "openness", "Domestic cooperation", "国内合作", "benefit", "projects", "table:coop_domestic", "0.5"),
    ("coop_intl", "openness", "International cooperation", "国际合作", "benefit", "projects",
     "table:coop_international", "0.5"),
]  # fmt: skip


def region_table() -> pd.DataFrame:
    """The cities and parks as a region table."""
    rows = [
        {"code": c, "name": n, "name_zh": z, "level": "city", "parent": p, "park_type": ""}
        for c, n, z, p in CITIES
    ]
    rows += [
        {
            "code": code,
            "name": n,
            "name_zh": z,
            "level": "park",
            "parent": code.rsplit("-", 1)[0],
            "park_type": t,
        }
        for code, (n, z, t) in PARKS.items()
    ]
    return pd.DataFrame(rows)


def values_table() -> pd.DataFrame:
    """The parks' values in the long form of a region-values table."""
    rows = [
        {
            "region": park,
            "indicator": k,
            "value": v,
            "unit": UNITS[k],
            "period": "2025",
            "source": "illustrative",
        }
        for park, values in VALUES.items()
        for k, v in values.items()
    ]
    return pd.DataFrame(rows)


def system_sheets(which: str) -> dict[str, pd.DataFrame]:
    """The sheets of the ``hitech`` (AHP) or ``devzone`` (expert) system."""
    columns = ["id", "parent", "name", "name_zh", "direction", "unit", "source", "weight"]
    if which == "hitech":
        settings = {"name": "hitech", "title": "High-tech zones", "applies_to": "innovation", "weighting": "ahp",
                    "normalisation": "minmax", "aggregation": "weighted_sum"}  # fmt: skip
        indicators = pd.DataFrame([(*r, "") for r in HITECH_INDICATORS], columns=columns)
        comparisons = pd.DataFrame(HITECH_COMPARISONS, columns=["parent", "row", "column", "value"])
    else:
        settings = {"name": "devzone", "title": "Development zones", "applies_to": "manufacturing",
                    "weighting": "expert", "normalisation": "minmax", "aggregation": "weighted_sum"}  # fmt: skip
        indicators = pd.DataFrame(DEVZONE_INDICATORS, columns=columns)
        comparisons = pd.DataFrame(columns=["parent", "row", "column", "value"])
    system = pd.DataFrame({"key": list(settings), "value": list(settings.values())})
    return {"system": system, "indicators": indicators, "comparisons": comparisons}


def write_workbook(sheets: dict[str, pd.DataFrame], path: Path) -> Path:
    """Write sheets as an .xlsx workbook."""
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        for name, frame in sheets.items():
            frame.to_excel(xl, sheet_name=name, index=False)
    return path


def write_files(folder: Path) -> dict[str, Path]:
    """The fixture's files: regions.csv, values.csv, hitech.xlsx, devzone.xlsx."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {"regions": folder / "regions.csv", "values": folder / "values.csv"}
    region_table().to_csv(out["regions"], index=False)
    values_table().to_csv(out["values"], index=False)
    for which in ("hitech", "devzone"):
        out[which] = write_workbook(system_sheets(which), folder / f"{which}.xlsx")
    return out
