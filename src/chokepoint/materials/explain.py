"""Plain-language explanations of raw-material indicators, in English and Chinese."""

from __future__ import annotations

import numpy as np
import pandas as pd

from chokepoint.errors import UsageError
from chokepoint.model.countries import country_name

#: Chinese names of World Mining Data's 65 commodities (the names of commodity_hs_map.csv)
COMMODITY_ZH: dict[str, str] = {
    "Aluminium": "铝",
    "Antimony": "锑",
    "Arsenic": "砷",
    "Asbestos": "石棉",
    "Baryte": "重晶石",
    "Bauxite": "铝土矿",
    "Bentonite": "膨润土",
    "Beryllium (conc.)": "铍（精矿）",
    "Bismuth": "铋",
    "Boron Minerals": "硼矿",
    "Cadmium": "镉",
    "Chromium (Cr2O3)": "铬（Cr2O3）",
    "Cobalt": "钴",
    "Coking Coal": "炼焦煤",
    "Copper": "铜",
    "Diamonds (Gem)": "宝石级金刚石",
    "Diamonds (Ind)": "工业金刚石",
    "Diatomite": "硅藻土",
    "Feldspar": "长石",
    "Fluorspar": "萤石",
    "Gallium": "镓",
    "Germanium": "锗",
    "Gold": "金",
    "Graphite": "石墨",
    "Gypsum and Anhydrite": "石膏和硬石膏",
    "Indium": "铟",
    "Iron (Fe)": "铁（Fe）",
    "Kaolin (China-Clay)": "高岭土",
    "Lead": "铅",
    "Lignite": "褐煤",
    "Lithium (Li2O)": "锂（Li2O）",
    "Magnesite": "菱镁矿",
    "Manganese": "锰",
    "Mercury": "汞",
    "Molybdenum": "钼",
    "Natural Gas": "天然气",
    "Nickel": "镍",
    "Niobium (Nb2O5)": "铌（Nb2O5）",
    "Oil Sands (part of Petroleum)": "油砂（属石油）",
    "Oil Shales": "油页岩",
    "Palladium": "钯",
    "Perlite": "珍珠岩",
    "Petroleum": "石油",
    "Phosphate Rock (P2O5)": "磷矿石（P2O5）",
    "Platinum": "铂",
    "Potash (K2O)": "钾盐（K2O）",
    "Rare Earths (REO)": "稀土（REO）",
    "Rhenium": "铼",
    "Rhodium": "铑",
    "Salt (rock, brines, marine)": "盐（岩盐、卤水、海盐）",
    "Selenium": "硒",
    "Silver": "银",
    "Steam Coal": "动力煤",
    "Sulfur (elementar & industrial)": "硫（单质和工业）",
    "Talc, Steatite & Pyrophyllite": "滑石、块滑石和叶蜡石",
    "Tantalum (Ta2O5)": "钽（Ta2O5）",
    "Tellurium": "碲",
    "Tin": "锡",
    "Titanium (TiO2)": "钛（TiO2）",
    "Tungsten (W)": "钨（W）",
    "Uranium (U3O8)": "铀（U3O8）",
    "Vanadium (V)": "钒（V）",
    "Vermiculite": "蛭石",
    "Zinc": "锌",
    "Zircon": "锆石",
}

LANGS = ("en", "zh")
#: economies the data code without an ISO 3166 code of their own (BACI's codes)
DATA_CODES = {"S19": ("Taiwan", "中国台湾"), "R20": ("Kosovo", "科索沃")}


def place_name(code: str, lang: str = "en") -> str:
    """The name of a country code in ``lang`` (ISO 3166 names; BACI's own codes of :data:`DATA_CODES`)."""
    if code in DATA_CODES:
        return DATA_CODES[code][lang == "zh"]
    return country_name(code, lang)


GROUPS_ZH = {"EU27": "欧盟27国"}


def _home_name(home: str, lang: str) -> str:
    if lang == "zh" and home in GROUPS_ZH:
        return GROUPS_ZH[home]
    return place_name(home, lang) if len(home) == 3 and "," not in home else home


def commodity_name(names: pd.Series, lang: str) -> pd.Series:
    """Commodity names in ``lang`` (Chinese from :data:`COMMODITY_ZH`, the English name otherwise)."""
    return names.map(COMMODITY_ZH).fillna(names) if lang == "zh" else names


def _pct(v: pd.Series) -> pd.Series:
    return (v * 100).round(0).astype("Int64").astype(str) + "%"


def _num(v: pd.Series, digits: int = 2) -> pd.Series:
    return v.round(digits).map(lambda x: f"{x:.{digits}f}")


def explanations(df: pd.DataFrame, lang: str = "en") -> pd.Series:
    """One sentence per indicator row: concentration, reliance and risk, leverage, and the gaps.

    Parameters
    ----------
    df : rows of :func:`chokepoint.materials.indicators.materials_indicators`.
    lang : ``en`` or ``zh``.

    Raises
    ------
    UsageError
        ``lang`` is not ``en`` or ``zh``.
    """
    if lang not in LANGS:
        raise UsageError(f"lang must be en or zh, not {lang!r}")
    name = commodity_name(df["commodity"], lang)
    trade = df["import_reliance"].notna()
    home = df["home"].map(lambda h: _home_name(h, lang))
    top = df["top_producer"].map(lambda c: place_name(c, lang), na_action="ignore").fillna("?")
    partner = df["top_partner"].map(lambda c: place_name(c, lang), na_action="ignore").fillna("?")
    if lang == "zh":
        head = (
            name
            + " "
            + df["year"].astype(str)
            + "年，"
            + home
            + "：全球产量HHI "
            + _num(df["hhi_production"])
            + "（最大生产国"
            + top
            + "，"
            + _pct(df["top_producer_share"])
            + "），本经济体产量占比"
            + _pct(df["home_production_share"])
            + "；"
        )
        with_trade = (
            "进口依存度"
            + _pct(df["import_reliance"].fillna(0))
            + "，最大来源"
            + partner
            + "（"
            + _pct(df["top_partner_share"].fillna(0))
            + "），GeoPolRisk "
            + _num(df["geopolrisk"].fillna(0), 3)
            + "，欧盟法供应风险"
            + _num(df["supply_risk_eu"].fillna(0))
            + "（JRC标度，≥1为关键；替代指数未知，取1）；"
            + "杠杆"
            + _num(df["leverage"])
            + "（产量占比与按进口国依存度加权的出口占比之均值）。"
        )
        without = (
            df["coverage"].map(COVERAGE_ZH).fillna(df["coverage"])
            + "：进口依存度和GeoPolRisk未知；"
            + "欧盟法供应风险"
            + _num(df["supply_risk_eu"].fillna(0))
            + "仅按全球供应计；杠杆"
            + _num(df["leverage"])
            + "仅依据产量占比。"
        )
    else:
        head = (
            name
            + " "
            + df["year"].astype(str)
            + ", home "
            + home
            + ": world production HHI "
            + _num(df["hhi_production"])
            + " (top producer "
            + top
            + ", "
            + _pct(df["top_producer_share"])
            + "), home share of production "
            + _pct(df["home_production_share"])
            + "; "
        )
        with_trade = (
            "import reliance "
            + _pct(df["import_reliance"].fillna(0))
            + ", top partner "
            + partner
            + " ("
            + _pct(df["top_partner_share"].fillna(0))
            + "), GeoPolRisk "
            + _num(df["geopolrisk"].fillna(0), 3)
            + ", EU supply risk "
            + _num(df["supply_risk_eu"].fillna(0))
            + " (JRC scale, critical at 1 or more; substitution unknown, index 1); leverage "
            + _num(df["leverage"])
            + " (mean of production share and reliance-weighted export share)."
        )
        without = (
            df["coverage"]
            + ": import reliance and GeoPolRisk unknown; EU supply risk "
            + _num(df["supply_risk_eu"].fillna(0))
            + " on global supply only; leverage "
            + _num(df["leverage"])
            + " rests on the production share alone."
        )
    return pd.Series(np.where(trade, head + with_trade, head + without), index=df.index)


COVERAGE_ZH = {
    "production and trade": "产量和贸易",
    "production only (no trade data)": "仅有产量（该商品无HS编码，无贸易数据）",
    "production only (no trade flows this year)": "仅有产量（该年无贸易流）",
    "production and trade; production not in tonnes: import reliance and GeoPolRisk unknown": (
        "有产量和贸易，但产量单位不是吨"
    ),
}
