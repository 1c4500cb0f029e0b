"""Heavy documents off the request path (issue 23): reports are built once per state of what they
show, concurrent requests share one build, and at most a few builds run at once."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from chokepoint.api import create_app
from chokepoint.api.deps import DocumentBuilds
from chokepoint.datasets import load_semiconductors
from chokepoint.store import Store


def test_one_build_per_key_however_many_ask_and_at_most_two_at_once():
    builds = DocumentBuilds(workers=2)
    calls: list[str] = []
    running, peak = [0], [0]
    lock = threading.Lock()

    def build(key: str):
        def make() -> bytes:
            with lock:
                calls.append(key)
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            time.sleep(0.2)
            with lock:
                running[0] -= 1
            return key.encode()

        return make

    keys = [f"k{i % 4}" for i in range(32)]  # 4 documents, 8 requests each, all at once
    with ThreadPoolExecutor(32) as pool:
        got = list(pool.map(lambda k: builds.get(k, build(k)), keys))
    assert got == [k.encode() for k in keys]
    assert sorted(calls) == ["k0", "k1", "k2", "k3"]  # each built once
    assert peak[0] == 2  # never more than two builds at once


def test_a_failed_build_is_not_kept_and_the_next_request_builds_again():
    builds = DocumentBuilds(workers=1)

    def fail() -> bytes:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        builds.get("k", fail)
    assert builds.get("k", lambda: b"ok") == b"ok"


@pytest.fixture
def client(tmp_path, monkeypatch):
    """The API on the demo chain, the project report's builder replaced by a counting stub (the
    real one takes seconds; what is tested here is when it runs)."""
    from chokepoint.service import reports

    store = Store(tmp_path / "docs.db")
    store.chains.save("semi", load_semiconductors())
    store.projects.set_perspective("semi", {"home": ["CHN"], "restricted": ["USA", "NLD"]})
    store.users.add("admin", "admin", "admin-password")
    token = store.tokens.create("admin", "bearer", timedelta(days=1))
    calls: list[str] = []

    def counting(store_, project, perspective, out, lang="zh"):
        calls.append(lang)
        out.write_text(f"<html>{project} {lang} {len(calls)}</html>", encoding="utf-8")
        return out

    monkeypatch.setattr(reports, "project_report", counting)
    c = TestClient(create_app(store), headers={"authorization": f"Bearer {token}"})
    c.calls = calls  # type: ignore[attr-defined]
    yield c
    store.close()


def test_the_project_report_is_built_once_per_project_state(client):
    first = client.get("/api/projects/semi/report?format=html")
    again = client.get("/api/projects/semi/report?format=html")
    assert first.status_code == again.status_code == 200
    assert first.content == again.content
    assert client.calls == ["zh"]  # the second answer came from memory
    assert client.get("/api/projects/semi/report?format=html&lang=en").status_code == 200
    assert client.calls == ["zh", "en"]  # another language is another document
    edit = client.patch("/api/projects/semi/nodes/N31", json={"name_zh": "光刻胶（改）"})
    assert edit.status_code == 200
    after = client.get("/api/projects/semi/report?format=html")
    assert client.calls == ["zh", "en", "zh"]  # the chain changed: built again
    assert after.content != first.content
