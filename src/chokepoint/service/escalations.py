"""Coordinated decisions (决策协同): an alert escalated up the hierarchy, and the decision taken.

An officer escalates an alert of its subtree from its unit to the unit above (a park to its city,
a province to the nation; or a unit named above it). An escalation to a unit above this
instance's top travels up in the next bundle (:mod:`chokepoint.service.exchange`); the decision
taken there comes back in the receiver's reply. Who decided what, when and why is kept and
shown to the units involved: the raising unit's subtree and the deciding unit's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chokepoint.errors import AccessDeniedError, NotFoundError, UsageError
from chokepoint.service import reporting
from chokepoint.store import Store

DECIDER_ROLES = ("admin", "analyst", "officer")


def parent_unit(unit: str, country: str = "CHN") -> str:
    """The unit above ``unit``: a province's is the nation (the country code), below it the
    code without its last segment.

    Raises
    ------
    UsageError
        For the national unit (nothing is above it).
    """
    if "-" not in unit:
        raise UsageError(f"{unit!r} is the national unit: nothing is above it")
    return country if unit.count("-") == 1 else unit.rsplit("-", 1)[0]


def escalate(
    store: Store, project: str, alert_id: int, user: str, reason: str, to_unit: str | None = None
) -> dict[str, Any]:
    """Escalate alert ``alert_id`` of ``project`` from the user's unit to ``to_unit`` (default:
    the unit above). The reason is required.

    Raises
    ------
    AccessDeniedError
        For a role that may not escalate, or an alert outside the user's unit.
    NotFoundError
        For an unknown alert.
    UsageError
        Without a reason, or with a target that is not above the user's unit.
    """
    rec = store.users.get(user)
    if rec.disabled or rec.role not in DECIDER_ROLES:
        raise AccessDeniedError(f"user {user!r} ({rec.role}) may not escalate alerts")
    if not reason.strip():
        raise UsageError("say why the alert goes up: a reason is required")
    alert = next((a for a in store.alerts.list(project) if int(a["id"]) == alert_id), None)
    if alert is None:
        raise NotFoundError(f"no alert {alert_id} in project {project!r}")
    unit = reporting.user_unit(store, user) or reporting.instance_unit(store)
    actors = store.chains.load(project).actors.set_index("id")
    actor = str(alert["entity"]).split("|")[-1]
    where = str(actors.at[actor, "location"] or "") if actor in actors.index else ""
    if where and not reporting.contains(unit, where):
        raise AccessDeniedError(f"alert {alert_id} concerns {where}, outside your unit {unit!r}")
    country = store.network.settings().get("country", "CHN")
    target = to_unit or parent_unit(unit, country)
    if target == unit or not reporting.contains(target, unit):
        raise UsageError(f"{target!r} is not above your unit {unit!r}")
    summary = {
        k: alert[k]
        for k in ("level", "entity", "entity_name", "entity_name_zh", "message_en", "message_zh", "rule_id")
    }
    eid = store.network.escalate(
        {
            "project": project,
            "alert_id": alert_id,
            "alert": summary,
            "from_unit": unit,
            "to_unit": target,
            "raised_by": user,
            "raised_at": datetime.now(UTC),
            "reason": reason.strip(),
        }
    )
    return next(e for e in store.network.escalations() if e["id"] == eid)


def visible(store: Store, user: str) -> list[dict[str, Any]]:
    """The escalations the user's unit is involved in (raised in its subtree, or sent to it or
    to a unit containing it... from below it), newest first; every one for a user without a unit.
    """
    unit = reporting.user_unit(store, user)
    raw = reporting.sees_raw_reports(store, user)
    out = []
    for e in store.network.escalations():
        if unit is None or reporting.contains(unit, e["from_unit"]) or reporting.contains(unit, e["to_unit"]):
            # the alert's message quotes a reported value: a level without raw reports sees its
            # level and rule, and the officer's reason
            out.append(e if raw else {**e, "alert": {k: e["alert"].get(k) for k in ("level", "rule_id")}})
    return out


def decide(store: Store, escalation_id: int, user: str, decision: str, why: str) -> dict[str, Any]:
    """Record the decision on an escalation sent to the user's unit (or one it contains).

    Raises
    ------
    AccessDeniedError
        For a role that may not decide, or an escalation sent to another unit.
    UsageError
        Without a decision and its reason, or for one decided already.
    """
    rec = store.users.get(user)
    if rec.disabled or rec.role not in DECIDER_ROLES:
        raise AccessDeniedError(f"user {user!r} ({rec.role}) may not decide escalations")
    if not decision.strip() or not why.strip():
        raise UsageError("record what was decided and why")
    found = next((e for e in store.network.escalations() if e["id"] == escalation_id), None)
    if found is None:
        raise NotFoundError(f"no escalation {escalation_id}")
    if not found["origin"] and not reporting.contains(reporting.instance_unit(store), found["to_unit"]):
        raise UsageError(f"escalation {escalation_id} went up to {found['to_unit']}: it is decided there")
    unit = reporting.user_unit(store, user) or reporting.instance_unit(store)
    if not reporting.contains(unit, found["to_unit"]):
        raise AccessDeniedError(
            f"escalation {escalation_id} was sent to {found['to_unit']}, not to your unit {unit!r}"
        )
    return store.network.decide(escalation_id, decision.strip(), why.strip(), user)
