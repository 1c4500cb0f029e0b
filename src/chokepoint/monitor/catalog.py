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

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


#: Shipped defaults (a project may add its own later).
DEFAULT_INDICATORS: tuple[Indicator, ...] = (
    Indicator("inventory_days", "Inventory days", "库存天数", "days", "node_enterprise", False, 0, 3650),
    Indicator("lead_time_days", "Lead time", "交货周期", "days", "node_enterprise", True, 0, 3650),
    Indicator(
        "restricted_supply_share",
        "Share of supply from restricted countries",
        "受限国家供给占比",
        "fraction",
        "node_enterprise",
        True,
        0,
        1,
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
    ),
    Indicator("unit_price", "Unit price", "单价", "CNY", "node_enterprise", True, 0, 1e12),
    Indicator(
        "capacity_utilisation", "Capacity utilisation", "产能利用率", "fraction", "enterprise", False, 0, 1.5
    ),
    Indicator("order_backlog_months", "Order backlog", "订单积压", "months", "enterprise", True, 0, 600),
)


def catalog(extra: tuple[Indicator, ...] = ()) -> dict[str, Indicator]:
    """The catalog by code: defaults plus ``extra`` (which may override a default)."""
    out = {i.code: i for i in DEFAULT_INDICATORS}
    out.update({i.code: i for i in extra})
    return out
