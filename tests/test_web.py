"""Web UI in a real headless Chromium (Debian's, driven by Playwright).

Logs in, opens the chain map, clicks a node, runs a blockade, acknowledges an alert, switches the
language, uploads a report with one bad row and sees that row's error. A screenshot of each page
goes to ``test-artifacts/``. Every request the browser makes must go to the test server.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:  # `make test` installs Debian's chromium; without it these tests cannot run
    pytest.skip("Debian's chromium is not installed (make test installs it)", allow_module_level=True)

import uvicorn  # noqa: E402

from chokepoint.api import create_app  # noqa: E402
from chokepoint.datasets import load_semiconductors  # noqa: E402
from chokepoint.store import Store  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]


#: markup in data: it must show as text and never run (window.__xss stays unset)
XSS = '"><img src=x onerror="window.__xss=1">'
XSS_PROJECT = f"X{XSS}"


def _chain_with_payloads():
    """The demo chain with markup in a node's name, an enterprise's name and a new node's id."""
    from chokepoint.model.chain import ChainMap

    chain = load_semiconductors()
    nodes = chain.nodes.copy()
    nodes.loc[nodes["id"] == "N20", "name"] = f"EUV{XSS}"
    extra = nodes[nodes["id"] == "N20"].assign(id=f"N{XSS}", name=f"New{XSS}", name_zh=f"新{XSS}")
    actors = chain.actors.copy()
    actors.loc[actors["id"] == "P88", "name"] = f"ASML{XSS}"
    return ChainMap(
        nodes=pd.concat([nodes, extra], ignore_index=True),
        edges=chain.edges,
        actors=actors,
        provisions=chain.provisions,
        meta={**chain.meta, "title": "markup test chain"},  # its own title: "semi" names one project
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("web") / "web.db"
    store = Store(db)
    store.chains.save("semi", load_semiconductors())
    store.projects.set_perspective(
        "semi", {"home": ["CHN"], "restricted": ["USA", "JPN", "NLD", "KOR", "TWN"]}
    )
    store.users.add("admin", "admin", "admin-pw")
    store.users.add("naura", "reporter", "naura-pw")
    store.users.bind("naura", "semi", "P115")
    store.rules.put(
        "semi",
        [
            {
                "id": "low-inventory",
                "type": "threshold",
                "indicator": "inventory_days",
                "levels": {"I": 7, "II": 15},
            }
        ],
        "admin",
    )
    row = {
        "indicator": "inventory_days",
        "node": "N44",
        "enterprise": "P115",
        "period": "2026-01",
        "value": 5,
    }
    from chokepoint.service.monitoring import monitor_run, submit_observations

    submit_observations(store, "semi", pd.DataFrame([row]), "naura", as_of="2026-01")

    monitor_run(store, "semi", "2026-01")
    store.chains.save(XSS_PROJECT, _chain_with_payloads())
    store.projects.set_perspective(XSS_PROJECT, {"home": ["CHN"], "restricted": ["USA", "NLD"]})
    port = _free_port()
    config = uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    pg.requests = []  # type: ignore[attr-defined]
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.base = server  # type: ignore[attr-defined]
    yield pg
    outside = [u for u in pg.requests if not (u.startswith(server) or u.startswith("data:"))]
    context.close()
    assert not outside, f"requests outside the server: {outside}"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def login(page, user: str, password: str) -> None:
    page.goto(f"{page.base}/#/login")
    page.fill("#username", user)
    page.fill("#password", password)
    shot(page, "01-login")
    page.click("#login-button")
    page.wait_for_selector("#projects")


def test_analyst_journey(page):
    login(page, "admin", "admin-pw")
    shot(page, "02-projects")
    page.click("text=semi")
    page.wait_for_function("window.cyGraph && window.cyGraph.nodes().length > 100")
    shot(page, "03-chain-map")
    # click node N20 on the canvas at its rendered position
    pos = page.evaluate(
        "(() => { const p = window.cyGraph.$id('N20').renderedPosition(); return [p.x, p.y]; })()"
    )
    box = page.locator("#cy").bounding_box()
    page.mouse.click(box["x"] + pos[0], box["y"] + pos[1])
    page.wait_for_selector("#node-title")
    assert "EUV lithography tools" in page.inner_text("#node-title")
    assert "ASML" in page.inner_text("main")
    shot(page, "04-node")
    page.click("#nav-chokepoints")
    page.wait_for_selector("#quadrant")
    page.fill("#filter", "litho")
    assert "EUV lithography tools" in page.inner_text("#table")
    shot(page, "05-chokepoints")
    page.click("#nav-scenario")
    page.select_option("#country", "NLD")
    page.click("#run-blockade")
    page.wait_for_selector("#impacted")
    assert "ASML <- NLD blockade" in page.inner_text("#impacted")
    shot(page, "06-scenario")
    page.click("#nav-alerts")
    page.wait_for_selector("#alerts button.ack")
    page.click("#alerts button.ack")
    page.wait_for_selector("#alerts td.status:text('acknowledged')")
    shot(page, "07-alerts")
    page.click("#lang")
    page.wait_for_selector("#nav-alerts:text('预警')")
    # the page re-renders after its data arrives in the new language
    page.wait_for_function("/确认|解除/.test(document.querySelector('main').innerText)")
    page.click("#nav-chokepoints")
    page.wait_for_selector("#table")
    assert "EUV光刻机" in page.inner_text("#table")
    shot(page, "08-chokepoints-zh")
    page.click("#nav-lists")
    page.wait_for_selector("#download")
    lists_text = page.inner_text("main")
    assert "卡脖子技术清单" in lists_text
    assert "重点企业和上下游核心关联企业清单" in lists_text
    assert "key_enterprises" not in lists_text
    assert "chokepoints" not in lists_text
    shot(page, "09-lists")
    page.click("#lang")  # back to English for the next test


def test_officer_publishes_a_challenge_and_sees_ranked_solvers(page):
    login(page, "admin", "admin-pw")
    page.goto(f"{page.base}/#/p/semi/challenges")
    page.wait_for_selector("#challenge-form")
    page.fill("#ch-title", "EUV光刻机光源攻关")
    page.fill("#ch-description", "极紫外光刻光源")
    page.fill("#ch-nodes", "N20")
    page.click("#ch-publish")
    page.wait_for_selector("#match-table")
    assert "EUV光刻机光源攻关" in page.inner_text("#challenge-title")
    table = page.inner_text("#match-table")
    first = page.inner_text("#match-table tr:nth-child(2)")
    # the blockading side is never recommended by default (ASML is Dutch, restricted for CHN)
    assert first.strip()
    assert "ASML" not in table
    assert "restricted" not in table
    assert "EUV光刻机光源攻关" in page.inner_text("#challenges")
    shot(page, "11-challenges")
    page.fill("#ch-title", "bad")
    page.fill("#ch-nodes", "N999")
    page.click("#ch-publish")
    page.wait_for_selector("#ch-error:has-text('N999')")


def test_reporter_upload_shows_the_bad_row(page, tmp_path):
    login(page, "naura", "naura-pw")
    page.click("text=semi")
    page.wait_for_selector("#upload-form")
    rows = [
        {
            "indicator": "inventory_days",
            "node": "N44",
            "enterprise": "P115",
            "period": "2026-01",
            "value": 20 + i,
        }
        for i in range(5)
    ]
    rows[3]["enterprise"] = "P123"  # not bound to this reporter: the one bad row (CSV row 5)
    path = tmp_path / "report.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    page.set_input_files("#upload-file", str(path))
    page.click("#upload-button")
    page.wait_for_selector("#report-errors")
    text = page.inner_text("#report-errors")
    assert "5" in text
    assert "enterprise" in text
    assert "not bound" in text
    shot(page, "10-report-error")


def test_markup_in_names_ids_and_routes_shows_as_text_and_never_runs(page):
    """Stored XSS: a project name, a node id, node and enterprise names carrying markup; and a
    crafted route. Every page of that project renders them as text; no script runs, no dialog
    opens; an unknown page says so instead of failing, and a slower earlier page never overwrites
    it."""
    from urllib.parse import quote

    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    login(page, "admin", "admin-pw")
    assert XSS_PROJECT in page.inner_text("#projects")
    project = quote(XSS_PROJECT, safe="")
    for view in ("map", "chokepoints", "scenario", "alerts", "lists", "challenges", f"node/{quote('N20')}"):
        page.goto(f"{page.base}/#/p/{project}/{view}")
        page.wait_for_load_state("networkidle")  # the page's requests done, its markup in place
        page.wait_for_timeout(300)
        assert page.evaluate("window.__xss") is None, view
    page.goto(f"{page.base}/#/p/{project}/node/{quote('N' + XSS, safe='')}")
    page.wait_for_function("(document.querySelector('#node-title')?.innerText || '').startsWith('New')")
    assert f"New{XSS} N{XSS}" in page.inner_text("#node-title")
    page.goto(f"{page.base}/#/p/{project}/chokepoints")
    page.wait_for_function("(document.querySelector('#table')?.innerText || '').includes('EUV')")
    assert f"EUV{XSS}" in page.inner_text("#table")
    page.goto(f"{page.base}/#/p/{project}/{quote(XSS, safe='')}")
    page.wait_for_function("document.querySelector('#main').innerText.includes('no such page')")
    assert page.evaluate("window.__xss") is None
    assert not dialogs
    shot(page, "12-markup-as-text")
