"""Stage awareness: supplier concentration per processing stage (mine, smelter, refinery).

Where production data distinguish the stages of one commodity (BGS: cobalt mine and refined,
copper mine, smelter and refined, nickel, zinc, rare earths), the stage whose output is the most
concentrated among countries is the bottleneck: cutting one producer there removes more of the
world's supply than at the other stages. Pure functions on tables (pandas and numpy only).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: the order of the stages along a chain (a tie of HHI goes to the later stage)
STAGE_ORDER: dict[str, int] = {"mine": 0, "smelter": 1, "refinery": 2}

#: stage -> (English noun of the output, English activity, Chinese activity)
STAGE_WORDS: dict[str, tuple[str, str, str]] = {
    "mine": ("mine", "mining", "采矿"),
    "smelter": ("smelter", "smelting", "冶炼"),
    "refinery": ("refinery", "refining", "精炼"),
}

#: Chinese names of the commodities (others keep their English name)
COMMODITY_ZH: dict[str, str] = {
    "aluminium": "铝",
    "cobalt": "钴",
    "copper": "铜",
    "nickel": "镍",
    "zinc": "锌",
    "rare earths": "稀土",
    "lithium": "锂",
    "manganese": "锰",
    "graphite": "石墨",
    "chromium": "铬",
    "molybdenum": "钼",
    "uranium": "铀",
    "steel": "钢",
}

#: short English and Chinese names of the usual top producers (ISO3); others: the data's name
COUNTRY_NAMES: dict[str, tuple[str, str]] = {
    "AUS": ("Australia", "澳大利亚"),
    "BEL": ("Belgium", "比利时"),
    "BRA": ("Brazil", "巴西"),
    "CAN": ("Canada", "加拿大"),
    "CHL": ("Chile", "智利"),
    "CHN": ("China", "中国"),
    "COD": ("DR Congo", "刚果（金）"),
    "CUB": ("Cuba", "古巴"),
    "DEU": ("Germany", "德国"),
    "FIN": ("Finland", "芬兰"),
    "IDN": ("Indonesia", "印度尼西亚"),
    "IND": ("India", "印度"),
    "JPN": ("Japan", "日本"),
    "KAZ": ("Kazakhstan", "哈萨克斯坦"),
    "KOR": ("South Korea", "韩国"),
    "MEX": ("Mexico", "墨西哥"),
    "MMR": ("Myanmar", "缅甸"),
    "NCL": ("New Caledonia", "新喀里多尼亚"),
    "NOR": ("Norway", "挪威"),
    "PER": ("Peru", "秘鲁"),
    "PHL": ("Philippines", "菲律宾"),
    "POL": ("Poland", "波兰"),
    "RUS": ("Russia", "俄罗斯"),
    "USA": ("United States", "美国"),
    "ZAF": ("South Africa", "南非"),
    "ZMB": ("Zambia", "赞比亚"),
}

COLUMNS = (
    "commodity",
    "stage",
    "year",
    "world_production",
    "producers",
    "missing",
    "missing_top_producer",
    "hhi",
    "top_producer",
    "top_producer_share",
    "home_share",
    "bottleneck",
    "explanation",
    "explanation_zh",
)


def _percent(share: pd.Series) -> pd.Series:
    return (share * 100).round().astype(int).astype(str) + "%"


def stage_concentration(production: pd.DataFrame, year: int, home: Sequence[str] = ()) -> pd.DataFrame:
    """Concentration of each processing stage of each commodity, and the bottleneck stage.

    Parameters
    ----------
    production : pandas.DataFrame
        Production by country: ``commodity``, ``stage`` (``mine``, ``smelter``, ``refinery``),
        ``year``, ``value`` (NaN: no data), ``iso3`` (``None``/NaN where the country has no code)
        and ``country`` (the source's name), one additive value per country, commodity, stage and
        year (as :func:`chokepoint.io.bgs.read_bgs_production` returns for staged commodities).
        Rows of one producer are summed.
    year : int
        The year to compare.
    home : sequence of str, optional
        ISO3 codes (or names of producers without a code) whose shares are summed as
        ``home_share``.

    Returns
    -------
    pandas.DataFrame
        For each commodity with output at two stages or more in ``year``, one row per stage
        (ordered mine, smelter, refinery) with the columns of :data:`COLUMNS`:
        ``world_production`` (sum of the countries' values, the stage's unit), ``producers``
        (countries with output above 0), ``missing`` (countries with a row but no value that
        year: not counted), ``missing_top_producer`` (``None``, or the names of the top producers
        of the commodity's other stages that are listed at this stage without a value: a data gap
        that can make the stage look less concentrated than it is; the sentences say it too),
        ``hhi`` (Herfindahl-Hirschman index, the sum of squared country shares, 0-1),
        ``top_producer`` (ISO3, or the source's name where there is none; of equal shares the
        first alphabetically), ``top_producer_share``,
        ``home_share``, ``bottleneck`` (True for the stage of the highest HHI of its commodity;
        ties go to the later stage) and one sentence saying so in English (``explanation``) and
        Chinese (``explanation_zh``), the same on every row of a commodity.

    Examples
    --------
    >>> df = pd.DataFrame(
    ...     {
    ...         "commodity": ["cobalt"] * 4,
    ...         "stage": ["mine", "mine", "refinery", "refinery"],
    ...         "year": [2021] * 4,
    ...         "iso3": ["COD", "AUS", "CHN", "FIN"],
    ...         "country": ["DR Congo", "Australia", "China", "Finland"],
    ...         "value": [70.0, 30.0, 90.0, 10.0],
    ...     }
    ... )
    >>> out = stage_concentration(df, 2021)
    >>> out[["stage", "hhi", "top_producer", "bottleneck"]].round(2).to_dict("records")[1]
    {'stage': 'refinery', 'hhi': 0.82, 'top_producer': 'CHN', 'bottleneck': True}
    >>> print(out["explanation"].iloc[0])  # doctest: +NORMALIZE_WHITESPACE
    cobalt 2021: refinery output is more concentrated (HHI 0.82, China 90%)
    than mine output (HHI 0.58, DR Congo 70%): refining is the bottleneck
    """
    df = production.loc[production["year"] == year, ["commodity", "stage", "iso3", "country", "value"]]
    df = df.assign(
        producer=df["iso3"].astype(object).where(df["iso3"].notna(), df["country"]).astype(str),
        value=df["value"].astype(float),
    )
    pairs = ["commodity", "stage"]
    listed = df.assign(has=df["value"].notna()).groupby([*pairs, "producer"], as_index=False)
    absent = listed.agg(has=("has", "any"), country=("country", "first")).query("~has")
    missing = absent.groupby(pairs).size()
    by = (
        df.dropna(subset=["value"])
        .groupby([*pairs, "producer"], as_index=False)
        .agg(value=("value", "sum"), country=("country", "first"))
    )
    world = by.groupby(pairs)["value"].transform("sum")
    by = by.loc[world > 0].assign(share=by["value"] / world)
    stage_count = by.groupby("commodity")["stage"].transform("nunique")
    by = by.loc[stage_count >= 2]
    if by.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})

    homes = set(home)
    by = by.assign(
        share2=by["share"] ** 2,
        home=by["share"].where(by["producer"].isin(homes), 0.0),
        positive=by["value"] > 0,
    )
    out = by.groupby(pairs).agg(
        world_production=("value", "sum"),
        producers=("positive", "sum"),
        hhi=("share2", "sum"),
        home_share=("home", "sum"),
    )
    top = (
        by.sort_values([*pairs, "share", "producer"], ascending=[True, True, False, True])
        .groupby(pairs)
        .head(1)
        .set_index(pairs)
    )
    out = out.join(top[["producer", "country", "share"]]).reset_index()
    out = out.rename(columns={"producer": "top_producer", "share": "top_producer_share"})
    out["missing"] = missing.reindex(pd.MultiIndex.from_frame(out[pairs])).fillna(0).astype(int).to_numpy()
    out["producers"] = out["producers"].astype(int)
    # a stage's data gap that matters: the top producer of another stage of the commodity is
    # listed at this stage without a value (BGS rare earths 2013-2021: no mine figure for China)
    tops = out[["commodity", "top_producer"]].drop_duplicates()
    gaps = absent.merge(tops, left_on=["commodity", "producer"], right_on=["commodity", "top_producer"])
    gaps = gaps.assign(en=_names(gaps["producer"], gaps["country"], 0))
    gaps = gaps.assign(zh=_names(gaps["producer"], gaps["country"], 1))
    gap_names = gaps.groupby(pairs).agg(en=("en", ", ".join), zh=("zh", "、".join))
    gap_names = gap_names.reindex(pd.MultiIndex.from_frame(out[pairs]), fill_value="")
    out["_gap_zh"] = gap_names["zh"].to_numpy(dtype=object)
    gap_en = pd.Series(gap_names["en"].to_numpy(dtype=object), index=out.index, dtype=object)
    out["missing_top_producer"] = gap_en.where(gap_en != "", None)
    out["year"] = int(year)
    out["order"] = out["stage"].map(STAGE_ORDER).fillna(-1).astype(int)

    # the bottleneck: the highest HHI of the commodity; of equal HHIs (to 1e-12) the later stage
    best = out.groupby("commodity")["hhi"].transform("max")
    tied = np.isclose(out["hhi"], best, rtol=0.0, atol=1e-12)
    latest = out["order"].where(tied, -2).groupby(out["commodity"]).transform("max")
    out["bottleneck"] = tied & (out["order"] == latest)
    out["_tie"] = pd.Series(tied, index=out.index).groupby(out["commodity"]).transform("sum") > 1
    out = out.sort_values(["commodity", "order"], kind="stable").reset_index(drop=True)

    _explain(out)
    return out[list(COLUMNS)]


def _names(producer: pd.Series, country: pd.Series, lang: int) -> pd.Series:
    """Display names of producers: :data:`COUNTRY_NAMES` (0 English, 1 Chinese), else the data's name."""
    known = producer.map(COUNTRY_NAMES)
    return known.str[lang].where(known.notna(), country)


def _explain(out: pd.DataFrame) -> None:
    """Add ``explanation`` and ``explanation_zh`` (one sentence per commodity) to ``out``.

    Built column-wise: a statistics phrase per stage, the non-bottleneck phrases joined per
    commodity, then one sentence per commodity mapped back onto its rows.
    """
    words = out["stage"].map(lambda s: STAGE_WORDS.get(s, (s, s, s)))
    noun, activity, activity_zh = words.str[0], words.str[1], words.str[2]
    name_en = _names(out["top_producer"], out["country"], 0)
    name_zh = _names(out["top_producer"], out["country"], 1)
    hhi = out["hhi"].map("{:.2f}".format)
    pct = _percent(out["top_producer_share"])
    stat = "(HHI " + hhi + ", " + name_en + " " + pct + ")"
    stat_zh = "（HHI " + hhi + "，" + name_zh + " " + pct + "）"
    parts = pd.DataFrame(
        {
            "commodity": out["commodity"],
            "en": noun + " output " + stat,
            "zh": activity_zh + "环节" + stat_zh,
        }
    )
    gap = out["missing_top_producer"].notna()
    gaps = pd.DataFrame(
        {
            "commodity": out["commodity"],
            "en": "no " + noun + " figure for " + out["missing_top_producer"].astype(str),
            "zh": out["_gap_zh"] + "的" + activity_zh + "环节",
        }
    ).loc[gap]
    caveat = gaps.groupby("commodity").agg(en=("en", "; ".join), zh=("zh", "、".join))
    caveat = caveat.reindex(out["commodity"].unique(), fill_value="")
    others = (
        parts.loc[~out["bottleneck"]].groupby("commodity").agg(en=("en", " and ".join), zh=("zh", "和".join))
    )
    head = out.loc[out["bottleneck"]]
    keys = head["commodity"]
    tie = head["_tie"].to_numpy()
    rest_en = keys.map(others["en"])
    rest_zh = keys.map(others["zh"])
    has_caveat = keys.map(caveat["en"]).to_numpy() != ""
    caveat_en = ("; the data have " + keys.map(caveat["en"])).where(has_caveat, "")
    caveat_zh = ("；数据缺少" + keys.map(caveat["zh"]) + "数字").where(has_caveat, "")
    commodity_zh = keys.map(lambda c: COMMODITY_ZH.get(c, c))
    year = head["year"].astype(str)
    en: pd.Series = (
        keys
        + " "
        + year
        + ": "
        + noun[head.index]
        + " output is "
        + np.where(tie, "at least as concentrated ", "more concentrated ")
        + stat[head.index]
        + np.where(tie, " as ", " than ")
        + rest_en
        + ": "
        + activity[head.index]
        + np.where(tie, ", the later stage of equal concentration,", "")
        + " is the bottleneck"
        + caveat_en
    )
    zh: pd.Series = (
        commodity_zh
        + " "
        + year
        + "年："
        + activity_zh[head.index]
        + "环节产量"
        + stat_zh[head.index]
        + np.where(tie, "与", "比")
        + rest_zh
        + np.where(tie, "同样集中（取较后的环节）", "更集中")
        + "，瓶颈在"
        + activity_zh[head.index]
        + "环节"
        + caveat_zh
    )
    out["explanation"] = out["commodity"].map(pd.Series(en.to_numpy(), index=keys.to_numpy()))
    out["explanation_zh"] = out["commodity"].map(pd.Series(zh.to_numpy(), index=keys.to_numpy()))
