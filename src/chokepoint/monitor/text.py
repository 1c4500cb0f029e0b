"""Words of the monitor (pure): values with units, entity names, levels and statuses in en and zh.

An officer reads alerts, not keys: entities are named by name with their id in
parentheses ("NAURA (P115) for Deposition tools (N44)" /
"NAURA（P115）供应的沉积设备（N44）"), values carry their unit in the reader's
language ("200 days" / "200天"), and fractions are shown as percentages in both
("35%").

Names come in as a lookup ``{key: (name_en, name_zh)}`` of the entity keys of
the chain (node ids, actor ids, ISO3 codes); a ``node|actor`` key is named from
its two parts unless the lookup has the pair itself. An empty Chinese name falls
back to the English one; an unknown key is shown as the key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from chokepoint.model.chain import ChainMap
from chokepoint.model.countries import country_name
from chokepoint.monitor.catalog import Indicator

#: ``{entity key: (name_en, name_zh)}``.
Names = Mapping[str, tuple[str, str]]

LEVEL_COLORS = {"I": "red", "II": "orange", "III": "yellow", "IV": "blue"}
LEVEL_COLORS_ZH = {"I": "红", "II": "橙", "III": "黄", "IV": "蓝"}
#: Assessment levels that are not warning levels.
OTHER_LEVELS = {"low": ("low", "低风险"), "insufficient_data": ("insufficient data", "数据不足")}
STATUS_ZH = {"open": "待处理", "acknowledged": "已确认", "resolved": "已解决"}


def entity_names(chain: ChainMap | None, countries: Iterable[str] = ()) -> dict[str, tuple[str, str]]:
    """Build the name lookup ``{key: (name_en, name_zh)}`` of the chain's entities.

    Keys are the node and actor ids of ``chain`` and the ISO3 ``countries``, for
    :func:`entity_label` and :func:`entity_name` (a ``node|actor`` key is named from its parts).
    """
    out: dict[str, tuple[str, str]] = {}
    frames = (chain.actors, chain.nodes) if chain is not None else ()
    for frame in frames:  # nodes last: a node id wins over an actor id of the same spelling
        zh = frame["name_zh"] if "name_zh" in frame else pd.Series("", index=frame.index)
        for key, en, z in zip(frame["id"], frame["name"], zh, strict=True):
            out[str(key)] = (_text(en), _text(z))
    for code in countries:
        out[str(code)] = (country_name(str(code)), country_name(str(code), "zh"))
    return out


def _text(v: Any) -> str:
    return "" if v is None or (not isinstance(v, str) and bool(pd.isna(v))) else str(v)


def format_number(value: float) -> str:
    """At most four decimals, trailing zeros dropped, thousands separated: ``1,500,000``, ``12.5``."""
    r = round(float(value), 4)
    if r == int(r):
        return f"{int(r):,}"
    return f"{r:,.4f}".rstrip("0").rstrip(".")


def format_value(value: float, indicator: Indicator, lang: str = "en") -> str:
    """Format a value with its unit in ``lang``: ``200 days`` / ``200天``, ``1 day``, ``35%``.

    Fractions are shown as percentages in both languages; counts have no unit word in English
    (``3`` / ``3家``).
    """
    if indicator.unit == "fraction":
        return f"{format_number(float(value) * 100)}%"
    number = format_number(value)
    if lang == "zh":
        return f"{number}{indicator.unit_label_zh}"
    unit = indicator.unit
    if unit == "count":
        return number
    if unit in ("days", "months") and number == "1":
        unit = unit[:-1]
    return f"{number} {unit}"


def _name(names: Names, key: str, lang: str) -> str | None:
    got = names.get(key)
    if got is None:
        return None
    en, zh = got
    return (zh or en) if lang == "zh" else (en or zh or None)


def _with_id(name: str | None, key: str, lang: str) -> str:
    if not name or name == key:
        return key
    return f"{name}（{key}）" if lang == "zh" else f"{name} ({key})"


def entity_label(entity_type: str, key: str, names: Names, lang: str = "en") -> str:
    """Name the entity as a reader names it, ids in parentheses.

    ``NAURA (P115) for Deposition tools (N44)`` / ``NAURA（P115）供应的沉积设备（N44）``; the
    chain is ``the chain`` / ``产业链``.
    """
    if entity_type == "chain":
        return "产业链" if lang == "zh" else "the chain"
    if entity_type == "node_enterprise" and key not in names and "|" in key:
        node, actor = key.split("|", 1)
        ent, item = (
            _with_id(_name(names, actor, lang), actor, lang),
            _with_id(_name(names, node, lang), node, lang),
        )
        return f"{ent}供应的{item}" if lang == "zh" else f"{ent} for {item}"
    return _with_id(_name(names, key, lang), key, lang)


def entity_name(entity_type: str, key: str, names: Names, lang: str = "en") -> str:
    """Name the entity without ids: ``NAURA for Deposition tools`` / ``NAURA供应的沉积设备``.

    The key itself where the chain does not know it.
    """
    if entity_type == "chain":
        return "产业链" if lang == "zh" else "the chain"
    if entity_type == "node_enterprise" and key not in names and "|" in key:
        node, actor = key.split("|", 1)
        ent, item = _name(names, actor, lang) or actor, _name(names, node, lang) or node
        return f"{ent}供应的{item}" if lang == "zh" else f"{ent} for {item}"
    return _name(names, key, lang) or key


def level_label(level: str, lang: str = "en") -> str:
    """``I (red)`` / ``红色（I级）``; ``low`` / ``低风险``; other values unchanged."""
    if level in LEVEL_COLORS:
        return (
            f"{LEVEL_COLORS_ZH[level]}色（{level}级）" if lang == "zh" else f"{level} ({LEVEL_COLORS[level]})"
        )
    if level in OTHER_LEVELS:
        return OTHER_LEVELS[level][1 if lang == "zh" else 0]
    return level


def status_label(status: str, lang: str = "en") -> str:
    """``open``, ``acknowledged``, ``resolved``; in Chinese 待处理, 已确认, 已解决."""
    return STATUS_ZH.get(status, status) if lang == "zh" else status
