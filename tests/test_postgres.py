"""The store on PostgreSQL (portable SQL): runs when CHOKEPOINT_TEST_PG names a database URL.

`.ci/run` starts the machine's PostgreSQL cluster when there is one and sets the variable; without
it these tests are skipped.
"""

from __future__ import annotations

import os
import uuid

import pandas as pd
import pytest

URL = os.environ.get("CHOKEPOINT_TEST_PG")
pytestmark = pytest.mark.skipif(not URL, reason="CHOKEPOINT_TEST_PG is not set (no PostgreSQL server)")


def test_store_round_trip_and_monitoring_on_postgres():
    from chokepoint.datasets import load_semiconductors
    from chokepoint.service.monitoring import monitor_run, submit_observations
    from chokepoint.store import Store

    s = Store(URL)
    name = f"semi-{uuid.uuid4().hex[:8]}"
    chain = load_semiconductors()
    s.chains.save(name, chain)
    try:
        assert s.chains.load(name).equals(chain)
        s.projects.set_perspective(name, {"home": ["CHN"], "restricted": ["USA", "NLD"]})
        user = f"u-{uuid.uuid4().hex[:8]}"
        s.users.add(user, "reporter", "reporter-pw")
        s.users.bind(user, name, "P115")
        row = {
            "indicator": "inventory_days",
            "node": "N44",
            "enterprise": "P115",
            "period": "2026-01",
            "value": 5,
        }
        submit_observations(s, name, pd.DataFrame([row]), user, as_of="2026-01")
        s.rules.put(
            name, [{"id": "low", "type": "threshold", "indicator": "inventory_days", "levels": {"I": 7}}]
        )
        assert monitor_run(s, name, "2026-01").opened == 1
        assert s.tokens.user_for(s.tokens.create(user)) == (user, "reporter")
    finally:
        s.projects.delete(name)
