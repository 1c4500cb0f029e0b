"""Early-warning monitoring (预警监测): indicator catalog, reported data, rules, alerts, snapshots."""

from chokepoint.monitor.catalog import DEFAULT_INDICATORS, Indicator, catalog
from chokepoint.monitor.rules import RuleSet

__all__ = ["DEFAULT_INDICATORS", "Indicator", "RuleSet", "catalog"]
