r"""Warning rules and their vectorized evaluation.

Rules are stored per project (YAML import) and evaluated on the reported series
(entities x periods) of one indicator at a time, with numpy over every entity.
Levels are I (red) to IV (blue); a rule gives the threshold of each level it
uses, and the most severe level reached wins. "Adverse" follows the
indicator's direction (``higher_is_worse``).

``threshold``
    the latest value :math:`x_T` against the thresholds (``value >= t`` when
    higher is worse, ``value <= t`` otherwise).
``rate``
    relative change over ``window`` periods, :math:`(x_T - x_{T-w}) / |x_{T-w}|`,
    adverse sign only, against the thresholds.
``zscore``
    robust z-score of the latest value against the series' own history
    (earlier periods, at least ``min_history``):
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

from collections.abc import Mapping
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from chokepoint.monitor.catalog import Indicator

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
    type: Literal["threshold"] = "threshold"


class RateRule(_Leveled):
    type: Literal["rate"] = "rate"
    window: int = Field(3, ge=1)


class ZScoreRule(_Leveled):
    type: Literal["zscore"] = "zscore"
    min_history: int = Field(6, ge=3)


class AssessmentRule(_Rule):
    type: Literal["assessment"] = "assessment"
    change: Literal["level_rise", "alternative_lost", "localization_fall"]
    levels: dict[Literal["I", "II", "III", "IV"], float] = {}
    min_drop: float = Field(0.05, ge=0)


Rule = Annotated[ThresholdRule | RateRule | ZScoreRule | AssessmentRule, Field(discriminator="type")]


class RuleSet(BaseModel):
    """A file of rules: ``{"rules": [...]}``."""

    model_config = ConfigDict(extra="forbid")
    rules: list[Rule]


CONDITION_COLUMNS = ["rule_id", "entity_type", "entity", "level", "values", "message_en", "message_zh"]


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


def evaluate_series(
    rule: ThresholdRule | RateRule | ZScoreRule,
    indicator: Indicator,
    entities: np.ndarray,
    values: np.ndarray,
    periods: list[str],
) -> pd.DataFrame:
    """Conditions raised by ``rule`` on ``values`` (entities x periods, NaN = not reported).

    The latest period is the last column; every entity is evaluated at once.
    """
    x = values
    n, t = x.shape
    if t == 0 or n == 0:
        return pd.DataFrame(columns=CONDITION_COLUMNS)
    last = x[:, -1]
    high = indicator.higher_is_worse
    name_en, name_zh, unit = indicator.name_en, indicator.name_zh, indicator.unit
    if isinstance(rule, ThresholdRule):
        level = _level_of(last, rule.levels, high)
        hit = np.flatnonzero(level != "")
        v = last[hit]
        en = [f"{name_en} is {a:g} {unit} in {periods[-1]}" for a in v]
        zh = [f"{periods[-1]}{name_zh}为{a:g}{unit}" for a in v]
        vals = [{"value": _f(a), "period": periods[-1]} for a in v]
    elif isinstance(rule, RateRule):
        w = rule.window
        base = x[:, -1 - w] if t > w else np.full(n, np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            change = (last - base) / np.abs(base)
        level = _level_of(change if high else -change, rule.levels, True)  # adverse change is positive
        hit = np.flatnonzero(level != "")
        v, b, c = last[hit], base[hit], change[hit]
        en = [
            f"{name_en} changed {cc:+.0%} over {w} periods to {a:g} {unit}"
            for cc, a in zip(c, v, strict=True)
        ]
        zh = [f"{name_zh}在{w}期内变化{cc:+.0%}，达到{a:g}{unit}" for cc, a in zip(c, v, strict=True)]
        vals = [{"value": _f(a), "base": _f(bb), "change": _f(cc)} for a, bb, cc in zip(v, b, c, strict=True)]
    else:
        hist = x[:, :-1]
        count = np.sum(~np.isnan(hist), axis=1)
        with np.errstate(all="ignore"):
            med = np.nanmedian(hist, axis=1) if hist.shape[1] else np.full(n, np.nan)
            mad = np.nanmedian(np.abs(hist - med[:, None]), axis=1) if hist.shape[1] else np.full(n, np.nan)
            scale = 1.4826 * mad
            z = (last - med) / np.where(scale > 0, scale, np.nan)
        z = np.where(count >= rule.min_history, z, np.nan)
        level = _level_of(z if high else -z, rule.levels, True)
        hit = np.flatnonzero(level != "")
        v, m, zz = last[hit], med[hit], z[hit]
        en = [
            f"{name_en} is {a:g} {unit}, {abs(q):.1f} robust deviations from its history"
            for a, q in zip(v, zz, strict=True)
        ]
        zh = [
            f"{name_zh}为{a:g}{unit}，偏离自身历史{abs(q):.1f}个稳健标准差"
            for a, q in zip(v, zz, strict=True)
        ]
        vals = [{"value": _f(a), "median": _f(mm), "z": _f(q)} for a, mm, q in zip(v, m, zz, strict=True)]
    ents = entities[hit]
    return pd.DataFrame(
        {
            "rule_id": rule.id,
            "entity_type": indicator.entity_type,
            "entity": ents,
            "level": level[hit],
            "values": vals,
            "message_en": [f"{e}: {m} (rule {rule.id})" for e, m in zip(ents, en, strict=True)],
            "message_zh": [f"{e}：{m}（规则 {rule.id}）" for e, m in zip(ents, zh, strict=True)],
        },
        columns=CONDITION_COLUMNS,
    )


def evaluate_assessment(
    rule: AssessmentRule, before: pd.DataFrame | None, after: pd.DataFrame
) -> pd.DataFrame:
    """Conditions from two snapshots (DataFrames indexed by node id with ``name``, ``name_zh``,
    ``level``, ``has_alternative``, ``localization``)."""
    if before is None or before.empty:
        return pd.DataFrame(columns=CONDITION_COLUMNS)
    both = after.merge(before, left_index=True, right_index=True, how="inner", suffixes=("", "_before"))
    rank = {"I": 0, "II": 1, "III": 2, "IV": 3, "low": 4, "insufficient_data": 5}
    if rule.change == "level_rise":
        new, old = both["level"].map(rank), both["level_before"].map(rank)
        sel = both[(new < old) & (new <= 3) & (old != 5)]
        levels = sel["level"].to_numpy(dtype=object)
        recs = sel.to_dict("records")
        en = [f"{r['name']}: level rose from {r['level_before']} to {r['level']}" for r in recs]
        zh = [f"{r['name_zh'] or r['name']}：等级由{r['level_before']}升至{r['level']}" for r in recs]
        vals = [{"before": r["level_before"], "after": r["level"]} for r in recs]
    elif rule.change == "alternative_lost":
        sel = both[both["has_alternative_before"].astype(bool) & ~both["has_alternative"].astype(bool)]
        levels = np.where(
            sel["level"].isin(LEVELS), sel["level"], (rule.levels and min(rule.levels)) or "III"
        )
        recs = sel.to_dict("records")
        en = [f"{r['name']}: the last alternative (home or allied) source disappeared" for r in recs]
        zh = [f"{r['name_zh'] or r['name']}：最后一个替代来源（本国或友好国家）消失" for r in recs]
        vals = [{"before": True, "after": False} for _ in range(len(sel))]
    else:
        drop = both["localization_before"] - both["localization"]
        sel = both[drop >= rule.min_drop]
        d = drop[drop >= rule.min_drop].to_numpy(dtype=float)
        levels = _level_of(d, rule.levels, True) if rule.levels else np.full(len(sel), "III", dtype=object)
        levels = np.where(levels == "", "IV", levels)
        recs = sel.to_dict("records")
        en = [
            f"{r['name']}: localization fell from {r['localization_before']:.0%} to {r['localization']:.0%}"
            for r in recs
        ]
        zh = [
            f"{r['name_zh'] or r['name']}：国产化率由{r['localization_before']:.0%}"
            f"降至{r['localization']:.0%}"
            for r in recs
        ]
        vals = [{"before": _f(r["localization_before"]), "after": _f(r["localization"])} for r in recs]
    ids = sel.index.to_numpy(dtype=object)
    return pd.DataFrame(
        {
            "rule_id": rule.id,
            "entity_type": "node",
            "entity": ids,
            "level": np.asarray(levels, dtype=object),
            "values": vals,
            "message_en": [f"{m} (rule {rule.id})" for m in en],
            "message_zh": [f"{m}（规则 {rule.id}）" for m in zh],
        },
        columns=CONDITION_COLUMNS,
    )


def _f(v: Any) -> float | None:
    v = float(v)
    return None if np.isnan(v) or np.isinf(v) else round(v, 10)
