"""Heavy writes are bounded (issue 23): at most a few imports, uploads, dataset loads and task
saves run at once; one more waits a short while for a slot, then is refused with 429, code
``busy`` and ``Retry-After``, changing nothing; light writes and reads go on meanwhile. Each
heavy write runs under a time limit: past it, nothing is committed (422 ``time_limit``)."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from chokepoint.api import create_app
from chokepoint.api.deps import HeavyWrites
from chokepoint.datasets import load_semiconductors
from chokepoint.errors import ServerBusyError, TimeLimitError
from chokepoint.io.writers import chain_to_dict
from chokepoint.limits import check_time_limit, time_limit
from chokepoint.store import Store


def test_a_third_heavy_write_waits_then_is_refused_and_a_freed_slot_serves_the_next():
    writes = HeavyWrites(workers=2, wait_s=0.2)
    with writes.slot("a"), writes.slot("b"):
        started = time.monotonic()
        with pytest.raises(ServerBusyError) as refused, writes.slot("the import"):
            pytest.fail("a third slot was handed out")
        waited = time.monotonic() - started
        assert 0.15 <= waited < 2  # it waited its turn, briefly
        assert refused.value.http_status == 429
        assert refused.value.retry_after >= 1
        assert "the import was not started" in str(refused.value)
    with writes.slot("c"):  # both released: the next one runs at once
        pass


def test_a_slot_freed_while_waiting_is_taken():
    writes = HeavyWrites(workers=1, wait_s=5)
    held = threading.Event()

    def hold() -> None:
        with writes.slot("a"):
            held.set()
            time.sleep(0.3)

    worker = threading.Thread(target=hold)
    worker.start()
    held.wait()
    with writes.slot("b"):  # waits for the first, well inside its wait
        pass
    worker.join()


def test_a_slot_is_released_when_the_write_fails():
    writes = HeavyWrites(workers=1, wait_s=0.1)
    with pytest.raises(RuntimeError), writes.slot("a"):
        raise RuntimeError("the import failed")
    with writes.slot("b"):
        pass


@pytest.fixture
def site(tmp_path):
    store = Store(tmp_path / "heavy.db")
    store.chains.save("semi", load_semiconductors())
    store.projects.set_perspective("semi", {"home": ["CHN"], "restricted": ["USA", "JPN", "NLD"]})
    store.users.add("ana", "analyst", "ana-password")
    token = store.tokens.create("ana", "bearer", timedelta(days=1))
    app = create_app(store)
    app.state.heavy_writes = HeavyWrites(workers=1, wait_s=0.2)
    client = TestClient(app, headers={"authorization": f"Bearer {token}"})
    yield store, app.state.heavy_writes, client
    store.close()


def _renamed_document(name: str) -> bytes:
    doc = chain_to_dict(load_semiconductors())
    next(n for n in doc["nodes"] if n["id"] == "N31")["name"] = name
    return json.dumps(doc).encode()


def test_the_api_refuses_an_import_while_the_heavy_slots_are_taken_and_changes_nothing(site):
    store, writes, client = site
    version = store.projects.version("semi")
    body = _renamed_document("Photoresists (new)")
    with writes.slot("another import"):
        busy = client.post("/api/projects/semi/import", files={"file": ("semi.json", body)})
        assert busy.status_code == 429
        assert busy.json()["error"]["code"] == "busy"
        assert busy.headers["retry-after"] == "1"
        assert busy.json()["error"]["details"] == {"retry_after": 1}
        assert store.projects.version("semi") == version  # nothing stored
        # light writes and reads do not wait for heavy slots
        edit = client.patch("/api/projects/semi/nodes/N20", json={"name_zh": "硅片（改）"})
        assert edit.status_code == 200
        assert client.get("/api/projects/semi").status_code == 200
        saved = client.post("/api/projects/semi/lists")
        assert saved.status_code == 429  # saving tasks is heavy too
    done = client.post("/api/projects/semi/import", files={"file": ("semi.json", body)})
    assert done.status_code == 200, done.text
    chain = store.chains.load("semi")
    assert chain.nodes.set_index("id").loc["N31", "name"] == "Photoresists (new)"
    refusals = [
        r
        for r in store.audit.entries(limit=50)
        if r["path"] == "/api/projects/semi/import" and r["status"] == 429
    ]
    assert len(refusals) == 1  # the refusal is on record


# ------------------------------------------------------------------ time limits on imports
def test_a_time_limit_raises_at_the_first_check_past_its_deadline_and_never_extends_an_outer_one():
    check_time_limit("validating")  # no limit: nothing happens
    with time_limit(0.2, "the import"):
        check_time_limit("validating")
        with time_limit(60, "an inner step"):  # the earlier deadline holds
            time.sleep(0.3)
            with pytest.raises(TimeLimitError) as late:
                check_time_limit("storing")
    assert str(late.value).startswith("the import passed its time limit of 0.2 s before storing")
    assert late.value.to_dict()["details"] == {"limit_seconds": 0.2}
    check_time_limit("storing")  # the limit ended with its block
    with time_limit(None, "unlimited"):
        check_time_limit("storing")


def test_a_write_past_its_deadline_rolls_back(tmp_path):
    from sqlalchemy import text

    store = Store(tmp_path / "late.db")
    store.chains.save("semi", load_semiconductors())

    def slow_rename() -> None:
        with store.database.begin() as conn:
            conn.execute(text("UPDATE projects SET name = 'renamed' WHERE name = 'semi'"))
            time.sleep(0.3)

    with time_limit(0.2, "the import"), pytest.raises(TimeLimitError, match="before committing"):
        slow_rename()
    assert store.projects.names() == ["semi"]  # rolled back
    with time_limit(0.1, "the import"):
        time.sleep(0.2)
        with pytest.raises(TimeLimitError, match="before storing"):
            store.chains.save("other", load_semiconductors())
    assert store.projects.names() == ["semi"]
    store.close()


def test_the_api_answers_an_import_past_its_time_limit_with_422_and_stores_nothing(site, monkeypatch):
    from chokepoint.io import chains

    store, _, client = site
    version = store.projects.version("semi")
    read_blocks = chains.read_blocks

    def slow(*args, **kwargs):
        time.sleep(0.5)
        return read_blocks(*args, **kwargs)

    monkeypatch.setattr(chains, "read_blocks", slow)
    monkeypatch.setenv("CHOKEPOINT_IMPORT_TIME_LIMIT_S", "0.3")
    body = _renamed_document("Photoresists (late)")
    late = client.post("/api/projects/semi/import", files={"file": ("semi.json", body)})
    assert late.status_code == 422
    error = late.json()["error"]
    assert error["code"] == "time_limit"
    assert (
        "the import passed its time limit of 0.3 s before validating; nothing was stored" in error["message"]
    )
    assert store.projects.version("semi") == version
    monkeypatch.setenv("CHOKEPOINT_IMPORT_TIME_LIMIT_S", "30")
    done = client.post("/api/projects/semi/import", files={"file": ("semi.json", body)})
    assert done.status_code == 200, done.text  # the slot was released, the next import runs
