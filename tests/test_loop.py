"""From chokepoint to solved (issue 24): the whole loop on the demo chain, and the roadmap rules.

chokepoint → task → challenge published by a reporter → two bids → award → consortium proposed
(every position covered, no restricted member) → milestones (a late one alerts at the node's
level) → a new home provider recorded → the re-assessment lowers the node's level → the snapshot
diff shows it → the tamper-evident log verifies."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chokepoint.api import create_app
from chokepoint.cli import app as cli_app
from chokepoint.errors import UsageError
from chokepoint.lists.roadmap import (
    milder,
    new_milestone,
    provisions_after,
    record_progress,
    roadmap_conditions,
)
from illustrative import illustrative_store

AT = "2026-12-03T10:00:00+00:00"


def test_the_whole_loop_on_the_demo_chain(tmp_path, monkeypatch):
    monkeypatch.setenv("CHOKEPOINT_LEDGER_KEY", "loop-key")
    store = illustrative_store(tmp_path)
    people = (("fab", "reporter"), ("naura", "reporter"), ("olga", "officer"))
    headers = {}
    for name, role in people:
        store.users.add(name, role, f"{name}-password")
        headers[name] = {"authorization": f"Bearer {store.tokens.create(name, 'bearer', timedelta(days=1))}"}
    store.users.bind("fab", "semi", "X3")  # the illustrative fab, the plating tools' first user
    store.users.bind("naura", "semi", "P115")
    api = TestClient(create_app(store))
    base = "/api/projects/semi"

    # the chokepoint and its task
    first = api.post(f"{base}/monitor/run?as_of=2026-11", headers=headers["olga"]).json()
    level = {
        n["id"]: n["level"]
        for n in api.get(f"{base}/assessment?top=500", headers=headers["olga"]).json()["nodes"]
    }
    assert level["N45"] == "I"  # electrochemical plating tools: a top chokepoint of the demo chain
    task = next(t for t in store.tasks.list("semi") if t["node"] == "N45")
    assert task["task_id"] == "T-CHN-N45"

    # a challenge published by a reporter (the fab, for its own enterprise), two bids, an award
    published = api.post(
        f"{base}/challenges",
        headers=headers["fab"],
        json={
            "title": "国产电镀设备验证",
            "nodes": ["N45"],
            "capabilities": ["electroplating"],
            "owner": "X3",
        },
    )
    assert published.status_code == 201, published.text
    key = published.json()["id"]
    assert (
        api.post(
            f"{base}/challenges/{key}/bids", headers=headers["naura"], json={"actor": "P115"}
        ).status_code
        == 201
    )
    assert (
        api.post(f"{base}/challenges/{key}/bids", headers=headers["olga"], json={"actor": "P123"}).status_code
        == 201
    )
    awarded = api.post(f"{base}/challenges/{key}/award", headers=headers["olga"], json={"winners": ["P115"]})
    assert awarded.json()["status"] == "awarded"

    # the consortium: every position and the challenge's capability, no restricted member
    proposal = api.post(
        f"{base}/tasks/T-CHN-N45/consortium", headers=headers["olga"], json={"save": True}
    ).json()
    assert proposal["gaps"] == []
    assert {r for m in proposal["members"] for r in m["roles"]} == {
        "lead",
        "upstream",
        "research",
        "pilot",
        "first_user",
    }
    assert all(m["standing"] != "restricted" for m in proposal["members"])
    assert proposal["required"][-1] == "cap:electroplating"

    # milestones: a late one raises an alert at the node's level (I), then the work lands
    roadmap = f"{base}/tasks/T-CHN-N45/roadmap"
    api.post(
        roadmap, headers=headers["olga"], json={"kind": "prototype", "title": "样机", "target": "2026-10"}
    )
    api.post(
        roadmap,
        headers=headers["olga"],
        json={"kind": "customer_qualified", "title": "通过晶圆厂验证", "target": "2027-06", "owner": "P115"},
    )
    api.post(f"{base}/monitor/run?as_of=2026-11", headers=headers["olga"])
    late = [a for a in store.alerts.list("semi") if a["rule_id"] == "roadmap/T-CHN-N45/M1"]
    assert [(a["level"], a["values"]["late"]) for a in late] == [("I", "overdue")]
    step = api.post(f"{roadmap}/M1", headers=headers["olga"], json={"status": "done", "evidence": "样机交付"})
    assert step.status_code == 200
    tasks = api.get(f"{base}/lists?lang=zh", headers=headers["olga"]).json()["lists"]["tasks"]
    listed = next(t for t in tasks if t["task_id"] == "T-CHN-N45")  # the progress shows in the task list
    assert listed["progress"] == "已完成1/2个里程碑；下一个：M2 客户验证通过（2027-06）"
    assert listed["consortium"].startswith("北方华创")
    qualified = api.post(
        f"{roadmap}/M2",
        headers=headers["olga"],
        json={"status": "done", "evidence": "X3产线验证报告", "provider": "P115", "share": 0.3},
    )
    assert qualified.status_code == 200, qualified.text
    provision = store.chains.load("semi").provisions
    mine = provision[(provision["actor"] == "P115") & (provision["node"] == "N45")]
    assert mine["share"].tolist() == [0.3]
    assert "milestone T-CHN-N45/M2" in mine["source"].iloc[0]

    # the re-assessment lowers the node's level, the diff shows it, the late alert is resolved
    after = api.post(f"{base}/monitor/run?as_of=2026-12", headers=headers["olga"]).json()
    diff = api.get(
        f"{base}/snapshots/diff?a={first['snapshot_id']}&b={after['snapshot_id']}", headers=headers["olga"]
    ).json()
    n45 = next(d for d in diff if d["id"] == "N45")
    assert (n45["level_before"], n45["change"]) == ("I", "better")
    assert n45["level"] in ("II", "III", "IV", "low")
    assert all(
        a["status"] == "resolved" for a in store.alerts.list("semi") if a["rule_id"].startswith("roadmap/")
    )

    # the progress shows on the node (API, command line)
    progress = api.get(f"{base}/nodes/N45/progress?lang=zh", headers=headers["olga"]).json()
    shown = progress["tasks"][0]
    assert (shown["task_id"], shown["done"], len(shown["milestones"])) == ("T-CHN-N45", 2, 2)
    assert shown["milestones"][1]["kind_label"] == "客户验证通过"
    assert shown["milestones"][1]["achieved_share"] == 0.3
    assert {c["actor"] for c in shown["consortium"]} >= {"P115", "X1", "X2", "X3", "X4"}
    assert "北方华创" in {c["name"] for c in shown["consortium"]}  # in the language asked for
    assert progress["challenges"] == [
        {
            "id": key,
            "title": "国产电镀设备验证",
            "status": "awarded",
            "status_label": "已揭榜",
            "awarded": ["P115"],
        }
    ]
    printed = CliRunner().invoke(
        cli_app, ["roadmap", "node", "N45", "--project", "semi", "--lang", "zh", "--db", store.url]
    )
    assert printed.exit_code == 0, printed.output
    assert "M2 客户验证通过: 通过晶圆厂验证 (2027-06) - 已完成" in printed.output
    assert f"{key} [已揭榜] 国产电镀设备验证 -> P115" in printed.output

    # every step on the record, and the record intact
    kinds = {e["kind"] for e in store.ledger.entries("semi")}
    assert kinds >= {"challenge", "bid", "consortium", "roadmap"}
    verified = CliRunner().invoke(cli_app, ["audit", "verify", "--project", "semi", "--db", store.url])
    assert verified.exit_code == 0, verified.output
    assert "anchored (MACs checked)" in verified.output
    store.close()


# ------------------------------------------------------------------ the roadmap rules
def test_milestones_are_numbered_validated_and_advanced_with_their_evidence():
    m1 = new_milestone([], "prototype", "样机", "2027-03-15", "P115")
    assert (m1["id"], m1["target"], m1["status"]) == ("M1", "2027-03", "planned")
    m2 = new_milestone([m1], "volume_share", "批量供货", "2028-01", share=0.2)
    assert m2["id"] == "M2"
    for bad, match in (
        ({"kind": "launch"}, "unknown milestone kind"),
        ({"target": "2027-13"}, "give a month"),
        ({"share": 1.5}, "above 0 and at most 1"),
        ({"title": " "}, "needs a title"),
    ):
        args = {"kind": "prototype", "title": "t", "target": "2027-01", "share": None, **bad}
        with pytest.raises(UsageError, match=match):
            new_milestone([], args["kind"], args["title"], args["target"], share=args["share"])
    going = record_progress(m1, "in_progress", "olga", AT)
    with pytest.raises(UsageError, match="record the evidence"):
        record_progress(going, "done", "olga", AT)
    with pytest.raises(UsageError, match="customer_qualified or volume_share"):
        record_progress(going, "done", "olga", AT, "样机", provider="P115", share=0.1)
    done = record_progress(going, "done", "olga", AT, "样机交付")
    assert [h["status"] for h in done["history"]] == ["in_progress", "done"]
    with pytest.raises(UsageError, match="is done: add a new one"):
        record_progress(done, "in_progress", "olga", AT)
    with pytest.raises(UsageError, match="together"):
        record_progress(m2, "done", "olga", AT, "e", provider="P115")


def test_late_milestones_alert_at_their_nodes_level_and_slipping_ones_one_milder():
    def roadmap(*milestones):
        return {"T-CHN-N45": {"node": "N45", "milestones": list(milestones)}}

    overdue = {**new_milestone([], "prototype", "样机", "2026-10"), "status": "in_progress"}
    due = new_milestone([overdue], "pilot_line", "中试", "2026-12")
    started = {**new_milestone([overdue, due], "pilot_line", "中试2", "2026-12"), "status": "in_progress"}
    later = new_milestone([], "volume_share", "份额", "2027-06")
    done = {**new_milestone([], "prototype", "x", "2026-01"), "status": "done"}
    names = {"N45": ("Electrochemical plating tools", "电化学电镀(ECP)设备")}
    got = roadmap_conditions(roadmap(overdue, due, started, later, done), {"N45": "II"}, names, "2026-12")
    assert got[["rule_id", "level"]].values.tolist() == [
        ["roadmap/T-CHN-N45/M1", "II"],  # overdue: the node's level
        ["roadmap/T-CHN-N45/M2", "III"],  # due this month, not started: one milder
    ]
    assert got["message_zh"].iloc[0] == "T-CHN-N45的里程碑M1（样机）已逾期：目标2026-10，状态进行中"
    ungraded = roadmap_conditions(roadmap(overdue), {"N45": "low"}, names, "2026-12")
    assert ungraded["level"].tolist() == ["IV"]
    assert [milder(x) for x in ("I", "II", "III", "IV", "low")] == ["II", "III", "IV", "IV", "IV"]


def test_a_new_share_is_taken_from_the_others_in_proportion_by_hand():
    """Hand-computed reference: firms A 0.6, B 0.4 (2025) and an old 2019 row; countries USA 1.0.
    C reaches 0.2: A and B scaled by (1 - 0.2) / 1.0 = 0.8 to 0.48 and 0.32; the home country
    joins the countries at 0.2 and USA goes to 0.8; the 2019 row is untouched."""
    provisions = pd.DataFrame(
        {
            "actor": ["A", "B", "A", "USA1"],
            "node": ["N1"] * 4,
            "share": [0.6, 0.4, 0.9, 1.0],
            "capacity": [None] * 4,
            "year": [2025, 2025, 2019, 2025],
            "source": ["s"] * 4,
        }
    )
    kinds = {"A": "enterprise", "B": "enterprise", "C": "enterprise", "USA1": "country", "CHN1": "country"}
    rows = provisions_after(provisions, kinds, "N1", "C", 0.2, "CHN1", "milestone T/M2")
    got = {(r["actor"], r["year"]): float(r["share"]) for r in rows.to_dict("records")}
    assert got == pytest.approx(
        {
            ("A", "2025"): 0.48,
            ("B", "2025"): 0.32,
            ("C", "2025"): 0.2,
            ("USA1", "2025"): 0.8,
            ("CHN1", "2025"): 0.2,
        }
    )
    assert "scaled by 0.800" in rows.loc[rows["actor"] == "A", "source"].iloc[0]
    small = provisions_after(provisions.iloc[[0]].assign(share=0.5), kinds, "N1", "C", 0.2, None, "m")
    assert small["actor"].tolist() == ["C"]  # 0.5 + 0.2 fits: the others stay as they were
