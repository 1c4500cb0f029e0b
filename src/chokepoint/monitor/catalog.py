"""Indicator catalog for direct reporting (数据直报) and monitoring rules.

Entity types and their keys:

=============  ==========================================  ===================
entity type    key                                         reported by
=============  ==========================================  ===================
``enterprise`` actor id (``P88``)                           its reporter, analysts, officers
``node_enterprise`` ``node|actor`` (``N20|P88``)           its reporter, analysts, officers
``node``       node id                                     analysts, officers
``country``    ISO3 code                                   analysts, officers
``chain``      ``chain``                                   analysts, officers
=============  ==========================================  ===================

Periods are months, written ``YYYY-MM``.

Units (``unit``, as reported) and how messages show them (``unit_zh`` gives the
Chinese form; a fraction is shown as a percentage in both languages):

============  ===========  ===================
unit          English      Chinese
============  ===========  ===================
``days``      200 days     200天
``months``    8 months     8个月
``count``     3            3家 (suppliers), 3个
``CNY``       160 CNY      160元
``fraction``  35%          35%
============  ===========  ===================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

EntityType = Literal["enterprise", "node_enterprise", "node", "country", "chain"]
ENTITY_TYPES: tuple[str, ...] = ("enterprise", "node_enterprise", "node", "country", "chain")
#: Entity types a reporter may report, for the enterprises bound to it.
REPORTER_ENTITY_TYPES: tuple[str, ...] = ("enterprise", "node_enterprise")


@dataclass(frozen=True)
class Indicator:
    """One reportable indicator."""

    code: str
    name_en: str
    name_zh: str
    unit: str
    entity_type: str
    higher_is_worse: bool
    minimum: float
    maximum: float
    #: The unit as written after a number in Chinese (default: :data:`UNIT_ZH`).
    unit_zh: str = ""

    @property
    def unit_label_zh(self) -> str:
        """The unit as written after a number in Chinese (its own, else from :data:`UNIT_ZH`)."""
        return self.unit_zh or UNIT_ZH.get(self.unit, self.unit)

    def to_dict(self) -> dict[str, object]:
        """Return the indicator's fields as a dict, ``unit_zh`` filled in."""
        out = dict(self.__dict__)
        out["unit_zh"] = self.unit_label_zh
        return out


#: Chinese form of each unit, written right after the number (fractions are shown as percentages).
UNIT_ZH: dict[str, str] = {"days": "天", "months": "个月", "count": "个", "CNY": "元", "fraction": "%"}


#: Shipped defaults (a project may add its own later).
DEFAULT_INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "inventory_days", "Inventory days", "库存天数", "days", "node_enterprise", False, 0, 3650, "天"
    ),
    Indicator("lead_time_days", "Lead time", "交货周期", "days", "node_enterprise", True, 0, 3650, "天"),
    Indicator(
        "restricted_supply_share",
        "Share of supply from restricted countries",
        "受限国家供给占比",
        "fraction",
        "node_enterprise",
        True,
        0,
        1,
        "%",
    ),
    Indicator(
        "qualified_suppliers",
        "Qualified supplier count",
        "合格供应商数量",
        "count",
        "node_enterprise",
        False,
        0,
        10000,
        "家",
    ),
    Indicator("unit_price", "Unit price", "单价", "CNY", "node_enterprise", True, 0, 1e12, "元"),
    Indicator(
        "capacity_utilisation",
        "Capacity utilisation",
        "产能利用率",
        "fraction",
        "enterprise",
        False,
        0,
        1.5,
        "%",
    ),
    Indicator(
        "order_backlog_months", "Order backlog", "订单积压", "months", "enterprise", True, 0, 600, "个月"
    ),
)


def catalog(extra: tuple[Indicator, ...] = ()) -> dict[str, Indicator]:
    """Return the indicator catalog by code: defaults plus ``extra`` (which may override a default)."""
    out = {i.code: i for i in DEFAULT_INDICATORS}
    out.update({i.code: i for i in extra})
    return out
