"""Store methods of monitoring: users, reported values, rules, alerts and snapshots.

One mixin of :class:`chokepoint.store.Store` made of three: :class:`~chokepoint.store.users.UsersMixin`
(users and bindings), :class:`~chokepoint.store.observations.ObservationsMixin` (reported values and
their history) and :class:`~chokepoint.store.alerts.AlertsMixin` (rules, snapshots, alerts). They
hold data only: who may report, read or act is checked by the services
(:mod:`chokepoint.service.users`, :mod:`chokepoint.service.monitoring`).
"""

from __future__ import annotations

from chokepoint.store.alerts import AlertsMixin
from chokepoint.store.observations import ObservationsMixin
from chokepoint.store.users import UserRecord, UsersMixin

__all__ = ["AlertsMixin", "MonitoringMixin", "ObservationsMixin", "UserRecord", "UsersMixin"]


class MonitoringMixin(UsersMixin, ObservationsMixin, AlertsMixin):
    """Users, observations, rules, alerts and snapshots of the projects in a store."""
