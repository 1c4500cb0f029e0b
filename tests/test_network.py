"""The reporting network (issue 27): two instances on loopback, completeness and timeliness by
hand, review before use, the exchange's failure handling, conflicts and escalations.

The enterprises and values are ILLUSTRATIVE (``tests/network_fixture.py``).
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chokepoint.errors import (
    AccessDeniedError,
    BundleGapError,
    BundleRefusedError,
    ConflictError,
    UsageError,
)
from chokepoint.io.exchange_http import http_sender
from chokepoint.monitor.reporting import deadline_of
from chokepoint.network.bundles import canonical, check_bundle, make_bundle, new_private_key, verify
from chokepoint.service import escalations, exchange, reporting
from chokepoint.service.monitoring import submit_observations
from chokepoint.store import Store
from live import serve
from network_fixture import DATA_SET, INDICATORS, MONTHS, PROVINCES, enterprises, province_store, values

NAMES = {"CN-ZJ": "zhejiang", "CN-JS": "jiangsu", "CN-GD": "guangdong"}


def _submit(store: Store, frame: pd.DataFrame, user: str, at: datetime | None = None) -> dict[str, int]:
    rows = frame[["indicator", "enterprise", "period", "value"]]
    return submit_observations(store, "semi", rows, user, as_of="2026-12", at=at)


def _submit_on_time(store: Store, frame: pd.DataFrame, user: str, late: set[str] = frozenset()) -> None:
    """Submit each month's values two days before its deadline (``late`` enterprises three
    days after it).
    """
    for month in MONTHS:
        due = deadline_of(month, DATA_SET["deadline_day"])
        part = frame[frame["period"] == month]
        on_time = part[~part["enterprise"].isin(late)]
        _submit(store, on_time, user, due - timedelta(days=2))
        if late:
            _submit(store, part[part["enterprise"].isin(late)], user, due + timedelta(days=3))


@pytest.fixture
def network(tmp_path_factory):
    """Three provincial instances of 20 enterprises x 12 months, reviewed (two reports of each
    returned), and a national instance, registered with each other.
    """
    tmp = tmp_path_factory.mktemp("network")
    nation = Store(tmp / "national.db")
    exchange.init_instance(nation, "national", "CHN")
    nation.users.add("link", "officer", "link-password")
    token = nation.tokens.create("link", "bearer", timedelta(days=1))
    provinces = {}
    for code in PROVINCES:
        store, ids = province_store(tmp / f"{code}.db", code, tmp / code)
        store.users.add("clerk", "officer", "clerk-password")
        store.users.add("reviewer", "officer", "reviewer-pw")
        reporting.set_unit(store, "reviewer", code)
        reporting.put_data_set(store, "semi", {**DATA_SET, "enterprises": ids}, "admin")
        _submit_on_time(store, values(ids, seed=PROVINCES.index(code)), "clerk", late={ids[0], ids[7]})
        queue = reporting.review_queue(store, "semi", "reviewer")
        assert len(queue) == 240
        returned = [(q["enterprise"], q["period"], q["revision"]) for q in queue[:2]]
        reporting.review(store, "semi", "monthly", returned, "return", "reviewer", "请核实产能利用率")
        rest = [(q["enterprise"], q["period"], q["revision"]) for q in queue[2:]]
        reporting.review(store, "semi", "monthly", rest, "approve", "reviewer")
        me = exchange.init_instance(store, NAMES[code], code)
        exchange.register_peer(nation, NAMES[code], "sender", code, me["public_key"])
        exchange.register_peer(
            store, "national", "receiver", "CHN", exchange.instance(nation)["public_key"], "http://loopback"
        )
        provinces[code] = store
    yield nation, provinces, token
    for s in [nation, *provinces.values()]:
        s.close()


def _reviewed_totals(provinces: dict[str, Store]) -> pd.DataFrame:
    """The sum over the provinces of their approved values, straight from their stores."""
    parts = []
    for store in provinces.values():
        reports = store.reporting.reports("semi", "monthly")
        ok = reports[reports["state"] == "approved"][["enterprise", "period"]]
        v = store.observations.values("semi")
        v = v[v["indicator"].isin(INDICATORS)].rename(columns={"entity": "enterprise"})
        parts.append(v.merge(ok, on=["enterprise", "period"]))
    both = pd.concat(parts)
    return both.groupby(["period", "indicator"])["value"].agg(["sum", "count"])


def test_two_instances_on_loopback_exchange_reviewed_data_resuming_without_duplicates_or_gaps(network):
    nation, provinces, token = network
    zj = provinces["CN-ZJ"]
    with serve(nation) as port:
        url = f"http://127.0.0.1:{port}"
        for store in provinces.values():
            prepared = exchange.prepare(store, batch=50)
            assert len(prepared["bundles"]) == 5  # 238 approved reports, 50 a bundle
        # the Zhejiang transfer dies after the receiver merged bundle 3 but before its answer came
        real = http_sender(url, token)
        calls = {"n": 0}

        def dies_after_three(bundle):
            calls["n"] += 1
            reply = real(bundle)
            if calls["n"] == 3:
                raise OSError("connection reset by peer")
            return reply

        cut = exchange.push(zj, dies_after_three)
        assert (cut["sent"], cut["waiting"]) == (2, 3)
        assert "connection reset" in cut["error"]
        assert _inbox(nation, "zhejiang") == [1, 2, 3]  # bundle 3 landed whole
        resumed = exchange.push(zj, real)
        assert (resumed["sent"], resumed["duplicates"], resumed["waiting"], resumed["error"]) == (
            2,
            1,
            0,
            None,
        )
        for code in ("CN-JS", "CN-GD"):
            assert exchange.push(provinces[code], real)["sent"] == 5
        # a bundle from before a gap is told which one to send
        gap = _signed(zj, sequence=9, receiver="national")
        with pytest.raises(BundleGapError) as err:
            real(gap)
        assert err.value.expected == 6
        with pytest.raises(BundleRefusedError, match="does not match its registered key"):
            real(_tampered(zj))
        rogue = make_bundle("rogue", "national", 1, "2026-12-01T00:00:00+00:00", "raw", "CN-ZJ",
                            {"values": []}, new_private_key())  # fmt: skip
        with pytest.raises(BundleRefusedError, match="not a registered instance"):
            real(rogue)
        anonymous = httpx.post(f"{url}/api/network/bundles", json=rogue)
        assert anonymous.status_code == 401  # no token: not even looked at
    for name in NAMES.values():
        assert _inbox(nation, name) == [1, 2, 3, 4, 5]  # no gap, no duplicate
    merged = nation.network.values()
    assert len(merged) == 3 * 238 * 2  # every approved report's two values, once
    assert not merged.duplicated(["sender", "data_set", "enterprise", "period", "indicator"]).any()
    expected = _reviewed_totals(provinces)
    national = pd.DataFrame([t for t in exchange.totals(nation) if t["region"] == "national"])
    got = national.set_index(["period", "indicator"]).sort_index()
    np.testing.assert_allclose(got["sum"], expected["sum"], rtol=1e-12)  # exact sums, float order
    assert (got["enterprises"] == expected["count"]).all()
    assert (
        got.loc[("2025-01", "capacity_utilisation"), "enterprises"] == 54
    )  # 60 less 2 returned in each province
    refusals = [e for e in nation.audit.entries(50) if e["action"] == "bundle refused"]
    reasons = " ".join(str(e["after"]) for e in refusals)
    assert "does not match its registered key" in reasons
    assert "'rogue' is not a registered instance" in reasons
    status = {p["name"]: p for p in exchange.exchange_status(nation)["peers"]}
    assert status["zhejiang"]["last_sequence"] == 5
    assert status["zhejiang"]["last_exchange_at"]


def _exchanged(network):
    """Every province's approved reports prepared and pushed in process (no sockets)."""
    nation, provinces, _ = network
    for store in provinces.values():
        exchange.prepare(store, batch=50)
        assert exchange.push(store, lambda b: exchange.receive(nation, b))["waiting"] == 0
    return nation, provinces


def test_the_nation_sees_each_regions_rates_and_the_sum(network):
    nation, _ = _exchanged(network)
    rows = [r for r in exchange.network_rates(nation) if r["period"] == "2025-03"]
    by = {r["region"]: r for r in rows}
    assert set(by) == {"zhejiang", "jiangsu", "guangdong", "national"}
    for name in NAMES.values():
        assert (by[name]["expected"], by[name]["on_time"]) == (20, 18)  # two submit late every month
    assert by["national"]["expected"] == 60
    assert by["national"]["timeliness"] == pytest.approx(54 / 60)


def test_a_replayed_bundle_merges_nothing_and_a_reused_sequence_is_refused(network):
    nation, provinces = _exchanged(network)
    zj = provinces["CN-ZJ"]
    first = zj.network.outbox("national", unacked=False)[0]["body"]
    before = len(nation.network.values())
    assert exchange.receive(nation, first)["outcome"] == "duplicate"
    assert len(nation.network.values()) == before
    other = _signed(zj, sequence=1, receiver="national", payload={"values": []})
    with pytest.raises(BundleRefusedError, match="already sent a different bundle 1"):
        exchange.receive(nation, other)


def _inbox(store: Store, sender: str) -> list[int]:
    from sqlalchemy import select

    from chokepoint.store.schema import inbox

    with store.database.connect() as conn:
        rows = conn.execute(
            select(inbox.c.sequence).where(inbox.c.sender == sender).order_by(inbox.c.sequence)
        )
        return [int(r[0]) for r in rows]


def _signed(store: Store, sequence: int, receiver: str, payload: dict | None = None) -> dict:
    me = exchange.instance(store)
    key = store.network.settings()["private_key"]
    return make_bundle(me["name"], receiver, sequence, "2026-12-01T00:00:00+00:00", "raw", me["unit"],
                       payload if payload is not None else {"values": []}, key)  # fmt: skip


def _tampered(store: Store) -> dict:
    body = copy.deepcopy(store.network.outbox("national", unacked=False)[0]["body"])
    body["payload"]["values"][0]["value"] += 1.0  # a changed number...
    from chokepoint.network.bundles import digest

    body["digest"] = digest(body["payload"])  # ...with a digest to match: only the signature tells
    return body


# ------------------------------------------------------------------ rates by hand
@pytest.fixture
def small(tmp_path):
    """Zhejiang with four enterprises (E01, E03 in Hangzhou; E02, E04 in Ningbo), one month."""
    store, ids = province_store(tmp_path / "zj.db", "CN-ZJ", tmp_path)
    ids = ids[:4]
    store.users.add("clerk", "officer", "clerk-password")
    store.users.add("reviewer", "officer", "reviewer-pw")
    store.users.add("hz", "officer", "hz-officer-pw")
    store.users.add("js", "officer", "js-officer-pw")
    store.users.add("firm", "reporter", "firm-password")
    store.users.bind("firm", "semi", "EZJ01")
    reporting.set_unit(store, "reviewer", "CN-ZJ")
    reporting.set_unit(store, "hz", "CN-ZJ-HZ")
    reporting.set_unit(store, "js", "CN-JS")
    reporting.put_data_set(store, "semi", {**DATA_SET, "enterprises": ids}, "admin")
    yield store, ids
    store.close()


def _rows(ids: list[str], indicators=INDICATORS, period="2025-03", value=0.8) -> pd.DataFrame:
    return pd.DataFrame(
        [{"indicator": i, "enterprise": e, "period": period, "value": value} for e in ids for i in indicators]
    )


def test_completeness_and_timeliness_reproduce_a_hand_computed_table(small):
    store, (e1, e2, e3, e4) = small
    due = deadline_of("2025-03", 10)
    assert due == datetime(2025, 4, 10, 16, tzinfo=UTC)  # the 10th of April ends at 16:00 UTC
    _submit(store, _rows([e1]), "clerk", due - timedelta(days=5))  # on time
    _submit(store, _rows([e2]), "clerk", due + timedelta(hours=1))  # an hour late
    _submit(store, _rows([e3], indicators=INDICATORS[:1]), "clerk", due - timedelta(days=9))  # half a report
    # e4 reports nothing
    now = due + timedelta(days=1)
    table = {
        r["unit"]: r
        for r in reporting.rates(store, "semi", "monthly", "reviewer", periods=["2025-03"], now=now)
    }
    # by hand: Zhejiang expects 4; submitted e1, e2 (e3 partial); on time e1 alone
    assert {k: table["CN-ZJ"][k] for k in ("expected", "submitted", "on_time", "late")} == {
        "expected": 4, "submitted": 2, "on_time": 1, "late": 2,
    }  # fmt: skip
    assert (table["CN-ZJ"]["completeness"], table["CN-ZJ"]["timeliness"]) == (0.5, 0.25)
    assert (table["CN-ZJ-HZ"]["completeness"], table["CN-ZJ-HZ"]["timeliness"]) == (0.5, 0.5)  # e1 / e1, e3
    assert (table["CN-ZJ-NB"]["completeness"], table["CN-ZJ-NB"]["timeliness"]) == (0.5, 0.0)  # e2 / e2, e4
    assert [r["enterprise"] for r in reporting.late_reporters(store, "semi", "monthly", "2025-03", "reviewer",
                                                              now)] == [e3, e4]  # fmt: skip
    # returned: no longer submitted until it is sent again
    reporting.review(store, "semi", "monthly", [(e1, "2025-03", 1)], "return", "reviewer", "数值有误，请核实")
    after = {r["unit"]: r for r in reporting.rates(store, "semi", "monthly", "reviewer", now=now)}
    assert (after["CN-ZJ"]["submitted"], after["CN-ZJ"]["on_time"], after["CN-ZJ"]["returned"]) == (1, 0, 1)
    # the Hangzhou officer sees Hangzhou only; another province's officer not Zhejiang at all
    hz = reporting.rates(store, "semi", "monthly", "hz", now=now)
    assert [r["unit"] for r in hz] == ["CN-ZJ-HZ"]
    with pytest.raises(AccessDeniedError, match="outside your unit"):
        reporting.rates(store, "semi", "monthly", "js", unit="CN-ZJ", now=now)


def test_a_returned_report_shows_its_comment_and_counts_only_once_sent_again_and_approved(small):
    store, (e1, *_) = small
    _submit(store, _rows([e1], value=0.8), "firm")
    held = reporting.counted_values(store, "semi")
    assert e1 not in set(held["entity"])  # submitted, not reviewed: it does not count
    reporting.review(
        store, "semi", "monthly", [(e1, "2025-03", 1)], "return", "reviewer", "产能利用率偏高，请核实"
    )
    mine = {(r["enterprise"], r["period"]): r for r in reporting.my_reports(store, "semi", "firm")}
    report = mine[(e1, "2025-03")]
    assert (report["state"], report["comment"]) == ("returned", "产能利用率偏高，请核实")
    assert [s["action"] for s in report["steps"]] == ["submit", "return"]
    note = store.reporting.notifications("firm")[0]
    assert note["kind"] == "return"
    assert "产能利用率偏高，请核实" in note["message_zh"]
    assert "was returned for correction" in note["message_en"]
    with pytest.raises(ConflictError, match="it cannot be approved"):
        reporting.review(store, "semi", "monthly", [(e1, "2025-03", 1)], "approve", "reviewer")
    _submit(store, _rows([e1], value=0.75), "firm")  # corrected
    report = {(r["enterprise"], r["period"]): r for r in reporting.my_reports(store, "semi", "firm")}[
        (e1, "2025-03")
    ]
    assert (report["state"], report["revision"]) == ("submitted", 2)
    assert e1 not in set(reporting.counted_values(store, "semi")["entity"])
    with pytest.raises(ConflictError, match="revision 2, not 1"):
        reporting.review(store, "semi", "monthly", [(e1, "2025-03", 1)], "approve", "reviewer")
    reporting.review(store, "semi", "monthly", [(e1, "2025-03", 2)], "approve", "reviewer")
    counted = reporting.counted_values(store, "semi")
    assert counted.loc[counted["entity"] == e1, "value"].tolist() == [0.75, 0.75]
    # a revision after approval reopens review
    _submit(store, _rows([e1], value=0.7), "firm")
    assert e1 not in set(reporting.counted_values(store, "semi")["entity"])
    entities, matrix, months = reporting.counted_series(store, "semi", "capacity_utilisation", "2025-03")
    assert np.isnan(matrix[list(entities).index(e1), months.index("2025-03")])  # rules do not see it


def test_review_follows_unit_and_level_and_a_query_needs_a_comment(small):
    store, (e1, e2, e3, _) = small
    _submit(store, _rows([e1, e2]), "clerk")
    with pytest.raises(AccessDeniedError, match="reviewed at province level; your unit is a city"):
        reporting.review(store, "semi", "monthly", [(e1, "2025-03", None)], "approve", "hz")
    with pytest.raises(AccessDeniedError):
        reporting.review(store, "semi", "monthly", [(e1, "2025-03", None)], "approve", "js")
    with pytest.raises(AccessDeniedError, match="may not review"):
        reporting.review(store, "semi", "monthly", [(e1, "2025-03", None)], "approve", "firm")
    with pytest.raises(UsageError, match="needs a comment"):
        reporting.review(store, "semi", "monthly", [(e1, "2025-03", None)], "query", "reviewer")
    assert [q["enterprise"] for q in reporting.review_queue(store, "semi", "reviewer")] == [e1, e2]
    assert reporting.review_queue(store, "semi", "js") == []
    # all or none: one report not there refuses the batch
    with pytest.raises(Exception, match="no report of"):
        reporting.review(store, "semi", "monthly", [(e1, "2025-03", None), (e3, "2025-03", None)], "approve",
                         "reviewer")  # fmt: skip
    assert {r["state"] for r in reporting.my_reports(store, "semi", "reviewer")} == {"submitted"}
    steps = store.reporting.steps("semi", "monthly", e1, "2025-03")
    assert [s["action"] for s in steps] == ["submit"]


def test_reminders_reach_bound_reporters_in_the_app_and_the_operators_hook(small, tmp_path, monkeypatch):
    store, (_e1, *_) = small
    log = tmp_path / "hook.log"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ncat >> {log}\necho >> {log}\n")
    hook.chmod(0o755)
    monkeypatch.setenv(reporting.HOOK_ENV, str(hook))
    done = reporting.remind(store, "semi", "monthly", "2025-03", "reviewer")
    assert done["reminded"] == ["firm"]
    assert len(done["late"]) == 4
    assert done["hook"] == {"status": "ran", "sent": 1, "failed": []}
    assert "示例ZJ企业01" in log.read_text()
    note = store.reporting.notifications("firm", unread=True)[0]
    assert "请尽快报送" in note["message_zh"]
    assert store.reporting.mark_read("firm") == 1
    monkeypatch.setenv(reporting.HOOK_ENV, str(tmp_path / "missing"))
    failed = reporting.remind(store, "semi", "monthly", "2025-03", "reviewer")["hook"]
    assert failed["sent"] == 0
    assert len(failed["failed"]) == 1  # reported, not raised: the in-app reminder stands


# ------------------------------------------------------------------ visibility
def test_officers_read_raw_reports_of_their_subtree_only_and_above_the_raw_levels_aggregates(small):
    from chokepoint.service.monitoring import read_observations

    store, (e1, e2, e3, e4) = small
    _submit(store, _rows([e1, e2, e3, e4]), "clerk")
    seen = {
        u: set(read_observations(store, "semi", u)["entity"])
        for u in ("reviewer", "hz", "js", "firm", "clerk")
    }
    assert seen == {
        "reviewer": {e1, e2, e3, e4}, "hz": {e1, e3}, "js": set(), "firm": {e1}, "clerk": {e1, e2, e3, e4},
    }  # fmt: skip
    exchange.init_instance(store, "zhejiang", "CN-ZJ", raw_levels="city,park")
    assert read_observations(store, "semi", "reviewer").empty  # a province sees aggregates only
    assert set(read_observations(store, "semi", "hz")["entity"]) == {e1, e3}
    rates = reporting.rates(store, "semi", "monthly", "reviewer")
    assert rates[0]["submitted"] == 4  # the aggregate stands
    assert reporting.review_queue(store, "semi", "reviewer") == []  # it cannot review what it cannot see
    with pytest.raises(AccessDeniedError, match="sees aggregates only"):
        reporting.review(store, "semi", "monthly", [(e1, "2025-03", None)], "approve", "reviewer")


# ------------------------------------------------------------------ conflicts and escalations
def test_an_enterprise_two_regions_send_is_a_conflict_never_an_overwrite(tmp_path):
    nation = Store(tmp_path / "n.db")
    exchange.init_instance(nation, "national", "CHN")
    keys = {}
    for name, unit in (("zhejiang", "CN-ZJ"), ("jiangsu", "CN-JS")):
        keys[name] = new_private_key()
        from chokepoint.network.bundles import public_key_of

        exchange.register_peer(nation, name, "sender", unit, public_key_of(keys[name]))
    row = {"data_set": "semi/monthly", "enterprise": "EZJ01", "period": "2025-01", "indicator": "capacity_utilisation",
           "count": 1, "revision": 1}  # fmt: skip
    other = {**row, "enterprise": "EZJ02"}
    for name, unit, value in (("zhejiang", "CN-ZJ-HZ", 0.8), ("jiangsu", "CN-JS-SZ", 0.6)):
        payload = {"values": [{**row, "unit": unit, "value": value}, {**other, "unit": unit, "value": 0.5}]}
        body = make_bundle(
            name, "national", 1, "2026-12-01T00:00:00+00:00", "raw", unit[:5], payload, keys[name]
        )
        exchange.receive(nation, body)
    (found,) = [c for c in exchange.conflicts(nation) if c["enterprise"] == "EZJ01"]
    assert [(s["sender"], s["value"]) for s in found["senders"]] == [("jiangsu", 0.6), ("zhejiang", 0.8)]
    national = next(t for t in exchange.totals(nation) if t["region"] == "national")
    assert (national["enterprises"], national["conflicted"]) == (0, 2)  # both left out, both named
    # a Jiangsu officer at the nation sees Jiangsu's sums and raw values, not Zhejiang's, no national row
    nation.users.add("js", "officer", "js-officer-pw")
    reporting.set_unit(nation, "js", "CN-JS")
    assert {t["region"] for t in exchange.totals(nation, user="js")} == {"jiangsu"}
    assert exchange.conflicts(nation, user="js") == []  # one sender seen: Zhejiang's value stays hidden
    exchange.init_instance(nation, "national", "CHN", raw_levels="national")
    assert exchange.conflicts(nation, user="js") == []  # a province sees no raw values at all now
    assert len(exchange.conflicts(nation, user=None)) == 2
    nation.close()


def test_an_alert_escalated_from_a_province_is_decided_at_the_nation_and_the_decision_comes_back(tmp_path):
    nation = Store(tmp_path / "n.db")
    exchange.init_instance(nation, "national", "CHN")
    nation.users.add("ndrc", "officer", "ndrc-password")
    zj, ids = province_store(tmp_path / "zj.db", "CN-ZJ", tmp_path)
    exchange.init_instance(zj, "zhejiang", "CN-ZJ")
    exchange.register_peer(nation, "zhejiang", "sender", "CN-ZJ", exchange.instance(zj)["public_key"])
    exchange.register_peer(zj, "national", "receiver", "CHN", exchange.instance(nation)["public_key"])
    zj.users.add("zj", "officer", "zj-officer-pw")
    reporting.set_unit(zj, "zj", "CN-ZJ")
    zj.users.add("hz", "officer", "hz-officer-pw")
    reporting.set_unit(zj, "hz", "CN-ZJ-HZ")
    zj.rules.put("semi", [{"id": "idle", "type": "threshold", "indicator": "capacity_utilisation",
                           "levels": {"I": 0.3, "II": 0.4}}], "admin")  # fmt: skip
    zj.projects.set_perspective("semi", {"home": ["CHN"], "restricted": ["USA", "JPN", "NLD"]})
    _submit(zj, _rows([ids[0]], indicators=["capacity_utilisation"], period="2026-11", value=0.2), "zj")
    from chokepoint.service.monitoring import monitor_run

    monitor_run(zj, "semi", "2026-11")
    (alert,) = zj.alerts.list("semi", status="open")
    zj.users.add("nb", "officer", "nb-officer-pw")
    reporting.set_unit(zj, "nb", "CN-ZJ-NB")
    with pytest.raises(AccessDeniedError, match="outside your unit"):
        escalations.escalate(zj, "semi", alert["id"], "nb", "Ningbo cannot raise a Hangzhou alert")
    raised = escalations.escalate(zj, "semi", alert["id"], "zj", "产能闲置波及两条链，需国家协调")
    assert (raised["from_unit"], raised["to_unit"]) == ("CN-ZJ", "CHN")
    with pytest.raises(UsageError, match="decided there"):
        escalations.decide(zj, raised["id"], "zj", "we decide", "because")
    exchange.prepare(zj)
    exchange.push(zj, lambda b: exchange.receive(nation, b))
    found = exchange.network_chokepoints(nation)
    from chokepoint.service.assessment import assess_project
    from chokepoint.service.perspective import resolve_perspective

    own = assess_project(zj, "semi", resolve_perspective(zj, "semi")).frame
    assert {c["node"] for c in found} == set(own.loc[own["level"].isin(["I", "II"]), "id"])
    assert {c["regions"] for c in found} == {1}
    assert found[0]["level"] == "I"
    assert found[0]["by_region"][0]["region"] == "zhejiang"
    (upstairs,) = escalations.visible(nation, "ndrc")
    assert (upstairs["origin"], upstairs["reason"]) == ("zhejiang", "产能闲置波及两条链，需国家协调")
    decided = escalations.decide(nation, upstairs["id"], "ndrc", "启动揭榜挂帅专项", "两省共用供应商")
    assert decided["decided_by"] == "ndrc"
    exchange.prepare(zj)  # the next exchange carries the decision back
    assert exchange.push(zj, lambda b: exchange.receive(nation, b))["decisions"] == 1
    (back,) = escalations.visible(zj, "zj")
    assert (back["state"], back["decision"], back["why"], back["decided_by"]) == (
        "decided", "启动揭榜挂帅专项", "两省共用供应商", "ndrc",
    )  # fmt: skip
    assert escalations.visible(zj, "hz") == []  # Hangzhou is not involved
    note = zj.reporting.notifications("zj")[0]
    assert (note["kind"], "启动揭榜挂帅专项" in note["message_zh"]) == ("decision", True)
    nation.close()
    zj.close()


def test_aggregate_policy_sends_unit_sums_not_enterprises(tmp_path):
    nation = Store(tmp_path / "n.db")
    exchange.init_instance(nation, "national", "CHN")
    zj, ids = province_store(tmp_path / "zj.db", "CN-ZJ", tmp_path)
    exchange.init_instance(zj, "zhejiang", "CN-ZJ", policy="aggregate")
    exchange.register_peer(nation, "zhejiang", "sender", "CN-ZJ", exchange.instance(zj)["public_key"])
    exchange.register_peer(zj, "national", "receiver", "CHN", exchange.instance(nation)["public_key"])
    zj.users.add("zj", "officer", "zj-officer-pw")
    reporting.put_data_set(zj, "semi", {**DATA_SET, "enterprises": ids}, "admin")
    _submit(zj, values(ids, months=["2025-01"]), "zj")
    queue = reporting.review_queue(zj, "semi", "zj")
    reporting.review(
        zj, "semi", "monthly", [(q["enterprise"], q["period"], None) for q in queue], "approve", "zj"
    )
    exchange.prepare(zj)
    exchange.push(zj, lambda b: exchange.receive(nation, b))
    merged = nation.network.values()
    assert set(merged["enterprise"]) == {""}  # no enterprise left the province
    assert sorted(set(merged["unit"])) == ["CN-ZJ-HZ", "CN-ZJ-NB"]
    cu = values(ids, months=["2025-01"]).query("indicator == 'capacity_utilisation'")["value"].sum()
    national = next(t for t in exchange.totals(nation) if t["region"] == "national" and t["indicator"] ==
                "capacity_utilisation")  # fmt: skip
    assert national["sum"] == pytest.approx(cu, rel=1e-12)
    assert national["mean"] == pytest.approx(cu / 20, rel=1e-12)
    assert national["measure"] == "mean"  # a rate: its mean over enterprises, not its sum
    assert national["enterprises"] == 20
    nation.close()
    zj.close()


def test_a_data_set_is_checked_whole(small):
    store, ids = small
    with pytest.raises(UsageError) as err:
        reporting.put_data_set(
            store, "semi",
            {"name": "bad name", "indicators": ["inventory_days", "nope", "capacity_utilisation"],
             "enterprises": ["P1", "ZZZ"], "deadline_day": 31, "review_level": "county"},
            "admin",
        )  # fmt: skip
    text = str(err.value)
    for part in ("name 'bad name'", "'nope' is not in the catalogue", "'ZZZ'", "'P1' are countries",
                 "deadline_day", "review_level 'county'"):  # fmt: skip
        assert part in text
    assert "inventory_days" not in text  # a node x enterprise indicator is reported by enterprises
    assert [d["name"] for d in reporting.list_data_sets(store, "semi")] == ["monthly"]
    del ids


def test_units_are_codes_the_platform_knows(small):
    store, _ = small
    with pytest.raises(UsageError, match="not an ISO 3166-2 province"):
        reporting.set_unit(store, "hz", "CN-XX")
    with pytest.raises(UsageError, match="import it first"):
        reporting.set_unit(store, "hz", "CN-ZJ-QQ")
    with pytest.raises(UsageError, match="alpha-3"):
        reporting.set_unit(store, "hz", "ZZZ")
    assert reporting.set_unit(store, "hz", "CN-ZJ-HZ-HT1")["unit"] == "CN-ZJ-HZ-HT1"  # a park
    assert enterprises("CN-ZJ")["location"].iloc[0] == "CN-ZJ-HZ"


# ------------------------------------------------------------------ the command line
def test_the_network_on_the_command_line_with_bundles_carried_as_files(runner, tmp_path):
    import json

    import yaml

    from chokepoint.cli import app

    zj_db, nat_db = str(tmp_path / "zj.db"), str(tmp_path / "nat.db")
    store, ids = province_store(zj_db, "CN-ZJ", tmp_path)
    store.users.add("reviewer", "officer", "reviewer-pw")
    store.users.add("clerk", "officer", "clerk-password")
    store.close()
    nat = Store(nat_db)
    nat.users.add("ndrc", "officer", "ndrc-password")
    nat.close()

    def run(db: str, *args: str) -> str:
        result = runner.invoke(app, [*args, "--db", db])
        assert result.exit_code == 0, result.output
        return result.output

    spec = tmp_path / "monthly.yaml"
    spec.write_text(
        yaml.safe_dump({**DATA_SET, "enterprises": ids[:4]}, allow_unicode=True), encoding="utf-8"
    )
    assert "4 enterprises" in run(zj_db, "data-sets", "put", str(spec), "-p", "semi", "--as", "clerk")
    assert "monthly" in run(zj_db, "data-sets", "list", "-p", "semi")
    run(zj_db, "units", "set", "reviewer", "CN-ZJ")
    assert "CN-ZJ" in run(zj_db, "units", "list")
    csv = tmp_path / "reports.csv"
    _rows(ids[:3]).to_csv(csv, index=False)
    run(zj_db, "report-data", "upload", str(csv), "-p", "semi", "--as", "clerk", "--as-of", "2026-12")
    queue = json.loads(run(zj_db, "reporting", "queue", "-p", "semi", "--as", "reviewer", "--format", "json"))
    assert [q["enterprise"] for q in queue] == ids[:3]
    out = run(zj_db, "reporting", "review", "monthly", "-p", "semi", "--action", "return",
              "--report", f"{ids[2]}:2025-03", "--comment", "请补充说明", "--as", "reviewer")  # fmt: skip
    assert "1 reports returned" in out
    assert "2 reports approved" in run(
        zj_db, "reporting", "review", "monthly", "-p", "semi", "--action", "approve", "--report", "queue",
        "--as", "reviewer",
    )  # fmt: skip
    rates = json.loads(run(zj_db, "reporting", "rates", "monthly", "-p", "semi", "--as", "reviewer",
                           "--format", "json"))  # fmt: skip
    assert (rates[0]["unit"], rates[0]["submitted"], rates[0]["expected"]) == ("CN-ZJ", 2, 4)
    late = run(zj_db, "reporting", "late", "monthly", "-p", "semi", "--period", "2025-03", "--as", "reviewer")
    assert ids[3] in late
    assert ids[2] in late  # returned: to be sent again
    assert "4 late" not in run(zj_db, "reporting", "remind", "monthly", "-p", "semi", "--period", "2025-03",
                               "--as", "reviewer")  # fmt: skip
    assert "returned" in run(zj_db, "reporting", "mine", "-p", "semi", "--as", "reviewer")
    run(zj_db, "reporting", "notifications", "--as", "reviewer")
    # the two instances: keys, registration, bundles on a memory stick
    zj_key = (
        run(zj_db, "network", "init", "zhejiang", "--unit", "CN-ZJ").split("public key ")[1].split(" ")[0]
    )
    nat_key = (
        run(nat_db, "network", "init", "national", "--unit", "CHN").split("public key ")[1].split(" ")[0]
    )
    run(nat_db, "network", "peer", "zhejiang", "--role", "sender", "--unit", "CN-ZJ", "--public-key", zj_key)
    run(zj_db, "network", "peer", "national", "--role", "receiver", "--unit", "CHN", "--public-key", nat_key)
    assert "1 bundles for national" in run(zj_db, "network", "prepare")
    stick = tmp_path / "stick"
    assert "wrote 1 bundles" in run(zj_db, "network", "export", "--out", str(stick))
    files = sorted(str(p) for p in stick.iterdir())
    assert "merged (sequence 1" in run(nat_db, "network", "receive", *files)
    assert "duplicate (sequence 1" in run(nat_db, "network", "receive", *files)  # carried twice: once
    totals = json.loads(run(nat_db, "network", "totals", "--format", "json"))
    national = [t for t in totals if t["region"] == "national" and t["indicator"] == "capacity_utilisation"]
    assert (national[0]["sum"], national[0]["mean"], national[0]["enterprises"]) == (1.6, 0.8, 2)
    assert "zhejiang" in run(nat_db, "network", "show")
    assert "zhejiang" in run(nat_db, "network", "rates")
    run(nat_db, "network", "conflicts")
    run(nat_db, "escalations", "list", "--as", "ndrc")
    bad = tmp_path / "bad.json"
    body = json.loads(Path(files[0]).read_text(encoding="utf-8"))
    body["sender"] = "rogue"
    bad.write_text(json.dumps(body), encoding="utf-8")
    refused = runner.invoke(app, ["network", "receive", str(bad), "--db", nat_db])
    assert refused.exit_code != 0
    assert "'rogue' is not a registered instance" in refused.output


def test_a_chain_edit_that_drops_a_reporter_leaves_the_data_set_readable(small):
    from chokepoint.service.assessment import assess_project

    store, (e1, e2, e3, e4) = small
    _submit(store, _rows([e1, e2]), "clerk")
    chain = store.chains.load("semi")
    kept = chain.actors[chain.actors["id"] != e4]
    from chokepoint.model.chain import ChainMap

    store.chains.save("semi", ChainMap(chain.nodes, chain.edges, kept, chain.provisions, chain.meta))
    assert [d["name"] for d in reporting.list_data_sets(store, "semi")] == ["monthly"]
    (top, *_) = reporting.rates(store, "semi", "monthly", "reviewer")
    assert top["expected"] == 3  # e4 is no longer in the chain: not expected
    from chokepoint.assess import Perspective

    assert len(assess_project(store, "semi", Perspective.from_codes("CHN", "USA")).frame) > 0
    del e3


# ------------------------------------------------------------------ route x role x unit
@pytest.fixture(scope="module")
def two_provinces(tmp_path_factory):
    """A provincial store holding four Zhejiang and two Jiangsu enterprises of one data set, every
    report submitted, and users of each role in units (or none), with bearer tokens.
    """
    from fastapi.testclient import TestClient

    from chokepoint.api import create_app

    tmp = tmp_path_factory.mktemp("units")
    store, zj = province_store(tmp / "units.db", "CN-ZJ", tmp)
    firms = zj[:4] + enterprises("CN-JS")["id"].tolist()[:2]
    users = {
        "admin": ("admin", None), "analyst": ("analyst", None), "zj": ("officer", "CN-ZJ"),
        "hz": ("officer", "CN-ZJ-HZ"), "js": ("officer", "CN-JS"), "js-viewer": ("viewer", "CN-JS"),
        "firm": ("reporter", None),
    }  # fmt: skip
    tokens = {}
    for name, (role, unit) in users.items():
        store.users.add(name, role, f"{name}-password")
        if unit:
            reporting.set_unit(store, name, unit)
        tokens[name] = store.tokens.create(name, "bearer", timedelta(days=1))
    store.users.bind("firm", "semi", "EZJ01")
    reporting.put_data_set(store, "semi", {**DATA_SET, "enterprises": firms}, "admin")
    _submit(store, _rows(firms), "admin")
    # the April reports approved, so they count: every firm runs under its threshold (an alert)
    _submit(store, _rows(firms, period="2025-04", value=0.5), "admin")
    reporting.review(store, "semi", "monthly", [(f, "2025-04", None) for f in firms], "approve", "admin")
    store.projects.set_perspective("semi", {"home": ["CHN"], "restricted": ["USA", "JPN", "NLD"]})
    store.rules.put("semi", [{"id": "idle", "type": "threshold", "indicator": "capacity_utilisation",
                              "levels": {"I": 0.6}}], "admin")  # fmt: skip
    from chokepoint.service.monitoring import monitor_run

    monitor_run(store, "semi", "2025-04")
    client = TestClient(create_app(store))
    yield client, tokens, firms
    store.close()


def _enterprises(rows, key):
    return {str(r[key]).split("|")[-1] for r in rows}


ZJ, HZ, JS = {"EZJ01", "EZJ02", "EZJ03", "EZJ04"}, {"EZJ01", "EZJ03"}, {"EJS01", "EJS02"}
ALL = ZJ | JS
READS = {  # user: the enterprises whose raw reports it reads
    "admin": ALL, "analyst": ALL, "zj": ZJ, "hz": HZ, "js": JS, "js-viewer": JS, "firm": {"EZJ01"},
}  # fmt: skip


@pytest.mark.parametrize("user", sorted(READS))
@pytest.mark.parametrize(
    ("route", "key"),
    [("/api/projects/semi/observations", "entity"), ("/api/projects/semi/data-reports", "enterprise")],
)
def test_each_user_reads_the_raw_reports_of_its_subtree_only(two_provinces, user, route, key):
    client, tokens, _ = two_provinces
    r = client.get(route, headers={"authorization": f"Bearer {tokens[user]}"})
    assert r.status_code == 200, r.text
    assert _enterprises(r.json(), key) == READS[user]


@pytest.mark.parametrize("user", sorted(set(READS) - {"firm"}))
def test_alerts_quoting_an_enterprises_value_follow_the_same_subtree(two_provinces, user):
    client, tokens, _ = two_provinces
    auth = {"authorization": f"Bearer {tokens[user]}"}
    alerts = client.get("/api/projects/semi/alerts", headers=auth).json()
    assert _enterprises(alerts, "entity") == READS[user]
    assert all("0.5" in a["message"] or "50" in a["message"] for a in alerts)  # the message quotes the value


QUEUES = {
    "admin": ALL,
    "analyst": ALL,
    "zj": ZJ,
    "hz": set(),
    "js": JS,
}  # a city does not review a province's set


@pytest.mark.parametrize("user", [*sorted(QUEUES), "js-viewer", "firm"])
def test_the_review_queue_and_late_list_follow_unit_role_and_level(two_provinces, user):
    client, tokens, _ = two_provinces
    auth = {"authorization": f"Bearer {tokens[user]}"}
    queue = client.get("/api/projects/semi/review-queue", headers=auth)
    late = client.get("/api/projects/semi/data-sets/monthly/late?period=2025-05", headers=auth)
    if user not in QUEUES:
        assert (queue.status_code, late.status_code) == (403, 403)
        return
    assert _enterprises(queue.json(), "enterprise") == QUEUES[user]
    assert _enterprises(late.json(), "enterprise") == READS[user]  # nobody reported May


@pytest.mark.parametrize(
    ("user", "unit", "status"),
    [("zj", "CN-JS", 403), ("js", "CN-JS", 200), ("js-viewer", "CN-ZJ", 403), ("hz", "CN-ZJ", 403),
     ("hz", "CN-ZJ-HZ", 200), ("analyst", "CN-JS", 200)],
)  # fmt: skip
def test_rates_of_a_unit_outside_ones_subtree_are_refused(two_provinces, user, unit, status):
    client, tokens, _ = two_provinces
    r = client.get(f"/api/projects/semi/data-sets/monthly/rates?unit={unit}",
                   headers={"authorization": f"Bearer {tokens[user]}"})  # fmt: skip
    assert r.status_code == status, r.text
    if status == 403:
        assert "outside your unit" in r.json()["error"]["message"]
        assert "EJS" not in r.text  # the refusal names no enterprise


@pytest.mark.parametrize(("user", "status"), [("zj", 403), ("hz", 403), ("js-viewer", 403), ("firm", 403)])
def test_nobody_reviews_another_provinces_report(two_provinces, user, status):
    client, tokens, _ = two_provinces
    body = {"action": "approve", "reports": [{"enterprise": "EJS01", "period": "2025-03"}]}
    r = client.post("/api/projects/semi/data-sets/monthly/reviews", json=body,
                    headers={"authorization": f"Bearer {tokens[user]}"})  # fmt: skip
    assert r.status_code == status, r.text
    states = {(x["enterprise"], x["state"]) for x in client.get(
        "/api/projects/semi/data-reports", headers={"authorization": f"Bearer {tokens['admin']}"}).json()}  # fmt: skip
    assert ("EJS01", "submitted") in states  # nothing was reviewed


# ------------------------------------------------------------------ bundles (invariants)

KEY = new_private_key()
VALUE = st.fixed_dictionaries({
    "data_set": st.text(min_size=1, max_size=20), "unit": st.sampled_from(["CN-ZJ", "CN-ZJ-HZ"]),
    "enterprise": st.text(max_size=10), "period": st.sampled_from(MONTHS),
    "indicator": st.sampled_from(INDICATORS), "value": st.floats(allow_nan=False, allow_infinity=False, width=64),
    "count": st.integers(1, 100), "revision": st.integers(0, 9),
})  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(values=st.lists(VALUE, max_size=5), sequence=st.integers(1, 10**6), field=st.sampled_from(
    ["sender", "receiver", "sequence", "created_at", "policy", "unit", "value"]))  # fmt: skip
def test_a_bundle_verifies_as_sent_and_any_changed_field_breaks_its_signature(values, sequence, field):
    import json

    body = make_bundle("zhejiang", "national", sequence, "2026-12-01T00:00:00+00:00", "raw", "CN-ZJ",
                       {"values": values}, KEY)  # fmt: skip
    from chokepoint.network.bundles import public_key_of

    public = public_key_of(KEY)
    sent = json.loads(json.dumps(body))  # through JSON, as on the wire: floats and text survive
    verify(sent, public)
    assert check_bundle(sent, "national")["sequence"] == sequence
    assert canonical(sent) == canonical(dict(reversed(list(sent.items()))))  # key order does not matter
    changed = copy.deepcopy(sent)
    if field == "value":
        if not values:
            return
        changed["payload"]["values"][0]["value"] = (
            values[0]["value"] + 1.0 if abs(values[0]["value"]) < 1e15 else 0.0
        )
    elif field == "sequence":
        changed["sequence"] = sequence + 1
    else:
        changed[field] = str(changed[field]) + "x"
    with pytest.raises(BundleRefusedError):
        verify(changed, public)


# ------------------------------------------------------------------ failure cases of the exchange
def _pair(tmp_path, policy: str = "raw", n: int = 20):
    """A Zhejiang instance (``n`` enterprises, the data set) and a nation, registered."""
    nation = Store(tmp_path / "n.db")
    exchange.init_instance(nation, "national", "CHN")
    zj, ids = province_store(tmp_path / "zj.db", "CN-ZJ", tmp_path)
    exchange.init_instance(zj, "zhejiang", "CN-ZJ", policy=policy)
    exchange.register_peer(nation, "zhejiang", "sender", "CN-ZJ", exchange.instance(zj)["public_key"])
    exchange.register_peer(zj, "national", "receiver", "CHN", exchange.instance(nation)["public_key"])
    zj.users.add("zj", "officer", "zj-officer-pw")
    reporting.put_data_set(zj, "semi", {**DATA_SET, "enterprises": ids[:n]}, "admin")
    return nation, zj, ids[:n]


def _approve_all(store: Store) -> None:
    queue = reporting.review_queue(store, "semi", "zj")
    reporting.review(
        store, "semi", "monthly", [(q["enterprise"], q["period"], None) for q in queue], "approve", "zj"
    )


def test_a_receiver_restored_from_an_older_backup_gets_the_lost_bundles_again(tmp_path):
    nation, zj, ids = _pair(tmp_path)
    _submit(zj, values(ids, months=["2025-01"]), "zj")
    _approve_all(zj)
    assert exchange.prepare(zj, batch=10)["bundles"] == [
        1,
        2,
        3,
    ]  # 20 reports: 2 full bundles, then the state
    assert exchange.push(zj, lambda b: exchange.receive(nation, b))["sent"] == 3
    fresh = Store(tmp_path / "restored.db")  # the nation as an older backup left it: no bundle
    exchange.init_instance(fresh, "national", "CHN")
    fresh.network.set_settings({"private_key": nation.network.settings()["private_key"]})  # same identity
    exchange.register_peer(fresh, "zhejiang", "sender", "CN-ZJ", exchange.instance(zj)["public_key"])
    _submit(zj, values(ids[:1], months=["2025-02"]), "zj")
    _approve_all(zj)
    exchange.prepare(zj, batch=10)
    done = exchange.push(zj, lambda b: exchange.receive(fresh, b))
    assert (done["sent"], done["waiting"], done["error"]) == (4, 0, None)  # 1-3 again, then 4
    assert _inbox(fresh, "zhejiang") == [1, 2, 3, 4]
    assert len(fresh.network.values()) == 21 * 2
    for s in (nation, zj, fresh):
        s.close()


def test_the_last_full_bundle_is_followed_by_the_state_and_unreviewed_sets_go_up_at_once(tmp_path):
    nation, zj, ids = _pair(tmp_path, n=10)
    reporting.put_data_set(zj, "semi", {**DATA_SET, "enterprises": ids, "review_level": "none"}, "admin")
    _submit(zj, values(ids, months=["2025-01"]), "zj")
    assert {r["state"] for r in reporting.my_reports(zj, "semi", "zj")} == {"approved"}  # no review: counts
    prepared = exchange.prepare(zj, batch=10)
    bodies = [b["body"]["payload"] for b in zj.network.outbox("national")]
    assert prepared["bundles"] == [1, 2]
    assert (len(bodies[0]["values"]), "rates" in bodies[0], "rates" in bodies[1]) == (20, False, True)
    exchange.push(zj, lambda b: exchange.receive(nation, b))
    assert len(nation.network.rates()) > 0
    nation.close()
    zj.close()


def test_a_value_changed_before_review_is_a_new_revision(small):
    store, (e1, *_) = small
    _submit(store, _rows([e1], value=0.8), "clerk")
    _submit(store, _rows([e1], value=0.9), "clerk")  # corrected before anyone reviewed it
    (report,) = [r for r in reporting.my_reports(store, "semi", "reviewer") if r["enterprise"] == e1]
    assert (report["state"], report["revision"]) == ("submitted", 2)
    with pytest.raises(ConflictError, match="revision 2, not 1"):  # the reviewer saw 0.8
        reporting.review(store, "semi", "monthly", [(e1, "2025-03", 1)], "approve", "reviewer")


def test_node_by_enterprise_values_travel_per_node_never_summed(tmp_path):
    nation, zj, ids = _pair(tmp_path, n=1)
    body = {**DATA_SET, "name": "supply", "indicators": ["restricted_supply_share"], "enterprises": ids}
    reporting.put_data_set(zj, "semi", body, "admin")
    rows = pd.DataFrame({"indicator": "restricted_supply_share", "node": ["N44", "N45"], "enterprise": ids[0],
                         "period": "2025-01", "value": [0.6, 0.7]})  # fmt: skip
    submit_observations(zj, "semi", rows, "zj", as_of="2026-12")
    reporting.review(zj, "semi", "supply", [(ids[0], "2025-01", None)], "approve", "zj")
    exchange.prepare(zj)
    exchange.push(zj, lambda b: exchange.receive(nation, b))
    (total,) = [t for t in exchange.totals(nation) if t["region"] == "national"]
    assert (total["sum"], total["enterprises"], total["mean"]) == (pytest.approx(1.3), 2, pytest.approx(0.65))
    assert total["measure"] == "mean"  # a share: 65% on average over the two nodes, not 130%
    nation.close()
    zj.close()


def test_an_enterprise_that_moves_unit_is_not_left_in_its_old_units_sum(tmp_path):
    nation, zj, ids = _pair(tmp_path, policy="aggregate", n=2)
    _submit(zj, values(ids, months=["2025-01"]), "zj")
    _approve_all(zj)
    exchange.prepare(zj)
    exchange.push(zj, lambda b: exchange.receive(nation, b))
    before = nation.network.values().query("indicator == 'capacity_utilisation'")["value"].sum()
    zj.chains.set_locations("semi", {ids[0]: "CN-ZJ-NB"})  # moved from Hangzhou to Ningbo
    _submit(zj, values(ids[:1], months=["2025-01"]).assign(value=lambda f: f["value"] + 0.01), "zj")
    _approve_all(zj)
    exchange.prepare(zj)
    exchange.push(zj, lambda b: exchange.receive(nation, b))
    after = nation.network.values().query("indicator == 'capacity_utilisation'")
    assert set(after["unit"]) == {"CN-ZJ-NB"}  # both in Ningbo now; Hangzhou's old sum is gone
    assert after["value"].sum() == pytest.approx(before + 0.01)
    assert after["count"].sum() == 2
    sent = zj.network.outbox("national", unacked=False)[-1]["body"]["payload"]
    assert all(v["enterprise"] == "" for v in sent["values"])  # no enterprise id leaves the province
    nation.close()
    zj.close()


def test_the_deadline_instant_is_late_and_a_backfill_keeps_its_time_zone(small):
    from datetime import timezone

    store, (e1, e2, *_) = small
    due = deadline_of("2025-03", 10)
    _submit(store, _rows([e1]), "clerk", due)  # 00:00 on the 11th, Beijing time: late
    beijing = timezone(timedelta(hours=8))
    _submit(
        store, _rows([e2]), "clerk", datetime(2025, 4, 10, 23, 0, tzinfo=beijing)
    )  # 23:00 on the 10th: on time
    (top, *_) = reporting.rates(store, "semi", "monthly", "reviewer", periods=["2025-03"], now=due)
    assert (top["submitted"], top["on_time"], top["late"]) == (2, 1, 2)


def test_under_the_aggregate_policy_alerts_and_escalations_name_no_enterprise(tmp_path):
    from chokepoint.service.monitoring import monitor_run

    nation, zj, ids = _pair(tmp_path, policy="aggregate", n=2)
    reporting.set_unit(zj, "zj", "CN-ZJ")
    zj.projects.set_perspective("semi", {"home": ["CHN"], "restricted": ["USA", "JPN", "NLD"]})
    zj.rules.put("semi", [{"id": "idle", "type": "threshold", "indicator": "capacity_utilisation",
                           "levels": {"I": 0.6}}], "admin")  # fmt: skip
    _submit(zj, _rows(ids, period="2026-11", value=0.2), "zj")
    _approve_all(zj)
    monitor_run(zj, "semi", "2026-11")
    alert = zj.alerts.list("semi", status="open")[0]
    escalations.escalate(zj, "semi", alert["id"], "zj", "两家企业产能闲置")
    exchange.prepare(zj)
    payload = zj.network.outbox("national")[-1]["body"]["payload"]
    text = json.dumps(payload, ensure_ascii=False)
    for firm in ids:
        assert firm not in text
    assert "20%" not in text
    assert "0.2" not in json.dumps(payload["alerts"])
    assert payload["escalations"][0]["alert"] == {"level": "I", "rule_id": "idle"}
    assert payload["escalations"][0]["reason"] == "两家企业产能闲置"
    nation.close()
    zj.close()
