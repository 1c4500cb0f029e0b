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
from chokepoint.monitor.reporting import UNIT_LEVELS, report_rates, unit_level
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
    ``batch`` reports each); the last bundle also carries this instance's reporting rates, open
    alerts and escalations upward. Returns the sequences prepared and the records they carry.
    """
    me = instance(store)
    peer = _receiver(store, receiver)
    key = store.network.settings()["private_key"]
    prepared: list[int] = []
    records = 0
    while True:
        pending = store.network.pending_reports(batch)
        values = _values_of(store, pending, me["policy"], me["unit"])
        last = len(pending) < batch
        payload: dict[str, Any] = {"values": values}
        if last:
            payload.update(_state(store, me["unit"]))
        if not len(pending) and prepared:
            break
        stamp = datetime.now(UTC).isoformat(timespec="seconds")

        def build(sequence: int, payload: dict[str, Any] = payload, stamp: str = stamp) -> dict[str, Any]:
            return make_bundle(
                me["name"], peer["name"], sequence, stamp, me["policy"], me["unit"], payload, key
            )

        count = len(values) + len(payload.get("rates", [])) + len(payload.get("escalations", []))
        prepared.append(store.network.enqueue(peer["name"], build, pending, count))
        records += count
        if last:
            break
    return {"receiver": peer["name"], "bundles": prepared, "records": records}


def _values_of(store: Store, pending: pd.DataFrame, policy: str, top: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for (project, data_set), group in pending.groupby(["project", "data_set"], sort=True):
        actors = store.chains.load(str(project)).actors.set_index("id")
        enterprises = sorted(set(group["enterprise"]))
        periods = sorted(set(group["period"]))
        if policy == "aggregate":  # the whole of each touched unit and period, sent again
            locs = {
                e: str(actors.at[e, "location"] or top) if e in actors.index else top for e in enterprises
            }
            units = sorted(set(locs.values()))
            reports = store.reporting.reports(str(project), str(data_set), periods)
            reports = reports[reports["state"] == "approved"]
            members = [
                str(a)
                for a in reports["enterprise"]
                if (str(actors.at[a, "location"] or top) if a in actors.index else top) in units
            ]
            enterprises = sorted(set(members))
            locs = {
                e: str(actors.at[e, "location"] or top) if e in actors.index else top for e in enterprises
            }
            approved = set(zip(reports["enterprise"], reports["period"], strict=True))
        else:
            locs = {
                e: str(actors.at[e, "location"] or top) if e in actors.index else top for e in enterprises
            }
            approved = set(zip(group["enterprise"], group["period"], strict=True))
        vals = store.network.report_values(str(project), str(data_set), enterprises, periods)
        vals = vals[[(e, p) in approved for e, p in zip(vals["enterprise"], vals["period"], strict=True)]]
        revision = {
            (e, p): int(r)
            for e, p, r in zip(group["enterprise"], group["period"], group["revision"], strict=True)
        }
        key = f"{project}/{data_set}"
        if policy == "aggregate":
            vals = vals.assign(unit=vals["enterprise"].map(locs))
            sums = vals.groupby(["unit", "period", "indicator"], as_index=False).agg(
                value=("value", "sum"), count=("enterprise", "nunique")
            )
            out = sums.assign(data_set=key, enterprise="", revision=0)
        else:
            marks = pd.MultiIndex.from_frame(vals[["enterprise", "period"]])
            out = vals.assign(
                data_set=key,
                unit=vals["enterprise"].map(locs),
                count=1,
                revision=[revision.get(k, 0) for k in marks],
            )
        out = out.astype({"value": float, "count": int, "revision": int})
        rows += out[list(VALUE_FIELDS)].to_dict("records")  # type: ignore[arg-type]
    return rows


def _state(store: Store, top: str) -> dict[str, Any]:
    """Rates of every unit holding reporters, open alerts, open escalations upward."""
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
            alerts.append(
                {
                    "project": project,
                    "alert_id": int(a["id"]),
                    "unit": unit if "-" in unit else top,
                    "level": a["level"],
                    "entity": a["entity"],
                    "message_en": a["message_en"],
                    "message_zh": a["message_zh"],
                }
            )
    upward = [
        e
        for e in store.network.escalations()
        if not e["origin"] and not reporting.contains(top, e["to_unit"])
    ]
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

    A failure stops the push (the rest waits for the next one); a ``bundle_gap`` answer moves
    the acknowledgement to what the receiver holds and resends from there.

    Returns
    -------
    dict
        ``sent`` (merged), ``duplicates``, ``waiting`` and, on failure, ``error``.
    """
    peer = _receiver(store, receiver)
    sent = duplicates = decided = 0
    error = None
    pending = store.network.outbox(peer["name"])
    i = 0
    while i < len(pending):
        bundle = pending[i]["body"]
        try:
            reply = send(bundle)
        except BundleGapError as gap:
            if gap.expected <= bundle["sequence"]:
                store.network.ack(peer["name"], gap.expected - 1)
                pending = store.network.outbox(peer["name"])
                i = 0
                continue
            error = str(gap)
            break
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


def _sees_raw(store: Store, user: str) -> bool:
    unit = reporting.user_unit(store, user)
    return unit is None or unit_level(unit, reporting.region_levels(store)) in reporting.raw_levels(store)


def exchange_status(store: Store) -> dict[str, Any]:
    """The network status: this instance, its peers (fingerprints), each sender's last exchange,
    the outbox.
    """
    peers = [{**p, "fingerprint": fingerprint(p["public_key"])} for p in store.network.peers()]
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
    if user is not None and not _sees_raw(store, user):
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
