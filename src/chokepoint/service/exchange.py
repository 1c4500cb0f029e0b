"""Regional instances reporting upward: identity, peers, preparing, pushing and receiving signed
bundles, and the national side's merged view (totals by region, conflicts, last exchanges).

The protocol (docs/network.md): the sender prepares bundles from its approved reports not yet
sent at their revision (raw values, or sums per unit when its policy is ``aggregate``), each
signed and numbered 1, 2, 3... for its receiver, kept in its outbox until acknowledged. A push
sends the unacknowledged bundles in order; the receiver checks the sender is registered, the
signature against the registered key and the sequence (the next one, or one it merged: then it
answers ``duplicate`` and merges nothing), merges the bundle in one transaction and answers with
a reply signed by its own key, carrying its decisions on the sender's escalations. A transfer cut
at any point resumes with the next push: bundles merged but not acknowledged are answered
``duplicate``; a receiver that holds fewer answers ``bundle_gap`` with the sequence it awaits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from chokepoint.errors import BundleGapError, BundleRefusedError, ChokepointError, UsageError
from chokepoint.monitor.catalog import catalog
from chokepoint.monitor.reporting import UNIT_LEVELS, report_rates
from chokepoint.network.bundles import (
    POLICIES,
    check_bundle,
    check_public_key,
    fingerprint,
    make_bundle,
    new_private_key,
    public_key_of,
    sign,
    verify,
)
from chokepoint.service import reporting
from chokepoint.store import Store
from chokepoint.store.network import RATE_FIELDS, VALUE_FIELDS

#: reports per bundle: a long backlog becomes many bundles, each merged whole
BATCH = 200
Sender = Callable[[dict[str, Any]], dict[str, Any]]


# ----------------------------------------------------------------- identity and peers
def init_instance(
    store: Store, name: str, unit: str, policy: str = "raw", raw_levels: str = "", country: str = "CHN"
) -> dict[str, Any]:
    """Name this instance and its unit (``CHN`` for the nation, ``CN-ZJ`` for a province), its
    upward policy (``raw`` or ``aggregate``) and the levels that see raw reports; the Ed25519
    key pair is made once and kept (re-running changes the other settings only).
    """
    if policy not in POLICIES:
        raise UsageError(f"policy {policy!r}: one of {', '.join(POLICIES)}")
    store.network.set_settings({"country": country})
    reporting.check_unit(store, unit)
    levels = [v for v in raw_levels.split(",") if v]
    bad = [v for v in levels if v not in UNIT_LEVELS]
    if bad:
        raise UsageError(f"raw levels {', '.join(bad)}: use {', '.join(UNIT_LEVELS)}")
    held = store.network.settings()
    values = {"name": name, "unit": unit, "policy": policy, "raw_levels": ",".join(levels)}
    if "private_key" not in held:
        values["private_key"] = new_private_key()
    store.network.set_settings(values)
    return instance(store)


def instance(store: Store) -> dict[str, Any]:
    """The identity of this instance: name, unit, policy, raw levels, public key and its fingerprint."""
    s = store.network.settings()
    if "private_key" not in s:
        raise UsageError(
            "this instance has no network identity yet: run `chokepoint network init NAME --unit CODE`"
        )
    public = public_key_of(s["private_key"])
    return {
        "name": s["name"],
        "unit": s["unit"],
        "policy": s.get("policy", "raw"),
        "raw_levels": reporting.raw_levels(store),
        "public_key": public,
        "fingerprint": fingerprint(public),
    }


def register_peer(
    store: Store, name: str, role: str, unit: str, public_key: str, url: str = "", by: str = "local"
) -> dict[str, Any]:
    """Register an instance: a ``sender`` below (its bundles are accepted) or the ``receiver``
    above (bundles are prepared for it, its replies verified). Compare the fingerprint with the
    other side's (`chokepoint network show`) before trusting it.
    """
    if role not in ("sender", "receiver"):
        raise UsageError(f"role {role!r}: sender (an instance below) or receiver (the one above)")
    check_public_key(public_key)
    reporting.check_unit(store, unit)
    store.network.add_peer(name, role, unit, public_key, url, by)
    return {"name": name, "role": role, "unit": unit, "fingerprint": fingerprint(public_key), "url": url}


def _receiver(store: Store, name: str | None) -> dict[str, Any]:
    found = [
        p for p in store.network.peers() if p["role"] == "receiver" and (name is None or p["name"] == name)
    ]
    if not found:
        raise UsageError("no receiver registered: `chokepoint network peer add NAME --role receiver ...`")
    return found[0]


# ----------------------------------------------------------------- the sending side
def prepare(store: Store, receiver: str | None = None, batch: int = BATCH) -> dict[str, Any]:
    """Put the approved reports not yet sent into signed bundles for the receiver (at most
    ``batch`` reports each, each bundle read, built and marked in one transaction:
    :meth:`~chokepoint.store.network.NetworkRepository.enqueue`). The last bundle carries this
    instance's reporting rates, open alerts, chokepoints and escalations upward (with nothing
    left to send, a bundle of those alone). Returns the sequences and the records they carry.
    """
    me = instance(store)
    peer = _receiver(store, receiver)
    key = store.network.settings()["private_key"]
    state = _state(store, me["unit"], me["policy"])  # outside the bundles' transactions
    locations = {p: _locations(store, p, me["unit"]) for p in store.projects.names()}
    prepared: list[int] = []
    records = 0
    while True:
        done: dict[str, Any] = {}

        def build(
            sequence: int, reports: pd.DataFrame, values: pd.DataFrame, done: dict[str, Any] = done
        ) -> tuple[dict[str, Any], int]:
            payload: dict[str, Any] = {"values": _values_payload(values, me["policy"], locations)}
            done["last"] = len(reports) < batch
            if done["last"]:
                payload.update(state)
            count = sum(len(v) for v in payload.values() if isinstance(v, list))
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            done["count"] = count
            return make_bundle(
                me["name"], peer["name"], sequence, stamp, me["policy"], me["unit"], payload, key
            ), count

        sequence = store.network.enqueue(peer["name"], batch, build)
        if sequence is not None:
            prepared.append(sequence)
            records += done["count"]
        if done.get("last", True):
            break
    return {"receiver": peer["name"], "bundles": prepared, "records": records}


def _locations(store: Store, project: str, top: str) -> dict[str, str]:
    """Each actor's unit for the bundles: its location, or the instance's top unit."""
    actors = store.chains.load(project).actors
    return {str(a): str(loc or top) for a, loc in zip(actors["id"], actors["location"], strict=True)}


def _values_payload(
    values: pd.DataFrame, policy: str, locations: dict[str, dict[str, str]]
) -> list[dict[str, Any]]:
    """The bundle's values: with policy ``raw`` each pending report's values (the entity: an
    enterprise, or ``node|enterprise`` for a node × enterprise indicator, never summed across
    nodes); with ``aggregate`` every unit's sum and count over all approved reports of the
    periods touched (sent whole: the receiver replaces each period's sums).
    """
    if not len(values):
        return []
    v = values.assign(
        data_set=values["project"] + "/" + values["data_set"],
        unit=[
            locations.get(p, {}).get(e, "")
            for p, e in zip(values["project"], values["enterprise"], strict=True)
        ],
    )
    if policy == "aggregate":
        touched = v.loc[v["pending"], ["data_set", "period"]].drop_duplicates()
        v = v.merge(touched, on=["data_set", "period"])
        out = (
            v.groupby(["data_set", "unit", "period", "indicator"], as_index=False)
            .agg(value=("value", "sum"), count=("entity", "nunique"))
            .assign(enterprise="", revision=0)
        )
    else:
        out = v[v["pending"]].assign(enterprise=v["entity"], count=1)
    out = out.astype({"value": float, "count": int, "revision": int})
    return out[list(VALUE_FIELDS)].to_dict("records")  # type: ignore[return-value]


def _state(store: Store, top: str, policy: str = "raw") -> dict[str, Any]:
    """Rates of every unit holding reporters, open alerts, chokepoints, open escalations upward.

    Under the ``aggregate`` policy no enterprise leaves the instance: alerts go with their unit,
    level and rule only (their messages quote values), escalations with the alert's level and
    rule and the officer's reason.
    """
    rates: list[dict[str, Any]] = []
    alerts: list[dict[str, Any]] = []
    for project in store.projects.names():
        actors = store.chains.load(project).actors.set_index("id")
        for ds in reporting.data_set_objects(store, project):
            members = reporting.members_of(store, project, ds)
            reports = store.reporting.reports(project, ds.name)
            periods = sorted(set(reports["period"]))
            units = units_below(top, members["location"])
            table = report_rates(members, reports, units, periods, ds.deadline_day, datetime.now(UTC))
            table = table[table["expected"] > 0].assign(data_set=f"{project}/{ds.name}")
            rates += table[list(RATE_FIELDS)].astype({c: int for c in RATE_FIELDS[3:]}).to_dict("records")  # type: ignore[arg-type]
        for a in store.alerts.list(project, status="open") + store.alerts.list(
            project, status="acknowledged"
        ):
            actor = str(a["entity"]).split("|")[-1]
            unit = str(actors.at[actor, "location"] or top) if actor in actors.index else top
            hidden = policy == "aggregate" and a["entity_type"] in ("enterprise", "node_enterprise")
            where = unit if "-" in unit else top
            alerts.append(
                {
                    "project": project,
                    "alert_id": int(a["id"]),
                    "unit": where,
                    "level": a["level"],
                    "entity": str(a["entity"]).split("|")[0]
                    if hidden and "|" in str(a["entity"])
                    else ("" if hidden else a["entity"]),
                    "message_en": f"level {a['level']} alert (rule {a['rule_id']}) in {where}"
                    if hidden
                    else a["message_en"],
                    "message_zh": f"{where} {a['level']}级预警（规则 {a['rule_id']}）"
                    if hidden
                    else a["message_zh"],
                }
            )
    upward = [
        e
        for e in store.network.escalations()
        if not e["origin"] and not reporting.contains(top, e["to_unit"])
    ]
    if policy == "aggregate":
        upward = [{**e, "alert": {k: e["alert"].get(k) for k in ("level", "rule_id")}} for e in upward]
    return {"rates": rates, "alerts": alerts, "escalations": upward, "chokepoints": _chokepoints(store)}


def _chokepoints(store: Store) -> list[dict[str, Any]]:
    """The level I and II technologies of every project with a stored perspective, as this
    instance assesses them (its own evidence: reviewed reports, expert scores).
    """
    from chokepoint.service.assessment import assess_project
    from chokepoint.service.perspective import resolve_perspective

    out: list[dict[str, Any]] = []
    for project in store.projects.names():
        if store.projects.get_perspective(project) is None:
            continue
        frame = assess_project(store, project, resolve_perspective(store, project)).frame
        top = frame[frame["level"].isin(["I", "II"])]
        out += [
            {
                "project": project,
                "node": str(r["id"]),
                "name": str(r["name"]),
                "name_zh": str(r["name_zh"] or ""),
                "level": str(r["level"]),
                "score": float(r["score"]),
            }
            for r in top.to_dict("records")
        ]
    return out


def units_below(top: str, locations: pd.Series) -> list[str]:
    """``top`` and every unit between it and each location under it (the location's prefixes:
    ``CN-ZJ-HZ`` and ``CN-ZJ-HZ-P1`` for a park of Hangzhou below ``CN-ZJ``).
    """
    units = {top}
    for loc in (str(x) for x in locations.fillna("") if x):
        if not reporting.contains(top, loc):
            continue
        parts = loc.split("-")
        units.update("-".join(parts[:k]) for k in range(2, len(parts) + 1))
    return sorted(u for u in units if reporting.contains(top, u))


def push(store: Store, send: Sender, receiver: str | None = None) -> dict[str, Any]:
    """Send the unacknowledged bundles for the receiver in order with ``send`` (a callable that
    posts one bundle and returns the receiver's reply, raising on a transport failure).

    A failure stops the push (the rest waits for the next one). A ``bundle_gap`` answer realigns
    on what the receiver holds: bundles it has are acknowledged; bundles it lost (a receiver
    restored from an older backup) are sent again from the one it expects.

    Returns
    -------
    dict
        ``sent`` (merged), ``duplicates``, ``waiting`` and, on failure, ``error``.
    """
    peer = _receiver(store, receiver)
    sent = duplicates = decided = realigned = 0
    error = None
    pending = store.network.outbox(peer["name"])
    i = 0
    while i < len(pending):
        bundle = pending[i]["body"]
        try:
            reply = send(bundle)
        except BundleGapError as gap:
            realigned += 1
            if realigned > 2:  # the receiver keeps answering gaps: stop rather than loop
                error = str(gap)
                break
            if gap.expected > bundle["sequence"]:  # it holds more: those were merged, the acks lost
                store.network.ack(peer["name"], gap.expected - 1)
            else:  # it holds fewer (restored from an older backup): send them again from there
                store.network.unack(peer["name"], gap.expected)
            pending = [b for b in store.network.outbox(peer["name"]) if b["sequence"] >= gap.expected]
            if not pending:  # the receiver holds every bundle
                break
            if pending[0]["sequence"] != gap.expected:
                error = f"{gap}; this instance no longer holds bundle {gap.expected}"
                break
            i = 0
            continue
        except (ChokepointError, OSError) as exc:
            error = str(exc)
            break
        try:
            verify(reply, peer["public_key"])  # the receiver's word, signed by its key
        except BundleRefusedError as exc:
            error = f"the reply to bundle {bundle['sequence']} is not the receiver's: {exc}"
            break
        if reply.get("sequence") != bundle["sequence"]:
            error = f"the receiver acknowledged {reply.get('sequence')}, not {bundle['sequence']}"
            break
        store.network.ack(peer["name"], bundle["sequence"])
        decided += _record_decisions(store, reply.get("decisions") or [])
        if reply.get("outcome") == "duplicate":
            duplicates += 1
        else:
            sent += 1
        i += 1
    waiting = len(store.network.outbox(peer["name"]))
    return {
        "receiver": peer["name"],
        "sent": sent,
        "duplicates": duplicates,
        "decisions": decided,
        "waiting": waiting,
        "error": error,
    }


def _record_decisions(store: Store, decisions: list[dict[str, Any]]) -> int:
    """Record the receiver's decisions on this instance's escalations and tell who raised them."""
    before = {e["id"]: e for e in store.network.escalations() if e["state"] == "open"}
    n = store.network.apply_decisions(decisions)
    new = [d for d in decisions if int(d["id"]) in before]
    store.reporting.notify(
        [
            {
                "user": before[int(d["id"])]["raised_by"],
                "kind": "decision",
                "message_en": f"Decision on your escalation {d['id']} ({before[int(d['id'])]['to_unit']}): "
                f"{d['decision']} (why: {d['why']}; {d['decided_by']}, {d['decided_at']})",
                "message_zh": f"您上报的预警（编号 {d['id']}）已有决定：{d['decision']}（理由：{d['why']}；"
                f"{d['decided_by']}，{d['decided_at']}）",
                "body": d,
            }
            for d in new
        ]
    )
    return n


# ----------------------------------------------------------------- the receiving side
def receive(store: Store, body: Any, via: str = "local") -> dict[str, Any]:
    """Check and merge one bundle; the reply (signed by this instance) the sender acknowledges.

    Every refusal is written to the audit log (who sent it, its sequence, why) before it is
    raised: an unknown sender, a bad signature, another receiver, a digest mismatch.

    Raises
    ------
    BundleRefusedError
        When the bundle may not be merged (nothing is).
    BundleGapError
        When it is not the next of its sender.
    """
    me = instance(store)
    sender = body.get("sender") if isinstance(body, dict) else None
    sequence = body.get("sequence") if isinstance(body, dict) else None
    try:
        header = check_bundle(body, me["name"])
        peer = store.network.peer(header["sender"])
        if peer is None or peer["role"] != "sender":
            raise BundleRefusedError(f"{header['sender']!r} is not a registered instance: refused")
        verify(body, peer["public_key"])
        if not reporting.contains(peer["unit"], header["unit"]):
            raise BundleRefusedError(
                f"{header['sender']!r} is registered for {peer['unit']}, not {header['unit']}"
            )
        done = store.network.merge(header, body["payload"])
    except (BundleRefusedError, BundleGapError) as exc:
        store.audit.record(
            via,
            "RECEIVE",
            "network/bundle",
            exc.http_status,
            "bundle refused",
            None,
            {"sender": sender, "sequence": sequence, "reason": str(exc)},
        )
        raise
    ids = [int(e["id"]) for e in body["payload"].get("escalations") or []]
    reply = {
        "receiver": me["name"],
        "sender": header["sender"],
        "sequence": header["sequence"],
        "outcome": done["outcome"],
        "records": done["records"],
        "decisions": store.network.decisions_for(header["sender"], ids),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return sign(reply, store.network.settings()["private_key"])


def exchange_status(store: Store, user: str | None = None) -> dict[str, Any]:
    """The network status: this instance, its peers (fingerprints), each sender's last exchange,
    the outbox.
    """
    senders = visible_senders(store, user)
    peers = [
        {**p, "fingerprint": fingerprint(p["public_key"])}
        for p in store.network.peers()
        if senders is None or p["role"] == "receiver" or p["name"] in senders
    ]
    inbox = {r["sender"]: r for r in store.network.inbox_status()}
    for p in peers:
        p.pop("public_key")
        if p["role"] == "sender":
            got = inbox.get(p["name"], {})
            p.update(
                bundles=got.get("bundles", 0),
                last_sequence=got.get("last_sequence"),
                last_exchange_at=got.get("last_exchange_at"),
                records=got.get("records", 0),
            )
    return {"instance": instance(store), "peers": peers, "outbox": store.network.outbox_status()}


# ----------------------------------------------------------------- the merged view
def visible_senders(store: Store, user: str | None) -> set[str] | None:
    """The senders whose data ``user`` sees: those registered for a unit in the user's subtree
    (``None``: every one; local access, admins, users without a unit or at the national level).
    """
    unit = None if user is None else reporting.user_unit(store, user)
    if unit is None or "-" not in unit:
        return None
    return {
        p["name"]
        for p in store.network.peers()
        if p["role"] == "sender" and reporting.contains(unit, p["unit"])
    }


def _scoped(frame: pd.DataFrame, senders: set[str] | None) -> pd.DataFrame:
    return frame if senders is None else frame[frame["sender"].isin(senders)]


def conflicts(store: Store, user: str | None = None) -> list[dict[str, Any]]:
    """The same enterprise's value sent by two or more regions: each sender's value, never one
    overwriting the other (both stay stored; totals leave them out until settled). Raw values:
    a user in a unit sees the conflicts of senders in its subtree, and none when its level does
    not see raw reports.
    """
    if user is not None and not reporting.sees_raw_reports(store, user):
        return []
    v = _scoped(store.network.values(), visible_senders(store, user))
    raw = v[v["enterprise"] != ""]
    if not len(raw):
        return []
    key = ["data_set", "enterprise", "period", "indicator"]
    n = raw.groupby(key)["sender"].transform("nunique")
    both = raw[n > 1].sort_values([*key, "sender"])
    out = []
    for k, g in both.groupby(key, sort=True):
        out.append(
            {
                **dict(zip(key, k, strict=True)),
                "senders": [
                    {"sender": s, "unit": u, "value": float(x)}
                    for s, u, x in zip(g["sender"], g["unit"], g["value"], strict=True)
                ],
            }
        )
    return out


#: catalogue units whose values do not add up across enterprises: their mean is the measure
MEAN_UNITS = frozenset({"fraction", "days", "months", "percent", "ratio"})


def totals(
    store: Store, data_set: str | None = None, by: str = "region", user: str | None = None
) -> list[dict[str, Any]]:
    """The reviewed values received, per data set, period and indicator, by region (sender) and
    for the nation.

    Each row has ``sum`` (the values added), ``enterprises`` (how many values it covers),
    ``mean`` (``sum / enterprises``), ``measure`` (which of the two describes the indicator:
    the mean for rates and durations, such as capacity utilisation or order backlog in months;
    the sum for amounts), the indicator's names and unit, and ``conflicted`` (enterprises left
    out because two regions sent them; a group wholly in conflict has no sum). A user in a unit
    below the nation sees its subtree's senders, and no national row.
    """
    senders = visible_senders(store, user)
    v = _scoped(store.network.values(), senders)
    if senders is not None:
        by = "region_only"
    if data_set:
        v = v[v["data_set"] == data_set]
    if not len(v):
        return []
    key = ["data_set", "enterprise", "period", "indicator"]
    raw = v["enterprise"] != ""
    n = v[raw].groupby(key)["sender"].transform("nunique")
    conflicted = pd.Series(False, index=v.index)
    conflicted.loc[n.index] = n > 1
    clean = v[~conflicted]
    groups = ["data_set", "period", "indicator"]
    regional = clean.groupby(["sender", *groups], as_index=False).agg(
        sum=("value", "sum"), enterprises=("count", "sum")
    )
    every = v[groups].drop_duplicates().set_index(groups).index  # a group all in conflict stays
    national = clean.groupby(groups).agg(sum=("value", "sum"), enterprises=("count", "sum")).reindex(every)
    national["enterprises"] = national["enterprises"].fillna(0).astype(int)  # sum NaN: none known
    national["conflicted"] = v[conflicted].groupby(groups)["enterprise"].nunique().reindex(every).fillna(0)
    national = national.reset_index().assign(sender="")
    regional["conflicted"] = 0
    table = {"region": pd.concat([regional, national], ignore_index=True), "region_only": regional}.get(
        by, national
    )
    table["conflicted"] = table["conflicted"].astype(int)
    table["mean"] = table["sum"] / table["enterprises"].where(table["enterprises"] > 0)
    cat = catalog()
    table["unit"] = [cat[i].unit if i in cat else "" for i in table["indicator"]]
    table["indicator_name"] = [cat[i].name_en if i in cat else i for i in table["indicator"]]
    table["indicator_name_zh"] = [cat[i].name_zh if i in cat else i for i in table["indicator"]]
    table["measure"] = ["mean" if u in MEAN_UNITS else "sum" for u in table["unit"]]
    table = table.rename(columns={"sender": "region"})
    table["region"] = table["region"].replace("", "national")
    return [
        reporting.plain_row(r)
        for r in table.sort_values(["data_set", "period", "indicator", "region"]).to_dict("records")
    ]


def network_rates(store: Store, user: str | None = None) -> list[dict[str, Any]]:
    """Each region's reporting rates at its top unit, per data set and period, and the nation's
    (sums of submitted, on time and expected over the regions; for a user below the nation, only
    its subtree's regions and no national row).
    """
    senders = visible_senders(store, user)
    r = _scoped(store.network.rates(), senders)
    if not len(r):
        return []
    peers = {p["name"]: p["unit"] for p in store.network.peers()}
    top = r[[u == peers.get(s) for s, u in zip(r["sender"], r["unit"], strict=True)]]
    cols = ["expected", "submitted", "on_time", "approved"]
    national = top.groupby(["data_set", "period"], as_index=False)[cols].sum()
    national.insert(0, "sender", "national")
    national.insert(2, "unit", instance(store)["unit"])
    table = pd.concat([top, national], ignore_index=True) if senders is None else top.copy()
    table["completeness"] = table["submitted"] / table["expected"]
    table["timeliness"] = table["on_time"] / table["expected"]
    table = table.rename(columns={"sender": "region"})
    return [
        reporting.plain_row(x) for x in table.sort_values(["data_set", "period", "region"]).to_dict("records")
    ]


def network_chokepoints(store: Store, user: str | None = None) -> list[dict[str, Any]]:
    """The chokepoints the regions find, aggregated: per project and technology, how many
    regions rate it level I or II, the most severe level, and each region's level and score.
    """
    c = _scoped(store.network.chokepoints(), visible_senders(store, user))
    if not len(c):
        return []
    out = []
    for (project, node), g in c.groupby(["project", "node"], sort=True):
        g = g.sort_values(["level", "score"], ascending=[True, False])
        out.append(
            {
                "project": project,
                "node": node,
                "name": str(g["name"].iloc[0]),
                "name_zh": str(g["name_zh"].iloc[0]),
                "regions": int(g["sender"].nunique()),
                "level": str(g["level"].min()),
                "by_region": [
                    {"region": s, "level": lv, "score": float(x)}
                    for s, lv, x in zip(g["sender"], g["level"], g["score"], strict=True)
                ],
            }
        )
    return sorted(out, key=lambda r: (r["level"], -r["regions"], r["project"], r["node"]))


def network_alerts(store: Store, user: str | None = None) -> list[dict[str, Any]]:
    """Open alerts of each region by level (red, orange, yellow, blue), as of its last bundle
    (a user below the nation: its subtree's regions).
    """
    a = _scoped(store.network.alerts(), visible_senders(store, user))
    if not len(a):
        return []
    counts = a.groupby(["sender", "level"]).size().unstack(fill_value=0)
    levels = [lv for lv in ("red", "orange", "yellow", "blue") if lv in counts.columns]
    by_region = counts.to_dict("index")
    return [
        {"region": s, **{lv: int(n[lv]) for lv in levels}, "total": int(sum(n.values()))}
        for s, n in by_region.items()
    ]
