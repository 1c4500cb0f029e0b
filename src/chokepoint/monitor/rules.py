r"""Warning rules and their vectorized evaluation.

Rules are stored per project (YAML import) and evaluated on the reported series
(entities x periods) of one indicator at a time, with numpy over every entity.
Levels are I (red) to IV (blue); a rule gives the threshold of each level it
uses, and the most severe level reached wins. "Adverse" follows the
indicator's direction (``higher_is_worse``).

An entity's latest report stands until replaced: the statistics use each
entity's latest reported value :math:`x_T` (``T`` is the period it was reported
for, which the alert names) even when the run evaluates a later month.

``threshold``
    the latest value :math:`x_T` against the thresholds (``value >= t`` when
    higher is worse, ``value <= t`` otherwise).
``rate``
    relative change over ``window`` months, :math:`(x_T - x_{T-w}) / |x_{T-w}|`,
    adverse sign only, against the thresholds; :math:`x_{T-w}` is the value
    standing in month ``T - w`` (the latest report at or before it).
``zscore``
    robust z-score of the latest value against the entity's earlier reports
    (at least ``min_history``):
    :math:`z = (x_T - \operatorname{median}) / (1.4826\,\mathrm{MAD})`, adverse sign only.
``assessment``
    changes of the assessment between the previous and the current snapshot:
    ``change: level_rise`` (alert at the node's new level), ``alternative_lost``,
    ``localization_fall`` (drop of at least ``min_drop``; thresholds on the drop).

Example YAML::

    rules:
      - {id: low-inventory, type: threshold, indicator: inventory_days,
         levels: {I: 7, II: 15, III: 30, IV: 45}}
      - {id: price-jump, type: rate, indicator: unit_price, window: 3, levels: {I: 1.0, II: 0.5, III: 0.2}}
      - {id: lead-time-anomaly, type: zscore, indicator: lead_time_days, min_history: 6,
         levels: {II: 4, III: 3}}
      - {id: level-rise, type: assessment, change: level_rise}
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from chokepoint.monitor.catalog import Indicator
from chokepoint.monitor.text import Names, entity_label, entity_name, format_value, level_label

LEVELS = ("I", "II", "III", "IV")


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    description: str = ""
    enabled: bool = True


class _Leveled(_Rule):
    indicator: str
    levels: dict[Literal["I", "II", "III", "IV"], float]

    @field_validator("levels")
    @classmethod
    def _non_empty(cls, v: dict[str, float]) -> dict[str, float]:
        if not v:
            raise ValueError("give at least one level threshold (I, II, III or IV)")
        return v


class ThresholdRule(_Leveled):
    """Warn on the latest value :math:`x_T` of ``indicator`` against the level thresholds.

    A level is reached when ``value >= t`` for an indicator where higher is worse, ``value <= t``
    otherwise; the most severe level reached wins.
    """

    type: Literal["threshold"] = "threshold"


class RateRule(_Leveled):
    r"""Warn on the relative change of ``indicator`` over ``window`` months.

    The change :math:`(x_T - x_{T-w}) / |x_{T-w}|`, adverse sign only, is compared with the
    level thresholds; :math:`x_{T-w}` is the value standing in month ``T - w`` (no change is
    computed from a zero base).
    """

    type: Literal["rate"] = "rate"
    window: int = Field(3, ge=1)


class ZScoreRule(_Leveled):
    r"""Warn on a robust z-score of the latest value against the entity's earlier reports.

    :math:`z = (x_T - \operatorname{median}) / (1.4826\,\mathrm{MAD})`, the modified z-score of
    Iglewicz and Hoaglin (1993), adverse sign only, over at least ``min_history`` earlier reports.
    """

    type: Literal["zscore"] = "zscore"
    min_history: int = Field(6, ge=3)


class AssessmentRule(_Rule):
    """Warn on a change of the assessment between the previous and the current snapshot.

    ``change``: ``level_rise`` (alert at the node's new level), ``alternative_lost`` (the last
    alternative source disappeared; alert at the node's level when graded I-IV, else at the most
    severe level of ``levels``, III without) or ``localization_fall`` (a drop of at least
    ``min_drop``; ``levels`` are thresholds on the drop).
    """

    type: Literal["assessment"] = "assessment"
    change: Literal["level_rise", "alternative_lost", "localization_fall"]
    levels: dict[Literal["I", "II", "III", "IV"], float] = {}
    min_drop: float = Field(0.05, ge=0)


Rule = Annotated[ThresholdRule | RateRule | ZScoreRule | AssessmentRule, Field(discriminator="type")]


class RuleSet(BaseModel):
    """A file of rules: ``{"rules": [...]}``."""

    model_config = ConfigDict(extra="forbid")
    rules: list[Rule]


CONDITION_COLUMNS = [
    "rule_id",
    "entity_type",
    "entity",
    "entity_name",
    "entity_name_zh",
    "level",
    "values",
    "message_en",
    "message_zh",
]


def _level_of(stat: np.ndarray, levels: Mapping[Any, float], adverse_high: bool) -> np.ndarray:
    """Most severe level reached per entry ('' when none); NaN never triggers."""
    out = np.full(stat.shape, "", dtype=object)
    for lv in reversed(LEVELS):  # IV first, so I overwrites
        if lv not in levels:
            continue
        t = levels[lv]
        hit = (stat >= t) if adverse_high else (stat <= t)
        out[np.nan_to_num(hit, nan=False).astype(bool) & ~np.isnan(stat)] = lv
    return out


def _latest_reports(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Find each entity's latest report and the report standing in every period.

    Returns, per entity, the latest reported value and its column (-1 when none) and, per cell,
    the column of the report standing there (the latest at or before it; -1 before the first).
    """
    n, t = x.shape
    cols = np.broadcast_to(np.arange(t), (n, t))
    standing = np.maximum.accumulate(np.where(~np.isnan(x), cols, -1), axis=1)
    last_col = standing[:, -1]
    rows = np.arange(n)
    last = np.where(last_col >= 0, x[rows, np.maximum(last_col, 0)], np.nan)
    return last, last_col, standing


def evaluate_series(
    rule: ThresholdRule | RateRule | ZScoreRule,
    indicator: Indicator,
    entities: np.ndarray,
    values: np.ndarray,
    periods: list[str],
    *,
    names: Names | None = None,
    as_of: str | None = None,
) -> pd.DataFrame:
    """Conditions raised by ``rule`` on ``values`` (entities x periods, NaN = not reported).

    Every entity is evaluated at once at the month ``as_of`` (default: the last of
    ``periods``). An entity's latest report stands until replaced: the statistic
    uses the latest reported value and names the period it was reported for
    (``values["period"]``; ``values["as_of"]`` too when that is an earlier month).
    ``rate`` compares it with the value standing ``window`` months before it
    (``base``, reported for ``base_period``); ``zscore`` with the earlier reports.
    ``names`` (``{key: (name_en, name_zh)}``, see :mod:`chokepoint.monitor.text`)
    names the entities in the messages.
    """
    x = np.asarray(values, dtype=float)
    n, t = x.shape if x.ndim == 2 else (0, 0)
    if t == 0 or n == 0:
        return pd.DataFrame(columns=CONDITION_COLUMNS)
    names = names or {}
    month = as_of or periods[-1]
    last, last_col, standing = _latest_reports(x)
    high = indicator.higher_is_worse
    ind_en, ind_zh = indicator.name_en, indicator.name_zh
    rows = np.arange(n)
    et = indicator.entity_type

    def val(v: float, lang: str = "en") -> str:
        return format_value(v, indicator, lang)

    def when(col: int) -> dict[str, str]:
        p = periods[col]
        return {"period": p} if p == month else {"period": p, "as_of": month}

    if isinstance(rule, ThresholdRule):
        level = _level_of(last, rule.levels, high)
        hit = np.flatnonzero(level != "")
        labels = [
            (entity_label(et, entities[i], names), entity_label(et, entities[i], names, "zh")) for i in hit
        ]
        en = [
            f"{ind_en} of {le} is {val(last[i])}, reported for {periods[last_col[i]]}"
            for i, (le, _) in zip(hit, labels, strict=True)
        ]
        zh = [
            f"{lz}{ind_zh}为{val(last[i], 'zh')}（{periods[last_col[i]]}报告期）"
            for i, (_, lz) in zip(hit, labels, strict=True)
        ]
        vals = [{"value": _f(last[i]), **when(last_col[i])} for i in hit]
    elif isinstance(rule, RateRule):
        w = rule.window
        base_month = last_col - w
        base_col = np.where(base_month >= 0, standing[rows, np.maximum(base_month, 0)], -1)
        base = np.where(base_col >= 0, x[rows, np.maximum(base_col, 0)], np.nan)
        base = np.where(base == 0, np.nan, base)  # no relative change from zero
        with np.errstate(divide="ignore", invalid="ignore"):
            change = (last - base) / np.abs(base)
        level = _level_of(change if high else -change, rule.levels, True)  # adverse change is positive
        hit = np.flatnonzero(level != "")
        en, zh, vals = [], [], []
        for i in hit:
            le, lz = entity_label(et, entities[i], names), entity_label(et, entities[i], names, "zh")
            p, bp, c = periods[last_col[i]], periods[base_col[i]], change[i]
            up = c > 0
            en.append(
                f"{ind_en} of {le} {'rose' if up else 'fell'} {abs(c):.0%} in {w} months, "
                f"from {val(base[i])} ({bp}) to {val(last[i])}, reported for {p}"
            )
            zh.append(
                f"{lz}{ind_zh}{w}个月内{'上涨' if up else '下降'}{abs(c):.0%}，"
                f"由{val(base[i], 'zh')}（{bp}）{'升' if up else '降'}至{val(last[i], 'zh')}（{p}报告期）"
            )
            vals.append(
                {
                    "value": _f(last[i]),
                    **when(last_col[i]),
                    "base": _f(base[i]),
                    "base_period": bp,
                    "change": _f(c),
                }
            )
    else:
        earlier = (~np.isnan(x)) & (np.arange(t)[None, :] < last_col[:, None])
        hist = np.where(earlier, x, np.nan)
        count = earlier.sum(axis=1)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: no history
            med = np.nanmedian(hist, axis=1)
            mad = np.nanmedian(np.abs(hist - med[:, None]), axis=1)
            scale = 1.4826 * mad
            z = (last - med) / np.where(scale > 0, scale, np.nan)
        z = np.where(count >= rule.min_history, z, np.nan)
        level = _level_of(z if high else -z, rule.levels, True)
        hit = np.flatnonzero(level != "")
        first_col = np.argmax(earlier, axis=1)
        prev_col = np.where(last_col > 0, standing[rows, np.maximum(last_col - 1, 0)], -1)
        en, zh, vals = [], [], []
        for i in hit:
            le, lz = entity_label(et, entities[i], names), entity_label(et, entities[i], names, "zh")
            p, q = periods[last_col[i]], z[i]
            h0, h1, k = periods[first_col[i]], periods[prev_col[i]], int(count[i])
            en.append(
                f"{ind_en} of {le} is {val(last[i])}, reported for {p}: {abs(q):.1f} robust "
                f"deviations {'above' if q > 0 else 'below'} its history "
                f"(median {val(med[i])}, {k} reports {h0} to {h1})"
            )
            zh.append(
                f"{lz}{ind_zh}为{val(last[i], 'zh')}（{p}报告期），{'高于' if q > 0 else '低于'}自身历史"
                f"{abs(q):.1f}个稳健标准差（中位数{val(med[i], 'zh')}，{h0}至{h1}共{k}期）"
            )
            vals.append(
                {
                    "value": _f(last[i]),
                    **when(last_col[i]),
                    "median": _f(med[i]),
                    "z": _f(q),
                    "history": k,
                    "history_from": h0,
                    "history_to": h1,
                }
            )
    ents = entities[hit]
    return pd.DataFrame(
        {
            "rule_id": rule.id,
            "entity_type": et,
            "entity": ents,
            "entity_name": [entity_name(et, e, names) for e in ents],
            "entity_name_zh": [entity_name(et, e, names, "zh") for e in ents],
            "level": level[hit],
            "values": vals,
            "message_en": [f"{m} (rule {rule.id})" for m in en],
            "message_zh": [f"{m}（规则 {rule.id}）" for m in zh],
        },
        columns=CONDITION_COLUMNS,
    )


def evaluate_assessment(
    rule: AssessmentRule, before: pd.DataFrame | None, after: pd.DataFrame
) -> pd.DataFrame:
    """Conditions raised by an assessment rule between two snapshots (none without ``before``).

    The snapshots are those of :func:`~chokepoint.monitor.alerts.snapshot_of`: DataFrames indexed
    by node id with ``name``, ``name_zh``, ``level``, ``has_alternative``, ``localization``.
    """
    if before is None or before.empty:
        return pd.DataFrame(columns=CONDITION_COLUMNS)
    both = after.merge(before, left_index=True, right_index=True, how="inner", suffixes=("", "_before"))
    rank = {"I": 0, "II": 1, "III": 2, "IV": 3, "low": 4, "insufficient_data": 5}
    if rule.change == "level_rise":
        new, old = both["level"].map(rank), both["level_before"].map(rank)
        sel = both[(new < old) & (new <= 3) & (old != 5)]
        levels = sel["level"].to_numpy(dtype=object)
        recs = sel.to_dict("records")
        en = [f"level rose from {level_label(r['level_before'])} to {level_label(r['level'])}" for r in recs]
        zh = [
            f"等级由{level_label(r['level_before'], 'zh')}升至{level_label(r['level'], 'zh')}" for r in recs
        ]
        vals = [{"before": r["level_before"], "after": r["level"]} for r in recs]
    elif rule.change == "alternative_lost":
        sel = both[both["has_alternative_before"].astype(bool) & ~both["has_alternative"].astype(bool)]
        levels = np.where(
            sel["level"].isin(LEVELS), sel["level"], (rule.levels and min(rule.levels)) or "III"
        )
        recs = sel.to_dict("records")
        en = ["the last alternative (home or allied) source disappeared" for _ in recs]
        zh = ["最后一个替代来源（本国或友好国家）消失" for _ in recs]
        vals = [{"before": True, "after": False} for _ in range(len(sel))]
    else:
        drop = both["localization_before"] - both["localization"]
        sel = both[drop >= rule.min_drop]
        d = drop[drop >= rule.min_drop].to_numpy(dtype=float)
        levels = _level_of(d, rule.levels, True) if rule.levels else np.full(len(sel), "III", dtype=object)
        levels = np.where(levels == "", "IV", levels)
        recs = sel.to_dict("records")
        en = [
            f"localization fell from {r['localization_before']:.0%} to {r['localization']:.0%}" for r in recs
        ]
        zh = [f"国产化率由{r['localization_before']:.0%}降至{r['localization']:.0%}" for r in recs]
        vals = [{"before": _f(r["localization_before"]), "after": _f(r["localization"])} for r in recs]
    ids = sel.index.to_numpy(dtype=object)
    names: dict[str, tuple[str, str]] = {
        str(i): (str(r["name"] or ""), str(r["name_zh"] or "")) for i, r in zip(ids, recs, strict=True)
    }
    return pd.DataFrame(
        {
            "rule_id": rule.id,
            "entity_type": "node",
            "entity": ids,
            "entity_name": [entity_name("node", str(i), names) for i in ids],
            "entity_name_zh": [entity_name("node", str(i), names, "zh") for i in ids],
            "level": np.asarray(levels, dtype=object),
            "values": vals,
            "message_en": [
                f"{entity_label('node', str(i), names)}: {m} (rule {rule.id})"
                for i, m in zip(ids, en, strict=True)
            ],
            "message_zh": [
                f"{entity_label('node', str(i), names, 'zh')}：{m}（规则 {rule.id}）"
                for i, m in zip(ids, zh, strict=True)
            ],
        },
        columns=CONDITION_COLUMNS,
    )


def _f(v: Any) -> float | None:
    v = float(v)
    return None if np.isnan(v) or np.isinf(v) else round(v, 10)
