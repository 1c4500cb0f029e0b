"""Who may do what in monitoring: the checks live in the services, the store holds data only."""

from __future__ import annotations

import pandas as pd
import pytest

from chokepoint.datasets import load_semiconductors
from chokepoint.errors import AccessDeniedError, NotFoundError, ReportRejectedError
from chokepoint.service import monitoring, users
from chokepoint.store import Store


def rows(enterprise: str = "P115", value: float = 5, period: str = "2026-01") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "indicator": "inventory_days",
                "node": "N44",
                "enterprise": enterprise,
                "period": period,
                "value": value,
            }
        ]
    )


@pytest.fixture
def store(tmp_path) -> Store:
    """The demo chain, one user per role, reporters bound to NAURA (P115) and AMEC (P123)."""
    s = Store(tmp_path / "svc.db")
    s.chains.save("semi", load_semiconductors())
    s.projects.set_perspective("semi", {"home": ["CHN"], "restricted": ["USA", "NLD"]})
    for role in ("admin", "analyst", "officer", "viewer"):
        users.add_user(s, role, role, f"{role}-pw")
    users.add_user(s, "naura", "reporter", "naura-pw")
    users.add_user(s, "amec", "reporter", "amec-pass")
    users.bind(s, "naura", "semi", "P115")
    users.bind(s, "amec", "semi", "P123")
    yield s
    s.close()


def test_a_reporter_cannot_report_for_another_enterprise(store):
    with pytest.raises(ReportRejectedError) as info:
        monitoring.submit_observations(store, "semi", rows("P123"), "naura", as_of="2026-01")
    (p,) = info.value.problems
    assert p.code == "forbidden"
    assert p.column == "enterprise"
    assert "not bound" in p.reason
    assert store.observations.values("semi").empty  # nothing stored
    counts = monitoring.submit_observations(store, "semi", rows("P115"), "naura", as_of="2026-01")
    assert counts == {"new": 1, "replaced": 0, "unchanged": 0}


def test_a_viewer_may_not_report(store):
    with pytest.raises(ReportRejectedError) as info:
        monitoring.submit_observations(store, "semi", rows(), "viewer", as_of="2026-01")
    assert {p.code for p in info.value.problems} == {"forbidden"}


def test_a_disabled_user_is_refused(store):
    users.disable_user(store, "naura")
    with pytest.raises(AccessDeniedError, match="disabled"):
        monitoring.submit_observations(store, "semi", rows(), "naura", as_of="2026-01")
    with pytest.raises(AccessDeniedError, match="disabled"):
        monitoring.read_observations(store, "semi", "naura")
    with pytest.raises(AccessDeniedError, match="disabled"):
        monitoring.observation_history(store, "semi", "naura")
    users.disable_user(store, "officer")
    with pytest.raises(AccessDeniedError, match="disabled"):
        monitoring.acknowledge_alert(store, "semi", 1, "officer")
    users.disable_user(store, "naura", False)
    assert users.reporter(store, "naura", "semi").actors == frozenset({"P115"})


def test_a_reporter_reads_only_its_own_enterprises_values(store):
    monitoring.submit_observations(store, "semi", rows("P115", 5), "naura", as_of="2026-01")
    monitoring.submit_observations(store, "semi", rows("P123", 7), "amec", as_of="2026-01")
    monitoring.submit_observations(store, "semi", rows("P123", 8), "amec", as_of="2026-01")
    mine = monitoring.read_observations(store, "semi", "naura")
    assert list(mine["entity"]) == ["N44|P115"]
    assert list(mine["value"]) == [5.0]
    history = monitoring.observation_history(store, "semi", "naura")
    assert [h["entity"] for h in history] == ["N44|P115"]
    assert {h["entity"] for h in monitoring.observation_history(store, "semi", "amec")} == {"N44|P123"}
    for everyone in ("admin", "analyst", "viewer"):
        seen = monitoring.read_observations(store, "semi", everyone)
        assert set(seen["entity"]) == {"N44|P115", "N44|P123"}
    full = monitoring.observation_history(store, "semi", "admin")
    assert [h["old_value"] for h in full] == [None, None, 7.0]  # JSON-ready: no NaN
    # the store takes the scope it is given, and checks nothing
    assert list(store.observations.values("semi", actors={"P123"})["value"]) == [8.0]


def test_who_may_acknowledge_and_resolve_alerts(store):
    monitoring.import_rules(
        store,
        "semi",
        {"rules": [{"id": "low", "type": "threshold", "indicator": "inventory_days", "levels": {"I": 7}}]},
        "admin",
    )
    monitoring.submit_observations(store, "semi", rows(), "naura", as_of="2026-01")
    assert monitoring.monitor_run(store, "semi", "2026-01").opened == 1
    (alert,) = monitoring.list_alerts(store, "semi")
    for refused in ("viewer", "naura"):
        with pytest.raises(AccessDeniedError, match="may not acknowledge alerts"):
            monitoring.acknowledge_alert(store, "semi", alert["id"], refused)
        with pytest.raises(AccessDeniedError, match="may not resolve alerts"):
            monitoring.resolve_alert(store, "semi", alert["id"], refused)
    assert monitoring.list_alerts(store, "semi")[0]["status"] == "open"
    assert monitoring.acknowledge_alert(store, "semi", alert["id"], "officer") == {
        "alert": alert["id"],
        "status": "acknowledged",
    }
    monitoring.resolve_alert(store, "semi", alert["id"], "analyst")
    done = monitoring.list_alerts(store, "semi", lang="zh")[0]
    assert (done["acknowledged_by"], done["resolved_by"]) == ("officer", "analyst")
    assert done["message"] == done["message_zh"]
    assert done["status"] == "resolved"
    with pytest.raises(NotFoundError):
        monitoring.acknowledge_alert(store, "semi", 999, "admin")


def test_unknown_users_and_passwords(store):
    with pytest.raises(NotFoundError, match="no user named"):
        monitoring.read_observations(store, "semi", "nobody")
    with pytest.raises(AccessDeniedError, match="current password"):
        users.set_password(store, "viewer", "new-viewer-pw", by="viewer")  # one's own: the current one too
    users.set_password(store, "viewer", "new-viewer-pw", by="viewer", current="viewer-pw")
    users.set_password(store, "viewer", "newer-pw", by="admin")  # an admin: anyone's
    with pytest.raises(AccessDeniedError, match="only your own password"):
        users.set_password(store, "viewer", "x", by="officer")
    assert store.users.verify_password("viewer", "newer-pw")


def test_rules_import_names_the_source_of_each_problem(store):
    body = {"rules": [{"id": "x", "type": "threshold", "indicator": "inventory_days"}]}
    with pytest.raises(ReportRejectedError) as info:
        monitoring.import_rules(store, "semi", body, "admin", "rules.yaml")
    assert info.value.problems
    assert all(p.source == "rules.yaml" for p in info.value.problems)
    assert monitoring.list_rules(store, "semi") == []


def test_node_history_follows_every_snapshot_in_order(tmp_path):
    from chokepoint.service.monitoring import monitor_run, node_history

    store = Store(tmp_path / "h.db")
    store.chains.save("semi", load_semiconductors())
    store.projects.set_perspective("semi", {"home": ["CHN"], "restricted": ["USA", "NLD"]})
    assert node_history(store, "semi", "N20") == []
    monitor_run(store, "semi", "2026-01")
    monitor_run(store, "semi", "2026-02")
    got = node_history(store, "semi", "N20")
    assert [r["as_of"] for r in got] == ["2026-01", "2026-02"]
    assert [r["snapshot"] for r in got] == sorted(r["snapshot"] for r in got)
    frame = store.alerts.snapshot("semi", got[-1]["snapshot"])
    assert got[-1]["level"] == frame.loc["N20", "level"]
    assert got[-1]["score"] == pytest.approx(float(frame.loc["N20", "score"]))
    assert pd.isna(node_history(store, "semi", "nope")[0]["level"])
