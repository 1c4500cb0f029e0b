"""Security regressions (issue 23): credentials, sessions and tokens, brute force, CSRF, headers.

Each test is one finding of the security probe: a token that survived a password change, a
reset or a disable; a password change without the current password; unlimited, unlistable
tokens; no throttling of wrong passwords and a login time that told valid user names; state
changes accepted from another site's page; no CSP or framing protection.
"""

from __future__ import annotations

import re
import statistics
import time

import pytest
from fastapi.testclient import TestClient

from chokepoint.api import create_app
from chokepoint.datasets import load_semiconductors
from chokepoint.store import Store
from chokepoint.store import logins as login_policy
from chokepoint.store.tokens import MAX_BEARER_TOKENS
from live import serve


@pytest.fixture
def app_store(tmp_path):
    store = Store(tmp_path / "sec.db")
    store.chains.save("semi", load_semiconductors())
    store.projects.set_perspective("semi", {"home": ["CHN"], "restricted": ["USA", "NLD"]})
    store.users.add("admin", "admin", "admin-password")
    store.users.add("ana", "analyst", "analyst-password")
    yield store
    store.close()


@pytest.fixture
def client(app_store):
    return TestClient(create_app(app_store))


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def login(client: TestClient, user: str, password: str) -> tuple[int, dict]:
    r = client.post("/api/login", json={"username": user, "password": password})
    return r.status_code, r.json()


def csrf(client: TestClient) -> dict[str, str]:
    return {"x-csrf-token": client.cookies.get("chokepoint_csrf", "")}


# ---------------------------------------------------------------- credentials end sessions
def test_a_password_change_ends_every_session_and_token(client, app_store):
    status, body = login(client, "ana", "analyst-password")
    assert status == 200
    machine = app_store.tokens.create("ana", "bearer")
    assert client.get("/api/me", headers=bearer(machine)).status_code == 200
    r = client.put(
        "/api/users/ana/password",
        json={"password": "a-new-password", "current_password": "analyst-password"},
        headers=csrf(client),
    )
    assert r.status_code == 200, r.text
    assert client.get("/api/me").status_code == 401  # the session cookie
    assert client.get("/api/me", headers=bearer(machine)).status_code == 401
    assert client.get("/api/me", headers=bearer(body["token"])).status_code == 401
    assert login(client, "ana", "a-new-password")[0] == 200


def test_an_admin_reset_and_a_disable_end_sessions_and_enable_does_not_revive_them(client, app_store):
    admin = app_store.tokens.create("admin", "bearer")
    old = app_store.tokens.create("ana", "bearer")
    r = client.put("/api/users/ana/password", json={"password": "reset-by-admin"}, headers=bearer(admin))
    assert r.status_code == 200, r.text
    assert client.get("/api/me", headers=bearer(old)).status_code == 401
    token = app_store.tokens.create("ana", "bearer")
    assert client.post("/api/users/ana/disable", headers=bearer(admin)).status_code == 200
    assert client.get("/api/me", headers=bearer(token)).status_code == 401
    assert client.post("/api/users/ana/disable?enable=true", headers=bearer(admin)).status_code == 200
    assert client.get("/api/me", headers=bearer(token)).status_code == 401  # gone, not suspended
    assert login(client, "ana", "reset-by-admin")[0] == 200


def test_changing_ones_own_password_needs_the_current_one_and_a_minimum_length(client, app_store):
    token = app_store.tokens.create("ana", "bearer")
    no_current = client.put(
        "/api/users/ana/password", json={"password": "long-enough-pw"}, headers=bearer(token)
    )
    assert no_current.status_code == 403
    assert "current password" in no_current.json()["error"]["message"]
    wrong = client.put(
        "/api/users/ana/password",
        json={"password": "long-enough-pw", "current_password": "not-it-at-all"},
        headers=bearer(token),
    )
    assert wrong.status_code == 403
    short = client.put(
        "/api/users/ana/password",
        json={"password": "x", "current_password": "analyst-password"},
        headers=bearer(token),
    )
    assert short.status_code == 422
    assert "at least 8 characters" in short.json()["error"]["message"]
    assert login(client, "ana", "analyst-password")[0] == 200  # nothing changed


def test_tokens_are_listed_without_the_secret_revocable_and_bounded(client, app_store):
    token = app_store.tokens.create("ana", "bearer")
    listed = client.get("/api/tokens", headers=bearer(token)).json()
    assert [t["kind"] for t in listed] == ["bearer"]
    assert token not in str(listed)  # the id is the start of the token's hash, not the token
    other = app_store.tokens.create("ana", "bearer")
    ids = [t["id"] for t in client.get("/api/tokens", headers=bearer(token)).json()]
    assert len(ids) == 2
    # revoke the other one by its id; a stranger's id is not found
    target = next(t["id"] for t in client.get("/api/tokens", headers=bearer(other)).json() if t["id"] in ids)
    admin = app_store.tokens.create("admin", "bearer")
    assert client.delete(f"/api/tokens/{target}", headers=bearer(admin)).status_code == 404
    assert client.delete(f"/api/tokens/{target}", headers=bearer(token)).status_code == 200
    remaining = {t["id"] for t in client.get("/api/tokens", headers=bearer(token)).json()}
    assert target not in remaining
    assert len(remaining) == 1
    for _ in range(MAX_BEARER_TOKENS - 1):
        assert client.post("/api/tokens", headers=bearer(token), json={}).status_code == 200
    too_many = client.post("/api/tokens", headers=bearer(token), json={})
    assert too_many.status_code == 422
    assert "revoke one first" in too_many.json()["error"]["message"]


# ---------------------------------------------------------------- brute force
def test_wrong_passwords_lock_the_account_and_are_audited(client, app_store):
    for _ in range(login_policy.ACCOUNT_LIMIT - 1):
        assert login(client, "ana", "wrong-password")[0] == 401
    status, body = login(client, "ana", "wrong-password")  # the failure that starts the lockout
    assert status == 429
    assert body["error"]["code"] == "too_many_attempts"
    locked = client.post("/api/login", json={"username": "ana", "password": "analyst-password"})
    assert locked.status_code == 429  # even the right password waits
    assert 0 < int(locked.headers["retry-after"]) <= login_policy.LOCKOUT.total_seconds() + 1
    actions = [e["action"] for e in app_store.audit.entries(50) if e["path"] == "/api/login"]
    assert actions.count("login failed") == login_policy.ACCOUNT_LIMIT - 1
    assert "login locked out" in actions
    entry = next(e for e in app_store.audit.entries(50) if e["action"] == "login failed")
    assert entry["user"] == "ana"
    assert "wrong-password" not in str(entry)  # never the password tried
    assert login(client, "admin", "admin-password")[0] == 200  # other accounts are not locked


def test_unknown_names_lock_like_known_ones_and_an_address_is_limited_across_names(client):
    for _ in range(login_policy.ACCOUNT_LIMIT):
        status, _ = login(client, "nobody", "whatever-pw")
    assert status == 429  # an unknown name locks too: a lockout does not reveal existence
    answers = [login(client, f"guess{k}", "whatever-pw")[0] for k in range(login_policy.ADDRESS_LIMIT)]
    assert answers[-1] == 429  # the address, across user names
    assert login(client, "admin", "admin-password")[0] == 429  # from this address, for a while


def test_login_time_does_not_reveal_whether_a_user_exists(app_store):
    """Both answers run one argon2 verification (was 326 ms against 5 ms)."""

    def timed(name: str) -> float:
        t0 = time.perf_counter()
        app_store.users.verify_password(name, "not-the-password")
        return time.perf_counter() - t0

    timed("ana")  # warm up
    known = statistics.median(timed("ana") for _ in range(5))
    unknown = statistics.median(timed("no-such-user") for _ in range(5))
    assert unknown > 0.5 * known, (known, unknown)


# ---------------------------------------------------------------- CSRF
def test_cookie_requests_need_the_csrf_header_and_this_sites_origin(client, app_store):
    assert login(client, "ana", "analyst-password")[0] == 200
    scenario = {"name": "forged", "shocks": [{"type": "blockade", "country": "NLD"}]}
    forged = client.put("/api/projects/semi/scenarios/forged", json=scenario)  # no header
    assert forged.status_code == 403
    assert forged.json()["error"]["code"] == "csrf"
    other_site = client.put(
        "/api/projects/semi/scenarios/forged",
        json=scenario,
        headers={**csrf(client), "origin": "http://evil.example"},
    )
    assert other_site.status_code == 403
    assert "cross-site" in other_site.json()["error"]["message"]
    assert app_store.scenarios.names("semi") == []  # nothing stored
    refused = [e for e in app_store.audit.entries(20) if e["status"] == 403]
    assert len(refused) == 2  # refused writes are audited too
    ok = client.put("/api/projects/semi/scenarios/forged", json=scenario, headers=csrf(client))
    assert ok.status_code == 200, ok.text
    # a bearer token cannot be sent by another site's page: no CSRF header needed
    token = app_store.tokens.create("ana", "bearer")
    fresh = TestClient(client.app)
    assert (
        fresh.put("/api/projects/semi/scenarios/b", json=scenario, headers=bearer(token)).status_code == 200
    )


def test_cookies_are_http_only_and_same_site_strict(client):
    r = client.post("/api/login", json={"username": "ana", "password": "analyst-password"})
    cookies = r.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("chokepoint_session="))
    assert "HttpOnly" in session
    assert "SameSite=strict" in session or "samesite=strict" in session.lower()
    token = next(c for c in cookies if c.startswith("chokepoint_csrf="))
    assert "HttpOnly" not in token  # the page reads it to echo it


# ---------------------------------------------------------------- headers
@pytest.mark.parametrize("path", ["/", "/docs", "/api/me", "/static/app.css"])
def test_security_headers_on_every_response(client, path):
    r = client.get(path)
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"


def test_the_api_docs_page_has_no_inline_script(client):
    page = client.get("/docs").text
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S)
    assert scripts
    assert all("src=" in attrs and not body.strip() for attrs, body in scripts)
    assert client.get("/static/docs/init.js").status_code == 200


# ---------------------------------------------------------------- documents that would wipe a project
def test_a_foreign_or_future_document_is_refused_and_changes_nothing(tmp_path, app_store):
    import json

    from chokepoint.errors import ChainValidationError
    from chokepoint.service.projects import import_chain

    before = len(app_store.chains.load("semi").nodes)
    foreign = tmp_path / "foreign.json"
    foreign.write_text(json.dumps({"format": "something-else", "version": 99, "nodes": []}), encoding="utf-8")
    with pytest.raises(ChainValidationError) as info:
        import_chain(app_store, "semi", foreign)
    (problem,) = info.value.problems
    assert (problem.column, problem.code) == ("format", "wrong_format")
    future = tmp_path / "future.json"
    future.write_text(
        json.dumps({"format": "chokepoint-chain", "version": 99, "nodes": []}), encoding="utf-8"
    )
    with pytest.raises(ChainValidationError) as info:
        import_chain(app_store, "semi", future)
    assert info.value.problems[0].code == "unsupported_version"
    assert len(app_store.chains.load("semi").nodes) == before


def test_emptying_a_project_needs_explicit_confirmation(tmp_path, app_store, client):
    import json

    from chokepoint.errors import UsageError
    from chokepoint.service.projects import import_chain

    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"format": "chokepoint-chain", "version": 1, "nodes": []}), encoding="utf-8")
    with pytest.raises(UsageError, match="would empty project 'semi'"):
        import_chain(app_store, "semi", empty)
    assert len(app_store.chains.load("semi").nodes) > 100
    admin = app_store.tokens.create("admin", "bearer")
    files = {"file": ("empty.json", empty.read_bytes(), "application/json")}
    refused = client.post("/api/projects/semi/import", files=files, headers=bearer(admin))
    assert refused.status_code == 422
    assert "allow_empty" in refused.json()["error"]["message"]
    assert len(app_store.chains.load("semi").nodes) > 100
    done = client.post("/api/projects/semi/import?allow_empty=true", files=files, headers=bearer(admin))
    assert done.status_code == 200, done.text
    assert len(app_store.chains.load("semi").nodes) == 0
    # a new project may start empty
    assert import_chain(app_store, "fresh", empty).action == "imported"


# ---------------------------------------------------------------- values that would break later operations
def test_edge_values_are_refused_at_the_edge(client, app_store):
    admin = bearer(app_store.tokens.create("admin", "bearer"))
    bad_name = client.patch("/api/projects/semi/nodes/N20", json={"name": "EUV\x07tools"}, headers=admin)
    assert bad_name.status_code == 422
    assert client.get("/api/projects/semi/lists/export", headers=admin).status_code == 200  # still exports
    ok = client.patch(
        "/api/projects/semi/nodes/N20", json={"description": "line one\nline two"}, headers=admin
    )
    assert ok.status_code == 200, ok.text
    assert client.post("/api/projects/semi/monitor/run?as_of=2026-13", headers=admin).status_code == 422
    huge = 2**63 + 5
    assert client.post(f"/api/projects/semi/alerts/{huge}/ack", headers=admin).status_code == 422
    assert client.get(f"/api/projects/semi/snapshots/diff?a={huge}&b=1", headers=admin).status_code == 422
    assert client.get(f"/api/audit?offset={huge}", headers=admin).status_code == 422


def test_a_non_ascii_project_name_downloads_with_its_name(client, app_store):
    from urllib.parse import quote

    app_store.chains.save("半导体", load_semiconductors())
    admin = bearer(app_store.tokens.create("admin", "bearer"))
    r = client.get(
        f"/api/projects/{quote('半导体')}/lists/export?lang=zh&home=CHN&restricted=USA", headers=admin
    )
    assert r.status_code == 200, r.text[:300]
    disposition = r.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="___-lists-zh.xlsx"')
    assert "filename*=UTF-8''%E5%8D%8A%E5%AF%BC%E4%BD%93-lists-zh.xlsx" in disposition


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"nodes": [], "meta": ["a", "b"]}', "expected an object of names and values"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        (
            '{"nodes": [{"id": "N1", "name": "x", "kind": "product", "market_size": ' + "9" * 5000 + "}]}",
            "digits",
        ),
        ('{"nodes": [{"id": "N1", "name": "\\ud800", "kind": "product"}]}', "lone surrogate"),
    ],
    ids=["meta-list", "deep", "huge-integer", "lone-surrogate"],
)
def test_malformed_json_imports_end_in_a_clean_error(tmp_path, app_store, text, says):
    from chokepoint.errors import ChainValidationError
    from chokepoint.service.projects import import_chain

    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ChainValidationError) as info:
        import_chain(app_store, "semi", path)
    assert says in " ".join(p.reason for p in info.value.problems)
    assert len(app_store.chains.load("semi").nodes) > 100  # nothing changed


# ---------------------------------------------------------------- bounded input
@pytest.fixture
def live(app_store):
    """The API on a loopback port (uvicorn in a thread): raw sockets reach it as a client would."""
    with serve(app_store) as port:
        yield port


def raw_post(port: int, head: str, chunks) -> tuple[int, str, float]:
    """Send ``head`` and then ``chunks`` until the server answers; (status, body, seconds)."""
    import socket

    t0 = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head.encode())
        try:
            for chunk in chunks:
                s.sendall(chunk)
                s.setblocking(False)
                try:
                    if s.recv(1, socket.MSG_PEEK):
                        break  # the server answered early
                except BlockingIOError:
                    pass
                finally:
                    s.setblocking(True)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed the connection after answering
        data = b""
        while b"\r\n\r\n" not in data or len(data) < data.find(b"\r\n\r\n") + 4 + 10:
            more = s.recv(65536)
            if not more:
                break
            data += more
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[1].decode(errors="replace"), time.perf_counter() - t0


def test_a_declared_1_gb_upload_is_refused_at_once(live, app_store):
    token = app_store.tokens.create("admin", "bearer")
    head = (
        "POST /api/projects/semi/import HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary=xyz\r\n"
        f"Content-Length: {2**30}\r\n\r\n"
    )
    status, body, seconds = raw_post(live, head, [b"--xyz\r\n"])
    assert status == 413
    assert "larger than this route accepts (64 MB" in body
    assert seconds < 1.0


def test_a_chunked_upload_is_cut_off_at_the_limit(live, app_store, monkeypatch):
    """Without a Content-Length the body is counted as it arrives: a client streaming a 1 GB body
    is answered once it passes the limit (set low here), having sent a few megabytes."""
    monkeypatch.setenv("CHOKEPOINT_MAX_UPLOAD_MB", "2")
    token = app_store.tokens.create("admin", "bearer")
    head = (
        "POST /api/projects/semi/import HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary=xyz\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )

    def chunked(data: bytes) -> bytes:
        return f"{len(data):x}\r\n".encode() + data + b"\r\n"

    part = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="big.json"\r\n\r\n'
    piece = chunked(b"x" * (1 << 20))
    status, body, seconds = raw_post(live, head, [chunked(part), *(piece for _ in range(1024))])  # up to 1 GB
    assert status == 413
    assert "(2 MB" in body
    assert seconds < 5.0
    assert len(app_store.chains.load("semi").nodes) > 100


def test_json_bodies_have_their_own_limit(client, app_store, monkeypatch):
    monkeypatch.setenv("CHOKEPOINT_MAX_BODY_MB", "0.01")  # 10 kB
    admin = bearer(app_store.tokens.create("admin", "bearer"))
    big = {"name": "big", "shocks": [{"type": "blockade", "country": "NLD"}], "description": "x" * 20_000}
    r = client.put("/api/projects/semi/scenarios/big", json=big, headers=admin)
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "request_too_large"


def test_a_very_long_upload_file_name_is_shortened_not_a_500(client, app_store):
    import json

    from chokepoint.io.writers import chain_to_dict

    admin = bearer(app_store.tokens.create("admin", "bearer"))
    doc = json.dumps(chain_to_dict(load_semiconductors())).encode()
    files = {"file": ("x" * 300 + ".json", doc, "application/json")}
    r = client.post("/api/projects/copy/import", files=files, headers=admin)
    assert r.status_code == 200, r.text[:300]


def test_an_error_lists_at_most_a_thousand_problems_and_counts_them_all():
    from chokepoint.errors import ChainValidationError, Problem

    exc = ChainValidationError([Problem("big.csv", row, "value", "not a number") for row in range(2, 5002)])
    doc = exc.to_dict()
    assert len(doc["details"]["problems"]) == 1000
    assert doc["details"]["problem_count"] == 5000
    assert "the first 1,000 of 5,000 are listed" in doc["message"]
    assert doc["details"]["problems"][0]["row"] == 2  # the first ones, in order


READERS_SCRIPT = """
import http.client, json, sys, time
from concurrent.futures import ThreadPoolExecutor
port, token, requests = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
def get(_):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    t0 = time.perf_counter()
    conn.request("GET", "/api/projects/semi/lists?lang=zh", headers={"Authorization": "Bearer " + token})
    r = conn.getresponse()
    assert r.status == 200, r.status
    r.read()
    conn.close()
    return time.perf_counter() - t0
get(0)  # the first request builds the lists
with ThreadPoolExecutor(16) as pool:
    print(json.dumps(sorted(pool.map(get, range(requests)))))
"""


def sixteen_clients_read_the_lists(port: int, token: str, requests: int) -> float:
    """p99 in seconds of ``requests`` reads of the Chinese lists by 16 clients at once. The clients
    run in their own process, as real clients do (in the server's process their own Python work
    would take the server's turns)."""
    import json
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", READERS_SCRIPT, str(port), token, str(requests)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout
    times = json.loads(out)
    p99 = times[int(0.99 * len(times)) - 1]
    print(
        f"GET /lists, 16 clients, {requests} requests: median {statistics.median(times) * 1000:.0f} ms, "
        f"p99 {p99 * 1000:.0f} ms"
    )
    return float(p99)


def test_lists_stay_fast_while_sixteen_clients_read_them(live, app_store):
    """The lists are built once per project state and answered from the cache (they took 9-55 s
    under 16-32 clients when each request rebuilt them). The bound here leaves room for a loaded
    2-core test machine running other tests beside it; the stress run below holds the 200 ms."""
    assert sixteen_clients_read_the_lists(live, app_store.tokens.create("admin", "bearer"), 160) < 1.0


@pytest.mark.stress
def test_lists_p99_under_200_ms_with_sixteen_clients(live, app_store):
    """Run alone (nothing else on the machine): 1,600 reads by 16 clients, p99 under 200 ms."""
    assert sixteen_clients_read_the_lists(live, app_store.tokens.create("admin", "bearer"), 1600) < 0.2


def test_ids_with_markup_are_refused_at_import_and_real_ids_pass(tmp_path, app_store):
    """Node and actor ids follow a documented safe pattern (docs/exchange-format.md): the probe's
    ``X"><img src=x onerror=...>`` is refused with its row and column; the demo chain, ISO codes
    and Chinese ids pass."""
    import json

    from chokepoint.errors import ChainValidationError
    from chokepoint.io.writers import chain_to_dict
    from chokepoint.service.projects import import_chain

    doc = chain_to_dict(load_semiconductors())
    good = tmp_path / "good.json"
    doc["nodes"].append({"id": "节点-1", "name": "新节点", "kind": "material"})
    good.write_text(json.dumps(doc), encoding="utf-8")
    assert import_chain(app_store, "ok", good).action == "imported"
    doc["nodes"].append({"id": 'X"><img src=x onerror=alert(1)>', "name": "bad", "kind": "material"})
    doc["actors"][5]["id"] = "a&b"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ChainValidationError) as info:
        import_chain(app_store, "semi", bad)
    unsafe = [p for p in info.value.problems if p.code == "unsafe_id"]
    assert {(p.source, p.column) for p in unsafe} == {("bad.json[nodes]", "id"), ("bad.json[actors]", "id")}
    assert all(p.row for p in unsafe)


def test_a_zip_bomb_workbook_is_refused_before_any_reader_opens_it(client, app_store, tmp_path, monkeypatch):
    """A 64 KB .xlsx whose sheet unpacks to 64 MB (a zip bomb, scaled down with the limit set to
    8 MB) is refused at the edge, at once, naming the file and the limit."""
    import zipfile

    monkeypatch.setenv("CHOKEPOINT_MAX_UNPACKED_MB", "8")
    bomb = tmp_path / "template.xlsx"
    with (
        zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z,
        z.open("xl/worksheets/sheet1.xml", "w") as f,
    ):
        for _ in range(64):
            f.write(b"\0" * 2**20)
    assert bomb.stat().st_size < 2**17
    token = app_store.tokens.create("admin", "bearer")
    t0 = time.perf_counter()
    r = client.post(
        "/api/projects/semi/observations/upload",
        files={"file": ("template.xlsx", bomb.read_bytes())},
        headers={"authorization": f"Bearer {token}"},
    )
    assert time.perf_counter() - t0 < 1.0
    assert r.status_code == 422
    message = r.json()["error"]["message"]
    assert "template.xlsx" in message
    assert "unpacks to 64 MB, more than the 8 MB" in message


def test_a_write_that_fails_with_a_server_error_is_audited_with_its_500(app_store, monkeypatch):
    """Every outcome of a write is audited: one that crashes in the route too, as 500, before the
    error handler answers."""
    from chokepoint.service import projects

    def crash(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(projects, "edit_node", crash)
    token = app_store.tokens.create("admin", "bearer")
    client = TestClient(create_app(app_store), raise_server_exceptions=False)
    r = client.patch(
        "/api/projects/semi/nodes/N31",
        json={"name_zh": "光刻胶"},
        headers={"authorization": f"Bearer {token}"},
    )
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "internal_error"
    last = app_store.audit.entries(limit=1)[0]
    assert (last["method"], last["path"], last["status"], last["user"]) == (
        "PATCH",
        "/api/projects/semi/nodes/N31",
        500,
        "admin",
    )
