"""The exchange format: the four tables of a chain map and their columns.

This module is the single source of truth for column names, types, whether a
column is required, and the bilingual notes shown in the Excel template and in
``docs/exchange-format.md``. Readers, writers, the store and validation all
read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnType = Literal["str", "float", "int", "list"]

NODE_KINDS: tuple[str, ...] = (
    "product",
    "component",
    "material",
    "process",
    "equipment",
    "software",
    "design",
    "technical_foundation",
    "stage",
)
ACTOR_KINDS: tuple[str, ...] = ("enterprise", "institution", "pilot_platform", "country", "region")
EDGE_KINDS: tuple[str, ...] = ("input_of", "type_of", "substitute_for")
CHILDREN_RULES: tuple[str, ...] = ("all", "any")

#: Separator of list cells (``hs_codes``, ``tags``, ``aliases``, ``members``) in CSV and Excel.
LIST_SEPARATOR = ";"


@dataclass(frozen=True, slots=True)
class Column:
    """One column of an exchange-format table."""

    name: str
    type: ColumnType
    required: bool
    en: str
    zh: str
    example: str = ""


NODE_COLUMNS: tuple[Column, ...] = (
    Column("id", "str", True, "Unique node id", "节点唯一编号", "N20"),
    Column("name", "str", True, "Name (English)", "名称（英文）", "EUV lithography tools"),
    Column("name_zh", "str", False, "Name (Chinese)", "名称（中文）", "EUV光刻机"),
    Column(
        "kind",
        "str",
        True,
        "One of: " + ", ".join(NODE_KINDS),
        "类型：产品、零部件、材料、工艺、装备、软件、设计、产业技术基础、环节",
        "equipment",
    ),
    Column("stage", "str", False, "Id of the stage node it belongs to", "所属环节节点编号", "S2"),
    Column("description", "str", False, "Free text", "说明", ""),
    Column("market_size", "float", False, "Global market size, USD", "全球市场规模（美元）", "1.2e10"),
    Column("market_size_year", "int", False, "Year of the market size", "市场规模年份", "2022"),
    Column("threshold", "int", False, "Technical threshold 1 (low) to 5 (high)", "技术门槛 1-5", "5"),
    Column("gap", "float", False, "Technology gap 0 (none) to 1 (largest)", "技术差距 0-1", "0.9"),
    Column("gap_years", "float", False, "Technology gap in years", "技术差距（年）", "10"),
    Column(
        "substitutability",
        "float",
        False,
        "0 (no substitute) to 1 (fully substitutable)",
        "可替代性 0-1",
        "0",
    ),
    Column(
        "children_rule",
        "str",
        False,
        "For type_of parents: all (every kind needed, default) or any (alternatives)",
        "子类关系：all（全部必需，默认）或 any（可相互替代）",
        "all",
    ),
    Column("hs_codes", "list", False, "HS codes, separated by ;", "海关HS编码，用;分隔", "848620"),
    Column("tags", "list", False, "Tags, separated by ;", "标签，用;分隔", "lithography"),
    Column("source", "str", False, "Data source", "数据来源", "ETO Chip Explorer"),
)

EDGE_COLUMNS: tuple[Column, ...] = (
    Column("source", "str", True, "Node id the edge starts from", "起点节点编号", "N20"),
    Column("target", "str", True, "Node id the edge points to", "终点节点编号", "N19"),
    Column(
        "kind",
        "str",
        True,
        "input_of (source goes into target), type_of (source is a kind of target), "
        "substitute_for (source can replace target)",
        "关系：input_of 投入于；type_of 属于（子类）；substitute_for 可替代",
        "type_of",
    ),
    Column(
        "weight",
        "float",
        False,
        "input_of: criticality weight 0-1 (1 = cannot produce without it, default)",
        "投入关键程度 0-1（1=不可或缺，默认）",
        "1",
    ),
    Column(
        "switching_days",
        "float",
        False,
        "substitute_for: days to switch to the substitute",
        "替代切换所需天数",
        "",
    ),
    Column("difficulty", "float", False, "substitute_for: switching difficulty 0-1", "替代难度 0-1", ""),
    Column("note", "str", False, "Free text", "备注", ""),
)

ACTOR_COLUMNS: tuple[Column, ...] = (
    Column("id", "str", True, "Unique actor id", "主体唯一编号", "P45"),
    Column("name", "str", True, "Name (English)", "名称（英文）", "ASML"),
    Column("name_zh", "str", False, "Name (Chinese)", "名称（中文）", "阿斯麦"),
    Column(
        "kind",
        "str",
        True,
        "One of: " + ", ".join(ACTOR_KINDS),
        "类型：企业、机构（高校/院所/实验室）、中试平台、国家、地区",
        "enterprise",
    ),
    Column(
        "country",
        "str",
        False,
        "ISO 3166 alpha-3 code (or a region code); for a country or region its own code",
        "所属国家ISO三位代码（或地区代码）；国家/地区填自身代码",
        "NLD",
    ),
    Column(
        "location",
        "str",
        False,
        "Organisations: province, city or park below the country (ISO 3166-2 code such as CN-ZJ, "
        "extended by city and park segments)",
        "机构所在省、市或园区（ISO 3166-2代码如CN-ZJ，可加市、园区段）",
        "CN-ZJ",
    ),
    Column("aliases", "list", False, "Other names, separated by ;", "别名，用;分隔", ""),
    Column(
        "members",
        "list",
        False,
        "Regions: member country codes, separated by ;",
        "地区：成员国代码，用;分隔",
        "",
    ),
    Column("description", "str", False, "Free text", "说明", ""),
)

PROVISION_COLUMNS: tuple[Column, ...] = (
    Column("actor", "str", True, "Actor id of the provider", "供给主体编号", "P45"),
    Column("node", "str", True, "Node id provided", "所供给节点编号", "N20"),
    Column(
        "share",
        "float",
        False,
        "Share of the global market 0-1; blank = unknown (never read as zero)",
        "全球市场份额 0-1；空白=未知（不视为0）",
        "1",
    ),
    Column("capacity", "float", False, "Capacity (free unit)", "产能", ""),
    Column("year", "int", False, "Year the share refers to", "份额所属年份", "2025"),
    Column("source", "str", False, "Data source", "数据来源", "TechInsights (2025)"),
)

TABLES: dict[str, tuple[Column, ...]] = {
    "nodes": NODE_COLUMNS,
    "edges": EDGE_COLUMNS,
    "actors": ACTOR_COLUMNS,
    "provisions": PROVISION_COLUMNS,
}

TABLE_NOTES: dict[str, tuple[str, str]] = {
    "nodes": (
        "Products, components, materials, processes, equipment, software, design, "
        "technical foundations and stages of the chain",
        "产业链节点：产品、零部件、材料、工艺、装备、软件、设计、产业技术基础、环节",
    ),
    "edges": ("Relations between nodes", "节点之间的关系"),
    "actors": ("Enterprises, institutions, countries and regions", "企业、机构、国家和地区"),
    "provisions": (
        "Who provides which node, with what share of the market",
        "供给关系：哪个主体供给哪个节点及其市场份额",
    ),
}


def column_names(table: str) -> list[str]:
    """Return the column names of an exchange-format table, in order."""
    return [c.name for c in TABLES[table]]
