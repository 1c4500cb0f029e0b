"""The challenge lifecycle (issue 24, item 3): draft → published → bids → awarded → closed (or
failed), with who did what and when; reporters publish and bid for their own bound enterprise
(the binding check of reporting), officers award."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from chokepoint.api import create_app
from chokepoint.datasets import load_semiconductors
from chokepoint.errors import UsageError
from chokepoint.match.lifecycle import ACTIONS, apply_action, challenge_status
from chokepoint.service.matching import challenge_action, publish_challenge, record_bid
from chokepoint.store import Store

AT = "2026-12-03T10:00:00+00:00"


def test_the_steps_each_status_allows():
    """The transition table, step by step, against the one the issue writes out."""
    expected = {
        ("draft", "publish"): "published",
        ("draft", "fail"): "failed",
        ("published", "award"): "awarded",
        ("published", "fail"): "failed",
        ("awarded", "close"): "closed",
        ("awarded", "fail"): "failed",
    }
    for status in ("draft", "published", "awarded", "closed", "failed"):
        for action in ACTIONS:
            body = {"title": "t", "status": status}
            if (status, action) in expected:
                after = apply_action(body, action, "ana", AT, note="why", winners=["P115"], bidders=["P115"])
                assert after["status"] == expected[(status, action)]
                assert after["history"][-1] == {
                    "action": action,
                    "status": expected[(status, action)],
                    "by": "ana",
                    "at": AT,
                    "note": "why",
                    **({"winners": ["P115"]} if action == "award" else {}),
                }
            else:
                with pytest.raises(UsageError, match=f"the challenge is {status}"):
                    apply_action(body, action, "ana", AT, note="why", winners=["P115"], bidders=["P115"])
    assert challenge_status({"status": "open"}) == "published"  # stored before the lifecycle


def test_an_award_names_bidders_and_a_failure_its_reason():
    published = {"title": "t", "status": "published"}
    with pytest.raises(UsageError, match="name the awarded solver"):
        apply_action(published, "award", "ana", AT, bidders=["P115"])
    with pytest.raises(UsageError, match="P123 did not bid on this challenge"):
        apply_action(published, "award", "ana", AT, winners=["P123"], bidders=["P115"])
    with pytest.raises(UsageError, match="say why the challenge failed"):
        apply_action(published, "fail", "ana", AT, note="  ")
    awarded = apply_action(published, "award", "ana", AT, winners=["P115", "P115"], bidders=["P115"])
    assert awarded["awarded"] == ["P115"]
    assert published == {"title": "t", "status": "published"}  # the input is not changed


@pytest.fixture
def site(tmp_path):
    store = Store(tmp_path / "life.db")
    store.chains.save("semi", load_semiconductors())
    store.projects.set_perspective("semi", {"home": ["CHN"], "restricted": ["USA", "JPN", "NLD"]})
    tokens = {}
    for name, role in (("naura", "reporter"), ("ana", "analyst"), ("olga", "officer"), ("vic", "viewer")):
        store.users.add(name, role, f"{name}-password")
        tokens[name] = {"authorization": f"Bearer {store.tokens.create(name, 'bearer', timedelta(days=1))}"}
    store.users.bind("naura", "semi", "P115")
    yield store, TestClient(create_app(store)), tokens
    store.close()


def test_the_whole_lifecycle_through_the_api_with_each_role_held_to_its_part(site):
    store, client, who = site
    base = "/api/projects/semi/challenges"
    foreign = client.post(
        base, headers=who["naura"], json={"title": "光刻胶", "nodes": ["N31"], "owner": "SMEE"}
    )
    assert foreign.status_code == 403  # a reporter publishes for its own enterprise only
    assert "set owner to one bound to 'naura' (P115)" in foreign.json()["error"]["message"]
    draft = client.post(
        base,
        headers=who["naura"],
        json={"title": "电镀设备", "nodes": ["N45"], "owner": "P115", "draft": True},
    )
    assert draft.status_code == 201
    key = draft.json()["id"]
    assert draft.json()["status"] == "draft"
    assert client.post(f"{base}/{key}/bids", headers=who["olga"], json={"actor": "P123"}).status_code == 422
    assert client.post(f"{base}/{key}/publish", headers=who["naura"], json={}).json()["status"] == "published"
    assert client.post(f"{base}/{key}/bids", headers=who["naura"], json={"actor": "P115"}).status_code == 201
    other = client.post(f"{base}/{key}/bids", headers=who["naura"], json={"actor": "P123"})
    assert other.status_code == 403  # not its enterprise
    assert client.post(f"{base}/{key}/bids", headers=who["olga"], json={"actor": "P123"}).status_code == 201
    assert (
        client.post(f"{base}/{key}/award", headers=who["naura"], json={"winners": ["P115"]}).status_code
        == 403
    )
    assert (
        client.post(f"{base}/{key}/award", headers=who["vic"], json={"winners": ["P115"]}).status_code == 403
    )
    stranger = client.post(f"{base}/{key}/award", headers=who["olga"], json={"winners": ["P70"]})
    assert stranger.status_code == 422
    awarded = client.post(
        f"{base}/{key}/award", headers=who["olga"], json={"winners": ["P115"], "note": "最佳方案"}
    )
    assert awarded.status_code == 200
    assert awarded.json()["awarded"] == ["P115"]
    late = client.post(f"{base}/{key}/bids", headers=who["olga"], json={"actor": "P113"})
    assert late.status_code == 422
    assert "is awarded: it takes no bids" in late.json()["error"]["message"]
    assert (
        client.post(f"{base}/{key}/close", headers=who["ana"], json={"note": "量产"}).json()["status"]
        == "closed"
    )
    assert client.post(f"{base}/{key}/fail", headers=who["ana"], json={"note": "x"}).status_code == 422
    shown = client.get(f"{base}/{key}", headers=who["vic"]).json()
    assert [(h["action"], h["by"]) for h in shown["history"]] == [
        ("draft", "naura"),
        ("publish", "naura"),
        ("award", "olga"),
        ("close", "ana"),
    ]
    assert [(b["actor"], b["by"]) for b in shown["bids"]] == [("P115", "naura"), ("P123", "olga")]
    kinds = [(e["kind"], e["user"]) for e in store.ledger.entries("semi")]
    assert kinds == [
        ("challenge", "naura"),
        ("challenge", "naura"),
        ("bid", "naura"),
        ("bid", "olga"),
        ("challenge", "olga"),
        ("challenge", "ana"),
    ]


def test_of_two_concurrent_awards_one_stands_and_the_other_is_refused(site):
    store = site[0]
    key, _ = publish_challenge(store, "semi", title="量测", nodes=["N20"], owner="SMEE", user="ana")
    record_bid(store, "semi", key, "P115", user="ana")
    record_bid(store, "semi", key, "P123", user="ana")
    outcomes: list[str] = []
    lock = threading.Lock()

    def award(actor: str) -> None:
        try:
            challenge_action(store, "semi", key, "award", user="olga", winners=[actor])
            result = f"awarded {actor}"
        except UsageError as exc:
            result = str(exc)
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=award, args=(a,)) for a in ("P115", "P123") * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(o.startswith("awarded") for o in outcomes) == 1
    assert all("the challenge is awarded" in o for o in outcomes if not o.startswith("awarded"))
    history = store.records.get("semi", "challenge")[key]["history"]
    assert [h["action"] for h in history] == ["publish", "award"]


def test_a_bid_that_read_the_challenge_open_just_before_an_award_is_refused(site, monkeypatch):
    """The race of a bid and an award: the bid's first read still sees the challenge published
    (an award commits right after it); the status is read again under the challenge's row lock,
    so the bid is refused and stores nothing."""
    import chokepoint.service.matching as matching

    store = site[0]
    key, _ = publish_challenge(store, "semi", title="量测", nodes=["N20"], owner="SMEE", user="ana")
    record_bid(store, "semi", key, "P115", user="ana")
    stale = matching.challenge_with_bids(store, "semi", key)  # published, read before the award
    challenge_action(store, "semi", key, "award", user="olga", winners=["P115"])
    monkeypatch.setattr(matching, "challenge_with_bids", lambda *_: stale)
    with pytest.raises(UsageError, match=f"challenge {key} is awarded: it takes no bids"):
        matching.record_bid(store, "semi", key, "P123", user="ana")
    assert [b["actor"] for b in store.records.get("semi", "bid").values()] == ["P115"]
    assert [e["kind"] for e in store.ledger.entries("semi")][-1] == "challenge"  # no bid logged


def test_an_actor_of_a_restricted_country_or_an_aggregate_can_neither_bid_nor_be_awarded(site):
    store = site[0]
    key, _ = publish_challenge(store, "semi", title="电镀", nodes=["N45"], owner="P115", user="ana")
    with pytest.raises(UsageError, match=r"P111 \(USA, restricted\): an actor of a restricted country"):
        record_bid(store, "semi", key, "P111", user="ana")  # Lam Research
    with pytest.raises(UsageError, match=r"P370 \(VAR, aggregate\)"):
        record_bid(store, "semi", key, "P370", user="ana")  # ETO's "Various companies"
    record_bid(store, "semi", key, "P123", user="ana")
    with pytest.raises(UsageError, match="P111"):
        challenge_action(store, "semi", key, "award", user="olga", winners=["P111"])
    assert [b["actor"] for b in store.records.get("semi", "bid").values()] == ["P123"]
