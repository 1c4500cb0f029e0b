"""Display forms of every enum value an output can carry, in English and Chinese.

Outputs keep stable keys (``tackle``, ``single_country_stop``, ``True``) in JSON; tables, workbooks
and Chinese documents show them through :func:`display_value`. ``tests/test_vocabulary.py`` walks
every value each output column can take and fails on one without a Chinese form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chokepoint.materials.explain import COVERAGE_ZH

#: Column -> value -> (English, Chinese).
ENUMS: dict[str, dict[str, tuple[str, str]]] = {
    "level": {
        "I": ("I (red)", "I级（红色）"),
        "II": ("II (orange)", "II级（橙色）"),
        "III": ("III (yellow)", "III级（黄色）"),
        "IV": ("IV (blue)", "IV级（蓝色）"),
        "low": ("low", "低风险"),
        "insufficient_data": ("insufficient data", "数据不足"),
    },
    "quadrant": {
        "tackle": ("tackle (long-term chokepoint)", "攻坚（长期卡脖子）"),
        "strength": ("strength", "长板"),
        "substitute": ("substitute (quick substitution)", "替代（国产替代）"),
        "safe": ("safe", "安全"),
        "insufficient_data": ("insufficient data", "数据不足"),
    },
    "standing": {
        "home": ("home", "本国"),
        "allied": ("allied", "友好国家"),
        "neutral": ("neutral", "中立"),
        "restricted": ("restricted", "受限"),
        "aggregate": ("data aggregate", "数据汇总项"),
    },
    "kind": {
        "single_country_stop": ("single-country stop", "单一国家断供即停产"),
        "stage_stop": ("stage stop", "环节停产"),
        "dominant_country": ("dominant country", "单一国家主导"),
        "no_alternative": ("no alternative source", "无替代来源"),
    },
    "unit_kind": {
        "enterprise": ("enterprise", "企业"),
        "institution": ("institution", "科研机构"),
        "pilot_platform": ("pilot-scale platform", "中试平台"),
    },
    "relation": {
        "direct": ("provides the node", "直接相关"),
        "related": ("related node", "相关节点"),
    },
    "status": {
        "proposed": ("proposed", "拟立项"),
        "active": ("active", "攻关中"),
        "done": ("done", "已完成"),
        "dropped": ("dropped", "已撤销"),
        "not stored": ("not stored", "未保存"),
        "open": ("open", "待处理"),
        "acknowledged": ("acknowledged", "已确认"),
        "resolved": ("resolved", "已解决"),
    },
    "node_kind": {
        "product": ("product", "产品"),
        "component": ("component", "零部件"),
        "material": ("material", "材料"),
        "process": ("process", "工艺"),
        "equipment": ("equipment", "装备"),
        "software": ("software", "软件"),
        "design": ("design", "设计"),
        "technical_foundation": ("technical foundation", "产业技术基础"),
        "stage": ("stage", "环节"),
    },
    "basis": {
        "proxy": ("proxy", "代理指标"),
        "derived": ("derived from the chain", "由图谱推算"),
        "data": ("data", "数据"),
        "expert": ("expert scores", "专家打分"),
        "reported": ("reported", "直报数据"),
    },
    "entity_type": {
        "enterprise": ("enterprise", "企业"),
        "node_enterprise": ("node x enterprise", "节点×企业"),
        "node": ("node", "节点"),
        "country": ("country", "国家"),
    },
    "alternative_type": {
        "provider": ("remaining provider", "未受冲击的供给方"),
        "substitute": ("substitute node", "替代品"),
    },
    "provider_level": {
        "country": ("country or region", "国家/地区"),
        "enterprise": ("enterprise", "企业"),
    },
    "change": {
        "worse": ("worse", "恶化"),
        "better": ("better", "好转"),
    },
    "material_stage": {
        "Extraction": ("extraction", "开采"),
        "Processing": ("processing", "加工"),
        "mine": ("mine", "采矿"),
        "smelter": ("smelter", "冶炼"),
        "refinery": ("refinery", "精炼"),
    },
    "material_category": {
        "Iron and Ferro-Alloy Metals": ("Iron and ferro-alloy metals", "铁及铁合金金属"),
        "Precious Metals": ("Precious metals", "贵金属"),
        "Industrial Minerals": ("Industrial minerals", "工业矿物"),
        "Non-Ferrous Metals": ("Non-ferrous metals", "有色金属"),
        "Mineral Fuels": ("Mineral fuels", "矿物燃料"),
    },
    "material_unit": {
        "metr. t": ("t", "吨"),
        "kg": ("kg", "千克"),
        "ct": ("carats", "克拉"),
        "Mio m3": ("million m3", "百万立方米"),
    },
    "material_coverage": {en: (en, zh) for en, zh in COVERAGE_ZH.items()},
    "weight_basis": {
        "sum of share x downstream value share x (1 + score) / 2": (
            "sum of share x downstream value share x (1 + score) / 2",
            "Σ 份额 × 下游价值占比 × (1 + 得分) / 2",
        ),
    },
}

#: Boolean columns: shown as yes/no, 是/否.
BOOLEAN_COLUMNS = frozenset(
    {
        "has_alternative",
        "chain_leader",
        "restricted",
        "home",
        "final_product",
        "unknown_share_used",
        "single_point_of_failure",
        "bottleneck",
        "key_sector",
    }
)
BOOLEANS = {True: ("yes", "是"), False: ("no", "否")}

#: Aliases: columns that take the values of another column's vocabulary.
ALIASES = {
    "level_before": "level",
    "change_kind": "kind",
    "unit_type": "unit_kind",
    "gap_basis": "basis",
    "threshold_basis": "basis",
    "substitutability_basis": "basis",
    "type": "alternative_type",  # a scenario's alternatives: provider or substitute
    "stage": "material_stage",  # a raw material's stage (a chain's stage ids are not in it)
    "category": "material_category",
    "unit": "material_unit",  # raw-material units (reporting units such as days are not in it)
    "coverage": "material_coverage",  # the data a raw-material row rests on (shares are numbers)
}


def vocabulary(column: str) -> Mapping[str, tuple[str, str]] | None:
    """Return the vocabulary of ``column`` (``None`` when its values are free text, ids or numbers)."""
    return ENUMS.get(ALIASES.get(column, column))


def display_value(column: str, value: Any, lang: str = "en") -> Any:
    """How ``value`` of ``column`` reads in ``lang``; values outside any vocabulary are returned as is."""
    k = 1 if lang == "zh" else 0
    if column in BOOLEAN_COLUMNS and isinstance(value, bool | int) and value in (True, False):
        return BOOLEANS[bool(value)][k]
    if hasattr(value, "item") and column in BOOLEAN_COLUMNS:
        return BOOLEANS[bool(value.item())][k]
    voc = vocabulary(column)
    if voc is not None and isinstance(value, str) and value in voc:
        return voc[value][k]
    return value
