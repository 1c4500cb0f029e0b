"""The columns of the policy lists: their headers in English and Chinese, the level colours,
and how a list's cell reads (partners, lists of nodes, enum values).

Shared by the lists' own outputs (:mod:`chokepoint.report.lists`) and every workbook
(:mod:`chokepoint.report.workbook`), which extends these headers.
"""

from __future__ import annotations

from typing import Any

from chokepoint.vocabulary import display_value

#: Column -> (English header, Chinese header).
HEADERS: dict[str, tuple[str, str]] = {
    "rank": ("Priority", "优先次序"),
    "priority": ("Priority", "优先次序"),
    "id": ("Id", "编号"),
    "name": ("Name", "名称（英文）"),
    "name_zh": ("Name (Chinese)", "名称"),
    "coverage": ("Known share of the market", "已知份额覆盖率"),
    "restricted_share": ("Restricted share (known)", "受限国家份额（已知）"),
    "restricted_share_upper": ("Restricted share (bound)", "受限国家份额（上限）"),
    "chain_leader": ("Chain leader", "链主企业"),
    "weight_upper": ("Risk x value (bound)", "风险×价值（上限）"),
    "weight_basis": ("Basis", "计算依据"),
    "relation": ("Relation", "关联方式"),
    "level": ("Level", "等级"),
    "score": ("Score", "得分"),
    "quadrant": ("Quadrant", "象限"),
    "gap": ("Gap", "技术差距"),
    "criticality": ("Criticality", "关键程度"),
    "exposure": ("Exposure", "受限暴露度"),
    "localization": ("Localization (proxy)", "国产化率（代理）"),
    "top_country": ("Leading country", "领先国家"),
    "top_enterprise": ("Leading enterprise", "领先企业"),
    "has_alternative": ("Alternative source", "有替代来源"),
    "reason": ("Reason", "理由"),
    "home_share": ("Home share", "本国份额"),
    "dependence": ("Others' dependence", "他国依赖度"),
    "leverage": ("Leverage", "反制力"),
    "actor": ("Actor id", "主体编号"),
    "country": ("Country", "国家/地区"),
    "home": ("Home", "本国"),
    "restricted": ("Restricted", "受限国家"),
    "weight": ("Risk x value passing through", "经其流转的风险×价值"),
    "nodes": ("Nodes", "节点"),
    "upstream_partners": ("Core upstream partners", "上游核心关联企业"),
    "downstream_partners": ("Core downstream partners", "下游核心关联企业"),
    "chokepoint": ("Chokepoint", "卡脖子节点"),
    "chokepoint_name": ("Chokepoint name", "卡脖子节点名称"),
    "unit": ("Unit id", "单位编号"),
    "unit_name": ("Unit", "单位"),
    "unit_kind": ("Kind", "类型"),
    "standing": ("Standing", "国别属性"),
    "share": ("Share", "份额"),
    "task_id": ("Task id", "任务编号"),
    "node": ("Node", "节点"),
    "goal": ("Goal", "目标"),
    "lead": ("Lead id", "牵头单位编号"),
    "lead_name": ("Lead", "牵头单位"),
    "partners": ("Partners", "参与单位"),
    "priority_score": ("Priority score", "优先级得分"),
    "value_share": ("Downstream value share", "下游价值占比"),
    "feasibility": ("Feasibility", "可行性"),
    "status": ("Status", "状态"),
    "progress": ("Progress", "进展"),
    "consortium": ("Consortium", "创新联合体"),
    "kind": ("Kind", "类型"),
    "finding": ("Finding", "问题"),
}

LEVEL_FILLS = {"I": "FF4D4F", "II": "FFA940", "III": "FADB14", "IV": "69B1FF"}


def display_cell(column: str, v: Any, lang: str) -> Any:
    """One value of a list as a reader sees it: partners as ``name (country, restricted)``, other
    lists joined by ``;``, enum values in words (:func:`chokepoint.vocabulary.display_value`).
    """
    if isinstance(v, list):
        if v and isinstance(v[0], dict):
            zh = lang == "zh"
            if zh:
                return "；".join(
                    f"{p.get('name_zh') or p['name']}（{p['country']}"
                    + ("，受限" if p.get("restricted") else "")
                    + "）"
                    for p in v
                )
            return "; ".join(
                f"{p['name']} ({p['country']}" + (", restricted" if p.get("restricted") else "") + ")"
                for p in v
            )
        return "; ".join(str(x) for x in v)
    return display_value(column, v, lang)
