"""Reporting cycles and the organisation hierarchy: units of people, data sets, completeness and
timeliness, late reporters and reminders, the review queue, and what each user may see.

The hierarchy is the region codes': the national unit is the instance's country (``CHN``), then
ISO 3166-2 provinces (``CN-ZJ``) and the region table's cities and parks (``CN-ZJ-HZ``,
``CN-ZJ-HZ-BJHT``). An enterprise lies in the units its ``location`` is in (an unlocated one
only in the national unit). The visibility policy (docs/network.md):

* a reporter sees its own enterprises' reports (values, state, the reviewer's comment);
* an officer, analyst or viewer placed in a unit sees the raw reports of the enterprises in its
  subtree, when its level is one of the instance's ``raw_levels`` (default: every level);
  otherwise only aggregates (rates, totals) of its subtree;
* a user without a unit, and every admin, sees the whole instance.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from chokepoint.errors import AccessDeniedError, NotFoundError, UsageError
from chokepoint.model.countries import country_name
from chokepoint.model.regions import iso_subdivisions
from chokepoint.monitor.catalog import REPORTER_ENTITY_TYPES, catalog
from chokepoint.monitor.reporting import (
    REVIEW_ACTIONS,
    SUBMITTED,
    UNIT_LEVELS,
    DataSet,
    check_data_set,
    data_set_of,
    deadline_of,
    held_back,
    in_unit,
    report_rates,
    unit_level,
)
from chokepoint.service.users import reporter
from chokepoint.store import Store

REVIEWER_ROLES = ("admin", "analyst", "officer")
#: the operator's notification hook: an executable given each reminder as JSON on stdin
HOOK_ENV = "CHOKEPOINT_NOTIFY_HOOK"


# ----------------------------------------------------------------- units
def instance_unit(store: Store) -> str:
    """The top unit of this instance (its network setting ``unit``; default ``CHN``)."""
    return store.network.settings().get("unit", "CHN")


def raw_levels(store: Store) -> tuple[str, ...]:
    """The unit levels whose users see raw reports (setting ``raw_levels``; default all)."""
    value = store.network.settings().get("raw_levels", "")
    return tuple(v for v in value.split(",") if v) or UNIT_LEVELS


def check_unit(store: Store, unit: str) -> str:
    """``unit`` when it is a country code (ISO 3166-1 alpha-3), an ISO 3166-2 province or a
    region of the region table (``UsageError`` otherwise, naming what to do).
    """
    if "-" not in unit:
        if country_name(unit) == unit:
            raise UsageError(f"{unit!r} is not an ISO 3166-1 alpha-3 country code (the national unit: CHN)")
        return unit
    levels = region_levels(store)
    if unit.count("-") == 1:
        country = store.network.settings().get("country", "CHN")
        if unit not in set(iso_subdivisions(country)["code"]):
            raise UsageError(f"{unit!r} is not an ISO 3166-2 province of {country}")
        return unit
    unit_level(unit, levels)  # raises for a code the region table lacks
    return unit


def unit_names(store: Store, codes: list[str]) -> dict[str, tuple[str, str]]:
    """The English and Chinese names of units: countries (ISO 3166), provinces (ISO 3166-2 with
    pycountry's Chinese), the region table's cities and parks; a code it does not know is its own.
    """
    country = store.network.settings().get("country", "CHN")
    table = pd.concat([iso_subdivisions(country), store.regions.table()], ignore_index=True)
    names = {
        c: (str(n), str(z) or str(n))
        for c, n, z in zip(table["code"], table["name"], table["name_zh"], strict=True)
    }
    return {
        c: (country_name(c), country_name(c, "zh")) if "-" not in c else names.get(c, (c, c)) for c in codes
    }


def region_levels(store: Store) -> dict[str, str]:
    """The region table's levels: code → level."""
    table = store.regions.table()
    return dict(zip(table["code"], table["level"], strict=True))


def set_unit(store: Store, user: str, unit: str | None) -> dict[str, Any]:
    """Place a user in an organisation unit (``None`` or ``""``: none, the instance's top)."""
    if unit:
        check_unit(store, unit)
    store.reporting.set_unit(user, unit or None)
    return {"name": user, "unit": unit or None}


def user_unit(store: Store, user: str) -> str | None:
    """The unit whose subtree ``user`` sees (``None``: everything; admins and users without one)."""
    rec = store.users.get(user)
    if rec.role == "admin":
        return None
    return store.reporting.unit_of(user)


def contains(outer: str | None, inner: str) -> bool:
    """Whether unit ``outer`` contains unit or location ``inner`` (``None`` contains all)."""
    if outer is None or "-" not in outer:
        return True
    return inner == outer or inner.startswith(outer + "-")


def raw_actors(store: Store, project: str, user: str) -> frozenset[str] | None:
    """The actors whose raw reported values ``user`` may read (``None``: all).

    A reporter: its bound enterprises. Other roles: every actor when the user has no unit;
    else the actors located in its unit, when its level sees raw values, or none.
    """
    who = reporter(store, user, project)
    if who.role == "reporter":
        return who.actors
    unit = user_unit(store, user)
    if unit is None:
        return None
    if unit_level(unit, region_levels(store)) not in raw_levels(store):
        return frozenset()
    actors = store.chains.load(project).actors
    return frozenset(actors.loc[in_unit(actors["location"], unit), "id"]) if "-" in unit else None


def sees_raw_reports(store: Store, user: str) -> bool:
    """Whether ``user``'s level sees raw reports (the instance's ``raw_levels``; no unit: yes)."""
    unit = user_unit(store, user)
    return unit is None or unit_level(unit, region_levels(store)) in raw_levels(store)


def scope_values(values: pd.DataFrame, actors: frozenset[str] | None, reporter_only: bool) -> pd.DataFrame:
    """The reported values a user may read: enterprise values of ``actors`` only (``None``: all);
    a reporter sees no other value, anyone else every node and country value too.
    """
    if actors is None or not len(values):
        return values
    actor = values["entity"].astype(str).str.split("|").str[-1]
    own = values["entity_type"].isin(REPORTER_ENTITY_TYPES) & actor.isin(actors)
    keep = own if reporter_only else own | ~values["entity_type"].isin(REPORTER_ENTITY_TYPES)
    return values[keep.to_numpy()].reset_index(drop=True)


# ----------------------------------------------------------------- data sets
def data_set_objects(store: Store, project: str) -> list[DataSet]:
    """The project's data sets as :class:`DataSet`."""
    return [data_set_of(b) for b in store.reporting.data_sets(project)]


def _entity_types() -> dict[str, str]:
    return {k: v.entity_type for k, v in catalog().items()}


def _actor_kinds(store: Store, project: str) -> dict[str, str]:
    actors = store.chains.load(project).actors
    return dict(zip(actors["id"], actors["kind"], strict=True))


def put_data_set(store: Store, project: str, body: dict[str, Any], user: str) -> dict[str, Any]:
    """Create or replace a data set (checked whole: :func:`chokepoint.monitor.reporting.check_data_set`)."""
    ds = check_data_set(body, _entity_types(), _actor_kinds(store, project))
    store.reporting.put_data_set(project, ds.name, ds.to_dict(), user)
    return ds.to_dict()


def get_data_set(store: Store, project: str, name: str) -> DataSet:
    """One data set (``NotFoundError`` naming the ones there are)."""
    sets = {d.name: d for d in data_set_objects(store, project)}
    if name not in sets:
        have = ", ".join(sets) or "none yet (`chokepoint reporting data-set add`)"
        raise NotFoundError(f"no data set {name!r} in project {project!r}; data sets: {have}")
    return sets[name]


def list_data_sets(store: Store, project: str) -> list[dict[str, Any]]:
    """Every data set of the project (its fields)."""
    return [d.to_dict() for d in data_set_objects(store, project)]


def delete_data_set(store: Store, project: str, name: str) -> dict[str, str]:
    """Delete a data set with its reports and review steps (the values stay)."""
    store.reporting.delete_data_set(project, name)
    return {"deleted": name}


def members_of(store: Store, project: str, ds: DataSet) -> pd.DataFrame:
    """The data set's enterprises still in the chain: enterprise, location (blank: unlocated),
    name and name_zh (the English name where there is no Chinese one).
    """
    actors = store.chains.load(project).actors.set_index("id")
    ids = [a for a in ds.enterprises if a in actors.index]
    return pd.DataFrame(
        {
            "enterprise": ids,
            "location": [str(actors.at[a, "location"] or "") for a in ids],
            "name": [str(actors.at[a, "name"]) for a in ids],
            "name_zh": [str(actors.at[a, "name_zh"] or actors.at[a, "name"]) for a in ids],
        }
    )


def child_units(store: Store, unit: str, locations: pd.Series) -> list[str]:
    """The units directly below ``unit`` that hold one of ``locations``: provinces below the
    national unit, then the region table's children.
    """
    locs = [str(x) for x in locations.fillna("") if x]
    if "-" not in unit:
        return sorted({"-".join(x.split("-")[:2]) for x in locs})
    table = store.regions.table()
    kids = table.loc[table["parent"] == unit, "code"].tolist()
    return [k for k in kids if any(x == k or x.startswith(k + "-") for x in locs)]


def rates(
    store: Store,
    project: str,
    data_set: str,
    user: str,
    unit: str | None = None,
    periods: list[str] | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Completeness (上报率) and timeliness (及时率) of ``unit`` and of each unit directly
    below it, per period (:func:`chokepoint.monitor.reporting.report_rates`).

    ``unit`` defaults to the user's own (or the instance's top); it must lie in the user's
    subtree. ``periods`` default to every period with a report.

    Raises
    ------
    AccessDeniedError
        For a unit outside the user's subtree.
    """
    ds = get_data_set(store, project, data_set)
    mine = user_unit(store, user)
    top = unit or mine or instance_unit(store)
    if not contains(mine, top):
        raise AccessDeniedError(f"unit {top!r} is outside your unit {mine!r}")
    members = members_of(store, project, ds)
    reports = store.reporting.reports(project, data_set)
    if periods is None:
        periods = sorted(set(reports["period"]))
    units = [top, *child_units(store, top, members.loc[in_unit(members["location"], top), "location"])]
    table = report_rates(members, reports, units, periods, ds.deadline_day, now or datetime.now(UTC))
    levels = region_levels(store)
    names = unit_names(store, list(table["unit"]))
    table.insert(1, "level", [unit_level(u, levels) for u in table["unit"]])
    table.insert(1, "name", [names[u][0] for u in table["unit"]])
    table.insert(2, "name_zh", [names[u][1] for u in table["unit"]])
    return [plain_row(r) for r in table.to_dict("records")]


def late_reporters(
    store: Store, project: str, data_set: str, period: str, user: str, now: datetime | None = None
) -> list[dict[str, Any]]:
    """The enterprises in the user's subtree with no submitted report for ``period``: name,
    location, state (blank: nothing), days past the deadline (negative: still due), comment.
    """
    ds = get_data_set(store, project, data_set)
    mine = user_unit(store, user)
    members = members_of(store, project, ds)
    if mine is not None:
        members = members[in_unit(members["location"], mine)]
    got = store.reporting.reports(project, data_set, [period]).set_index("enterprise")
    due = deadline_of(period, ds.deadline_day)
    days = ((now or datetime.now(UTC)) - due).total_seconds() / 86400
    sees_raw = sees_raw_reports(store, user)
    out = []
    for m in members.itertuples(index=False):
        state = str(got.at[m.enterprise, "state"]) if m.enterprise in got.index else ""
        if state in SUBMITTED:
            continue
        comment = str(got.at[m.enterprise, "comment"]) if m.enterprise in got.index and sees_raw else ""
        out.append(
            {
                "enterprise": m.enterprise,
                "name": m.name,
                "name_zh": m.name_zh,
                "location": m.location,
                "state": state,
                "deadline": due.isoformat(timespec="seconds"),
                "days_late": round(days, 1),
                "comment": comment,
            }
        )
    return out


def remind(
    store: Store, project: str, data_set: str, period: str, user: str, now: datetime | None = None
) -> dict[str, Any]:
    """Remind the late reporters of ``period`` (催报): an in-app notification to every reporter
    bound to a late enterprise, and each reminder handed to the operator's hook (the executable
    ``$CHOKEPOINT_NOTIFY_HOOK``, given the reminder as JSON on stdin: connect it to mail or SMS).

    Returns
    -------
    dict
        ``reminded`` (users), ``enterprises`` (late, with no bound reporter: ``unreached``) and
        ``hook`` (``not configured``, or how many the hook took and the failures).
    """
    ds = get_data_set(store, project, data_set)
    late = late_reporters(store, project, data_set, period, user, now)
    pid_bound = reporters_of(store, project)
    rows, unreached = [], []
    for e in late:
        targets = pid_bound.get(e["enterprise"], [])
        if not targets:
            unreached.append(e["enterprise"])
        for t in targets:
            rows.append(
                {
                    "user": t,
                    "kind": "reminder",
                    "message_en": f"{ds.title or ds.name}: the report of {e['name']} for {period} is due "
                    f"by {e['deadline'][:10]} (Beijing time){', late' if e['days_late'] > 0 else ''}; "
                    "please submit it",
                    "message_zh": f"{ds.title_zh or ds.name}：{e['name_zh']} {period} 的报表截止于 "
                    f"{e['deadline'][:10]}{'，已逾期' if e['days_late'] > 0 else ''}，请尽快报送",
                    "body": {"project": project, "data_set": data_set, "period": period, **e},
                }
            )
    store.reporting.notify(rows)
    return {
        "reminded": sorted({r["user"] for r in rows}),
        "late": [e["enterprise"] for e in late],
        "unreached": unreached,
        "hook": run_hook(rows),
    }


def run_hook(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Hand each notification to ``$CHOKEPOINT_NOTIFY_HOOK`` (JSON on stdin, 10 s each); the
    failures are counted and named, never raised: the in-app notification stands.
    """
    hook = os.environ.get(HOOK_ENV, "").strip()
    if not hook:
        return {"status": "not configured", "sent": 0, "failed": []}
    sent, failed = 0, []
    for r in rows:
        try:
            done = subprocess.run(
                [hook],
                input=json.dumps(r, ensure_ascii=False),
                text=True,
                capture_output=True,
                timeout=10,
                check=False,
            )
            if done.returncode == 0:
                sent += 1
            else:
                failed.append(
                    {"user": r["user"], "reason": done.stderr.strip()[:200] or f"exit {done.returncode}"}
                )
        except (OSError, subprocess.TimeoutExpired) as exc:
            failed.append({"user": r["user"], "reason": str(exc)[:200]})
    return {"status": "ran", "sent": sent, "failed": failed}


def reporters_of(store: Store, project: str) -> dict[str, list[str]]:
    """The enabled reporters bound to each actor of ``project``: actor → user names."""
    out: dict[str, list[str]] = {}
    for u in store.users.list():
        if u["role"] != "reporter" or u["disabled"]:
            continue
        for actor in sorted(store.users.get(u["name"], project).actors):
            out.setdefault(actor, []).append(u["name"])
    return out


# ----------------------------------------------------------------- review
def _reviewer_unit(store: Store, user: str, ds: DataSet) -> str | None:
    """The reviewer's unit (``None``: the whole instance) when ``user`` may review ``ds``."""
    rec = store.users.get(user)
    if rec.disabled or rec.role not in REVIEWER_ROLES:
        raise AccessDeniedError(f"user {user!r} ({rec.role}) may not review reports")
    if ds.review_level == "none":
        raise UsageError(
            f"data set {ds.name!r} is not reviewed (review_level none): its values count as sent"
        )
    unit = user_unit(store, user)
    if unit is None:
        return None
    level = unit_level(unit, region_levels(store))
    if level not in raw_levels(store):
        raise AccessDeniedError(
            f"your level ({level}) sees aggregates only (the instance's raw levels): it does not review"
        )
    if UNIT_LEVELS.index(level) > UNIT_LEVELS.index(ds.review_level):
        raise AccessDeniedError(
            f"data set {ds.name!r} is reviewed at {ds.review_level} level; your unit is a {level}"
        )
    return unit


def _reviewable(unit: str | None, locations: pd.Series) -> np.ndarray:
    """Which enterprises (by location) a reviewer of ``unit`` reviews: those in its subtree (an
    unlocated one only at the national level).
    """
    return np.ones(len(locations), dtype=bool) if unit is None else in_unit(locations, unit)


def review_queue(store: Store, project: str, user: str, data_set: str | None = None) -> list[dict[str, Any]]:
    """The reports waiting for this user's review (submitted or queried), oldest first."""
    out = []
    for ds in data_set_objects(store, project):
        if (data_set and ds.name != data_set) or ds.review_level == "none":
            continue
        try:
            unit = _reviewer_unit(store, user, ds)
        except AccessDeniedError:
            continue
        members = members_of(store, project, ds)
        mine = members[_reviewable(unit, members["location"])].set_index("enterprise")
        waiting = store.reporting.reports(project, ds.name)
        waiting = waiting[
            waiting["state"].isin(["submitted", "queried"]) & waiting["enterprise"].isin(mine.index)
        ]
        out += [
            {
                "data_set": ds.name,
                "enterprise": r["enterprise"],
                "period": r["period"],
                "state": r["state"],
                "revision": int(r["revision"]),
                "location": str(mine.at[r["enterprise"], "location"]),
                "name": str(mine.at[r["enterprise"], "name"]),
                "name_zh": str(mine.at[r["enterprise"], "name_zh"]),
                "submitted_at": r["submitted_at"].isoformat(timespec="seconds"),
                "submitted_by": r["submitted_by"],
                "comment": r["comment"],
            }
            for r in waiting.to_dict("records")
        ]
    return sorted(out, key=lambda r: (r["submitted_at"], r["data_set"], r["period"], r["enterprise"]))


def review(
    store: Store,
    project: str,
    data_set: str,
    items: list[tuple[str, str, int | None]],
    action: str,
    user: str,
    comment: str = "",
) -> list[dict[str, Any]]:
    """Approve, query (查询) or return (退回) reports, all or none; a query or return needs a
    comment, which the enterprise's reporters are notified of.

    Parameters
    ----------
    items : list of (enterprise, period, revision)
        The reports; ``revision`` (or None) the one the reviewer saw.

    Raises
    ------
    UsageError
        For an unknown action, no report, or a query or return without a comment.
    AccessDeniedError
        When the user may not review one of the reports (role, unit, level).
    ConflictError
        When a report's state does not allow the action, or it moved on (``revision``).
    """
    if action not in REVIEW_ACTIONS:
        raise UsageError(f"unknown review action {action!r}; one of {', '.join(REVIEW_ACTIONS)}")
    if not items:
        raise UsageError("name the reports to review (enterprise and period)")
    comment = comment.strip()
    if action in ("query", "return") and not comment:
        raise UsageError(f"say why: a {action} needs a comment the enterprise will read")
    ds = get_data_set(store, project, data_set)
    unit = _reviewer_unit(store, user, ds)
    members = members_of(store, project, ds).set_index("enterprise")
    for enterprise, _, _ in items:
        if enterprise not in members.index:
            raise NotFoundError(f"{enterprise!r} does not report data set {data_set!r}")
    allowed = pd.Series(_reviewable(unit, members["location"]), index=members.index)
    outside = sorted({e for e, _, _ in items if not allowed[e]})
    if outside:
        raise AccessDeniedError(f"{', '.join(outside[:5])} lie outside your unit {unit!r}")
    done = store.reporting.review(
        project, data_set, items, action, user, unit or instance_unit(store), comment
    )
    if action != "approve":
        bound = reporters_of(store, project)
        word = {
            "query": ("has a question", "被查询"),
            "return": ("was returned for correction", "被退回修改"),
        }[action]
        store.reporting.notify(
            [
                {
                    "user": t,
                    "kind": action,
                    "message_en": f"{ds.title or ds.name}: the report of "
                    f"{members.at[d['enterprise'], 'name']!s} "
                    f"for {d['period']} {word[0]}: {comment}",
                    "message_zh": f"{ds.title_zh or ds.name}：{members.at[d['enterprise'], 'name_zh']!s} "
                    f"{d['period']} 的报表{word[1]}：{comment}",
                    "body": d,
                }
                for d in done
                for t in bound.get(d["enterprise"], [])
            ]
        )
    return done


def my_reports(store: Store, project: str, user: str) -> list[dict[str, Any]]:
    """The reports of the enterprises ``user`` may read raw, with state, revision, the reviewer's
    comment and every step (a returned report shows why).
    """
    actors = raw_actors(store, project, user)
    out = []
    for ds in data_set_objects(store, project):
        got = store.reporting.reports(project, ds.name, enterprises=None if actors is None else actors)
        steps = store.reporting.all_steps(project, ds.name) if len(got) else {}
        out += [
            {**plain_row(r), "steps": steps.get((r["enterprise"], r["period"]), [])}
            for r in got.to_dict("records")
        ]
    return out


# ----------------------------------------------------------------- what counts
def counted_values(store: Store, project: str) -> pd.DataFrame:
    """The reported values assessments and rules may use: those of reviewed data sets only once
    their report is approved (:func:`chokepoint.monitor.reporting.held_back`).
    """
    values = store.observations.values(project)
    sets = data_set_objects(store, project)
    if not sets or not len(values):
        return values
    held = held_back(values, sets, store.reporting.reports(project))
    return values[~held].reset_index(drop=True)


def counted_series(
    store: Store, project: str, indicator: str, as_of: str
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """:meth:`ObservationRepository.series` with held-back values as not reported (NaN)."""
    entities, matrix, months = store.observations.series(project, indicator, as_of)
    sets = [d for d in data_set_objects(store, project) if indicator in d.indicators]
    if not sets or not len(entities):
        return entities, matrix, months
    et = catalog()[indicator].entity_type if indicator in catalog() else "node"
    grid = pd.DataFrame(
        {
            "indicator": indicator,
            "entity_type": et,
            "entity": np.repeat(entities, len(months)),
            "period": np.tile(months, len(entities)),
        }
    )
    held = held_back(grid, sets, store.reporting.reports(project)).reshape(len(entities), len(months))
    out = matrix.copy()
    out[held] = np.nan
    return entities, out, months


def plain_row(r: Mapping[Any, Any]) -> dict[str, Any]:
    """A record with JSON-ready values: timestamps as ISO seconds, NaN and NaT as None, numpy
    numbers as Python's.
    """
    out: dict[str, Any] = {}
    for key, v in r.items():
        k = str(key)
        if isinstance(v, pd.Timestamp | datetime):
            out[k] = v.isoformat(timespec="seconds") if not pd.isna(v) else None
        elif isinstance(v, float) and np.isnan(v):
            out[k] = None
        elif isinstance(v, np.integer):
            out[k] = int(v)
        elif isinstance(v, np.floating):
            out[k] = float(v)
        elif v is pd.NaT:
            out[k] = None
        else:
            out[k] = v
    return out
