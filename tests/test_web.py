"""Web UI in a real headless Chromium (Debian's, driven by Playwright).

Every page in English and Chinese, at desktop and at 390 px width; the chain map's lanes,
label sizes and overlaps and its highlighting; an analyst's journey (filters, scenarios over time,
sweeps, Monte Carlo, alerts, lists, tasks); challenges; a reporter's upload with one bad row;
markup in every kind of name, id and route. Screenshots go to ``test-artifacts/``. Each test
fails on a request that leaves the server, a console error, and a UI string asked for in a
language that has no translation for it (``window.__missing``).
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urljoin

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
from regions_fixture import LOCATIONS  # noqa: E402

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


def _seed_network(store: Store) -> None:
    """The web store as the national instance: a reviewed data set of four located Chinese firms
    (NAURA's report returned with a comment), a bundle received from an illustrative Shanghai
    instance, and an alert escalated from Shanghai to the nation.
    """
    from chokepoint.network.bundles import make_bundle, new_private_key, public_key_of
    from chokepoint.service import escalations, exchange, reporting
    from chokepoint.service.monitoring import submit_observations

    exchange.init_instance(store, "national", "CHN")
    store.users.add("sh-officer", "officer", "sh-officer-pw")
    reporting.set_unit(store, "sh-officer", "CN-SH")
    firms = ["P115", "P123", "P70", "P37"]
    reporting.put_data_set(store, "semi", {"name": "monthly", "title": "Monthly operations", "title_zh": "月度运行监测",
                                           "indicators": ["capacity_utilisation"], "enterprises": firms}, "admin")  # fmt: skip
    rows = pd.DataFrame({"indicator": "capacity_utilisation", "enterprise": firms[:3], "period": "2026-01",
                         "value": [0.72, 0.85, 0.64]})  # fmt: skip
    submit_observations(store, "semi", rows, "admin", as_of="2026-01")
    reporting.review(
        store,
        "semi",
        "monthly",
        [("P115", "2026-01", 1)],
        "return",
        "admin",
        "产能利用率与上月差异大，请核实",
    )
    key = new_private_key()
    exchange.register_peer(store, "shanghai", "sender", "CN-SH", public_key_of(key))
    payload = {"values": [{"data_set": "semi/monthly", "unit": "CN-SH", "enterprise": "P123", "period": "2026-01",
                           "indicator": "capacity_utilisation", "value": 0.85, "count": 1, "revision": 1}],
               "rates": [{"data_set": "semi/monthly", "unit": "CN-SH", "period": "2026-01", "expected": 3,
                          "submitted": 2, "on_time": 2, "approved": 2}],
               "chokepoints": [{"project": "semi", "node": n, "name": nm, "name_zh": z, "level": "I", "score": 0.96}
                               for n, nm, z in store.chains.load("semi").nodes.set_index("id").loc[["N84"], ["name", "name_zh"]]
                               .itertuples()]}  # fmt: skip
    exchange.receive(store, make_bundle("shanghai", "national", 1, "2026-02-01T00:00:00+00:00", "raw", "CN-SH",
                                        payload, key))  # fmt: skip
    store.users.add("bj-officer", "officer", "bj-officer-pw")
    reporting.set_unit(store, "bj-officer", "CN-BJ")
    alert = store.alerts.list("semi")[0]  # NAURA's (Beijing) low inventory
    escalations.escalate(
        store, "semi", int(alert["id"]), "bj-officer", "北京与上海共用的刻蚀设备供应链存在断供风险"
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
    from chokepoint.service import macro as macro_svc
    from chokepoint.service import materials as materials_svc
    from chokepoint.service import trade as trade_svc

    data = Path(__file__).parent / "data"
    macro_svc.load_dataset(store, "mrio", test=True)
    trade_svc.load_dataset(store, "wheat", data / "fao", "fao", crops="wheat")
    materials_svc.load_dataset(store, "rm", data / "materials")
    locations = db.parent / "locations.csv"  # illustrative: a handful of Chinese enterprises located
    pd.DataFrame({"actor": list(LOCATIONS), "location": list(LOCATIONS.values())}).to_csv(
        locations, index=False
    )
    from chokepoint.service.regions import locate_actors

    locate_actors(store, "semi", locations)
    _seed_network(store)
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


EXPECTED_4XX = re.compile(r"Failed to load resource: the server responded with a status of 4\d\d")


def _page(browser, server, width: int = 1400, lang: str = "en"):
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_init_script(f"localStorage.setItem('lang', '{lang}')")
    pg = context.new_page()
    pg.requests = []  # type: ignore[attr-defined]
    pg.errors = []  # type: ignore[attr-defined]
    pg.on("request", lambda r: pg.requests.append(r.url))
    # an API answer of 4xx is shown to the user (wrong password, bad row); the browser logs it as a
    # failed resource, which is not an error of the page. A 5xx or any script error is.
    pg.on(
        "console",
        lambda m: pg.errors.append(m.text) if m.type == "error" and not EXPECTED_4XX.match(m.text) else None,
    )
    pg.on("pageerror", lambda e: pg.errors.append(f"{e} at {(e.stack or '')[:600]}"))
    pg.base = server  # type: ignore[attr-defined]
    return context, pg


def _check_and_close(context, pg, server) -> None:
    outside = [u for u in pg.requests if not (u.startswith(server) or u.startswith("data:"))]
    missing = pg.evaluate("window.__missing || []") if not pg.is_closed() else []
    context.close()
    assert not outside, f"requests outside the server: {outside}"
    assert not pg.errors, f"console errors: {pg.errors}"
    assert not missing, f"UI strings without a translation: {sorted(set(missing))}"


@pytest.fixture
def page(browser, server):
    context, pg = _page(browser, server)
    yield pg
    _check_and_close(context, pg, server)


def shot(page, name: str, full: bool = False) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full)


def login(page, user: str, password: str) -> None:
    page.goto(f"{page.base}/#/login")
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("#login-button")
    page.wait_for_selector("#projects, #report-form")


def wait_until(page, expression: str, timeout: float = 15.0) -> None:
    """Poll ``expression`` in the page until it is truthy. (Playwright's ``wait_for_function``
    builds its predicate with ``eval``, which the app's Content-Security-Policy refuses, as it
    should; ``evaluate`` runs through the DevTools protocol, outside the page's CSP.)"""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(50)


def settle(page) -> None:
    """Wait until the page's requests are done and its charts are drawn."""
    page.wait_for_load_state("networkidle")
    wait_until(page, "!document.querySelector('main .loading')")
    page.wait_for_timeout(250)


#: every page an admin has, and one node page
PAGES = [
    "map",
    "chokepoints",
    "regions",
    "regions/CN-SH",
    "network",
    "node/N20",
    "scenario",
    "alerts",
    "monitoring",
    "report",
    "lists",
    "tasks",
    "challenges",
    "data",
    "admin",
]

#: visible text in Chinese that is one of the English UI strings: untranslated
UNTRANSLATED = """async () => {
  const { STRINGS } = await import('/static/js/i18n.js');
  const english = new Set(Object.entries(STRINGS.en).filter(([k, v]) => v.length > 3 && STRINGS.zh[k] !== v).map(([, v]) => v));
  const found = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const text = n.textContent.trim();
    if (text && english.has(text) && n.parentElement && n.parentElement.offsetParent !== null) found.push(text);
  }
  return found;
}"""


def test_both_languages_have_the_same_strings(page):
    page.goto(f"{page.base}/#/login")
    keys = page.evaluate("""async () => {
      const { STRINGS, VALUES } = await import('/static/js/i18n.js');
      const diff = (a, b) => Object.keys(a).filter((k) => !(k in b));
      const groups = Object.keys(VALUES.en).flatMap((g) => diff(VALUES.en[g], VALUES.zh[g] || {}).concat(diff(VALUES.zh[g] || {}, VALUES.en[g])).map((k) => `${g}.${k}`));
      return diff(STRINGS.en, STRINGS.zh).concat(diff(STRINGS.zh, STRINGS.en), groups);
    }""")
    assert keys == []


@pytest.mark.parametrize(("lang", "width"), [("en", 1400), ("zh", 1400), ("en", 390), ("zh", 390)])
def test_every_page_in_both_languages_and_at_phone_width(browser, server, lang, width):
    context, page = _page(browser, server, width, lang)
    try:
        login(page, "admin", "admin-pw")
        for view in PAGES:
            page.goto(f"{page.base}/#/p/semi/{view}")
            settle(page)
            text = page.inner_text("main")
            assert "There is no such page" not in text, view
            assert "没有这个页面" not in text, view
            if lang == "zh":
                assert page.evaluate(UNTRANSLATED) == [], view
            if width == 390:  # nothing wider than the phone: wide tables scroll inside their box
                overflow = page.evaluate("document.documentElement.scrollWidth")
                assert overflow <= width + 1, (view, overflow)
            shot(page, f"page-{view.replace('/', '-')}-{lang}-{width}", full=True)
        page.goto(f"{page.base}/docs")
        page.wait_for_selector(".swagger-ui .opblock", timeout=20000)
        shot(page, f"api-docs-{lang}-{width}")
    finally:
        _check_and_close(context, page, server)


def test_the_network_page_rates_review_exchange_and_escalations(browser, server):
    for lang in ("en", "zh"):
        context, page = _page(browser, server, 1400, lang)
        try:
            login(page, "admin", "admin-pw")
            page.goto(f"{page.base}/#/p/semi/network")
            page.wait_for_selector("#network-rates tbody tr")
            settle(page)
            rates = page.inner_text("#network-rates tbody")
            # four firms expected nationally; AMEC and SMEE submitted, NAURA's returned, SMIC nothing
            assert "CHN" in rates
            assert "50%" in rates
            late = page.inner_text("#late-table tbody")
            assert ("北方华创" if lang == "zh" else "NAURA") in late
            assert "产能利用率与上月差异大，请核实" in late
            assert page.inner_text("#network-peers tbody").count("shanghai") == 1
            assert "CN-BJ → CHN" in page.inner_text("#escalations tbody")
            eda = page.inner_text("#network-chokepoints tbody")
            assert "shanghai I" in eda
            assert ("EDA" in eda) if lang == "zh" else ("Electronic design automation" in eda)
            shot(page, f"network-{lang}", full=True)
        finally:
            _check_and_close(context, page, server)


def test_an_officer_escalates_an_alert_of_its_province_to_the_nation(page):
    login(page, "bj-officer", "bj-officer-pw")
    page.goto(f"{page.base}/#/p/semi/alerts")
    page.wait_for_selector("#alerts tbody tr")
    assert "NAURA" in page.inner_text("#alerts tbody")  # Beijing's own enterprise
    page.once("dialog", lambda d: d.accept("北京与上海共用供应商，需国家协调"))
    page.click("#alerts tbody tr button.escalate")
    page.wait_for_selector("#escalated")
    assert "CN-BJ" in page.inner_text("#escalated")
    assert "CHN" in page.inner_text("#escalated")
    page.goto(f"{page.base}/#/p/semi/network")
    page.wait_for_selector("#escalations tbody tr")
    assert "北京与上海共用供应商，需国家协调" in page.inner_text("#escalations tbody")


def test_the_region_page_shows_hosted_nodes_shares_and_the_dashboard(browser, server):
    for lang in ("en", "zh"):
        context, page = _page(browser, server, 1400, lang)
        try:
            login(page, "admin", "admin-pw")
            page.goto(f"{page.base}/#/p/semi/regions")
            settle(page)
            page.select_option("#region-pick", "CN-SH")
            wait_until(page, "document.querySelector('#region-nodes tbody tr') !== null")
            settle(page)
            rows = page.inner_text("#region-nodes tbody")
            amec = "中微公司" if lang == "zh" else "AMEC"
            assert amec in rows
            assert "14.6%" in rows
            masks = "光掩模（掩膜版）" if lang == "zh" else "Photomasks"
            assert f"{masks}\t≥0%\t100%" in rows  # SMIC's share unknown: a lower bound, the bound 100%
            summary = page.inner_text("#region-summary")
            assert ("长板 2" in summary) if lang == "zh" else ("strong in 2" in summary)
            assert page.inner_text("h1").startswith("上海市" if lang == "zh" else "Shanghai")
            assert page.query_selector("#region-chokepoints") is not None
            shot(page, f"region-CN-SH-{lang}", full=True)
        finally:
            _check_and_close(context, page, server)


def test_chain_map_lanes_readable_labels_and_highlight(page):
    login(page, "admin", "admin-pw")
    page.goto(f"{page.base}/#/p/semi/map")
    wait_until(page, "window.cyGraph && window.cyGraph.nodes('.item').length > 100")
    facts = page.evaluate("""() => {
      const cy = window.cyGraph;
      const items = cy.nodes('.item');
      const font = parseFloat(items[0].style('font-size')) * cy.zoom();
      const boxes = items.map((n) => n.boundingBox({ includeNodes: false, includeEdges: false, includeLabels: true }));
      let overlaps = [];
      for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i], b = boxes[j];
        if (a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2) overlaps.push([items[i].id(), items[j].id()]);
      }
      const lanes = cy.nodes('.lane').map((l) => l.data('label'));
      const inLane = items.filter((n) => {
        const lane = cy.nodes('.lane').filter((l) => { const b = l.boundingBox(); const p = n.position(); return p.y > b.y1 && p.y < b.y2; });
        return lane.length === 1;
      }).length;
      return { font, overlaps, lanes, inLane, items: items.length };
    }""")
    assert facts["font"] >= 10
    assert facts["overlaps"] == []
    assert facts["lanes"][:3] == ["Design", "Fabrication", "Assembly, testing, and packaging (ATP)"]
    assert facts["inLane"] == facts["items"]
    shot(page, "map-default-zoom")
    pos = page.evaluate(
        "(() => { const cy = window.cyGraph; cy.center(cy.$id('N20')); const p = cy.$id('N20').renderedPosition(); return [p.x, p.y]; })()"
    )
    box = page.locator("#cy").bounding_box()
    page.mouse.click(box["x"] + pos[0], box["y"] + pos[1])
    page.wait_for_selector("#panel-title")
    assert page.inner_text("#panel-title") == "EUV lithography tools"
    marks = page.evaluate("""() => { const cy = window.cyGraph; return {
      up: cy.nodes('.item.up').map((n) => n.id()), down: cy.nodes('.item.down').map((n) => n.id()),
      focus: cy.nodes('.focus').map((n) => n.id()), faded: cy.nodes('.item.faded').length }; }""")
    assert marks["focus"] == ["N20"]
    # downstream: lithography tools, photolithography, ... the finished chip; upstream: its inputs
    assert {"N19", "N25", "N99"} <= set(marks["down"])
    assert "N20" not in marks["up"] + marks["down"]
    assert marks["faded"] > 50
    shot(page, "map-highlight-euv")
    page.select_option("#map-shock", "NLD")
    wait_until(page, "document.querySelector('#overlay-note').innerText.length > 0")
    assert page.evaluate("window.cyGraph.edges('.path').length") >= 3
    assert "ASML" in page.inner_text("#overlay-note")
    shot(page, "map-overlay-nld")
    page.click("#panel-open")
    page.wait_for_selector("#node-title")
    assert "EUV lithography tools" in page.inner_text("#node-title")


def test_analyst_journey(page):
    login(page, "admin", "admin-pw")
    page.goto(f"{page.base}/#/p/semi/chokepoints")
    page.wait_for_selector("#table")
    page.fill(".table-filter", "litho")
    # folded: the category row names its members, so a search finds the member in its category
    assert "Lithography tools (10 members)" in page.inner_text("#table")
    assert "EUV lithography tools" in page.inner_text("#table")
    page.uncheck("#fold-groups")
    assert page.locator("#table a:text-is('EUV lithography tools')").count() == 1
    page.click("#nav-scenario")
    page.wait_for_selector("#shocks tr")
    page.click("#add-shock")
    second = page.locator("#shocks tr").nth(1)
    second.locator("select.type").select_option("outage")
    second.locator("select.target").select_option("P105")  # Tokyo Electron
    second.locator("input.depth").fill("50")
    page.click("#run-scenario")
    page.wait_for_selector("#impacted")
    assert "NLD" in page.inner_text("#impacted")
    page.fill("#days", "120")
    page.click("#run-dynamics")
    page.wait_for_selector("#dynamics")
    page.wait_for_selector("#loss-curves svg")  # the chart draws after the table (a loaded machine: later)
    assert page.locator("#loss-curves svg").count() == 1
    page.click("#run-sweep")
    page.wait_for_selector("#sweep", timeout=60000)
    assert "Netherlands" in page.inner_text("#sweep")
    page.fill("#mc-runs", "40")
    page.click("#run-mc")
    page.wait_for_selector("#mc-summary", timeout=60000)
    assert "95% value-at-risk" in page.inner_text("#mc-summary")
    shot(page, "journey-montecarlo", full=True)
    page.fill("#scenario-name", "nld-and-tel")
    page.click("#save-scenario")
    page.wait_for_selector("#saved a:text('nld-and-tel')")
    # saving moves to the saved scenario's page, which loads it again: its two shocks come back
    wait_until(page, "document.querySelectorAll('#shocks tr').length === 2")
    assert page.locator("#shocks tr").count() == 2
    page.click("#nav-alerts")
    page.wait_for_selector("#alerts button.ack")
    page.click("#alerts button.ack")
    page.wait_for_selector("#alerts td.status:text('acknowledged')")
    # the link as the browser follows it: the session's cookie goes along
    brief = page.request.get(urljoin(page.url, page.get_attribute("#brief-pdf", "href")))
    assert brief.status == 200, brief.text()[:300]
    assert brief.headers["content-type"] == "application/pdf"
    assert brief.body().startswith(b"%PDF")
    page.click("#lang")
    page.wait_for_selector("#nav-alerts:text('预警')")
    page.click("#nav-lists")
    page.wait_for_selector("#download")
    assert "format=pdf&lang=zh" in page.get_attribute("#report-pdf", "href")
    assert page.inner_text("#report-pdf") == "项目报告（PDF）"
    lists_text = page.inner_text("main")
    assert "卡脖子技术清单" in lists_text
    assert "Chokepoint technology list" in lists_text  # the other language's title beside it
    assert "key_enterprises" not in lists_text
    assert "restricted_share" not in lists_text
    page.click("#nav-tasks")
    page.wait_for_selector("#tasks-refresh")
    page.click("#tasks-refresh")
    page.wait_for_selector("#tasks select.task-status")
    page.locator("#tasks select.task-status").first.select_option("active")
    page.wait_for_selector("#task-msg .ok")
    assert "进行中" in page.inner_text("#task-msg")
    page.click("#lang")


def test_wrong_password_says_so(page):
    page.goto(f"{page.base}/#/login")
    page.fill("#username", "admin")
    page.fill("#password", "wrong")
    page.click("#login-button")
    page.wait_for_selector("#login-error:text('Wrong user name or password.')")


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
    # the blockading side is never recommended by default (ASML is Dutch, restricted for CHN)
    assert page.locator("#match-table tbody tr").count() >= 5
    assert "ASML" not in table
    assert "EUV光刻机光源攻关" in page.inner_text("#challenges")
    page.check("#include-restricted")  # then they come, flagged, after every other candidate
    wait_until(page, "document.querySelector('#match-table').innerText.includes('/ ') || true")
    standing = page.locator("#match-table th", has_text="Standing")
    page.wait_for_timeout(500)
    standing.click()
    standing.click()  # descending: restricted first
    wait_until(page, "document.querySelector('#match-table tbody tr').innerText.includes('restricted')")
    shot(page, "challenges")
    page.fill("#ch-title", "bad")
    page.fill("#ch-nodes", "N999")
    page.click("#ch-publish")
    page.wait_for_selector("#ch-error:has-text('N999')")
    # the node's page shows what is under way on it: the challenge, with its status
    page.goto(f"{page.base}/#/p/semi/node/N20")
    page.wait_for_selector("#node-title")
    wait_until(page, "document.querySelector('main').innerText.includes('EUV光刻机光源攻关')")
    line = page.locator("main p", has_text="EUV光刻机光源攻关").first.inner_text()
    assert line.endswith("published")


def test_reporter_sees_only_reporting_and_the_bad_row(page, tmp_path):
    login(page, "naura", "naura-pw")
    page.wait_for_selector("#upload-form")
    nav = page.inner_text("#nav")
    assert "Reporting" in nav
    assert "Chain map" not in nav
    assert "Administration" not in nav
    page.goto(f"{page.base}/#/p/semi/chokepoints")  # not for reporters: their reporting page instead
    page.wait_for_selector("#upload-form")
    template = page.request.get(f"{page.base}/api/projects/semi/observations/template")
    assert template.status == 200
    assert template.body()[:2] == b"PK"  # an xlsx workbook
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
    shot(page, "report-error")
    returned = page.inner_text("#data-reports tbody")  # the reviewer's word reaches the enterprise
    assert "returned" in returned
    assert "产能利用率与上月差异大，请核实" in returned
    assert "was returned for correction" in page.inner_text("#notifications tbody")


def test_markup_in_names_ids_and_routes_shows_as_text_and_never_runs(page):
    """Stored XSS: a project name, a node id, node and enterprise names carrying markup; and a
    crafted route. Every page of that project renders them as text; no script runs, no dialog
    opens; an unknown page says so instead of failing."""
    from urllib.parse import quote

    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    login(page, "admin", "admin-pw")
    assert XSS_PROJECT in page.inner_text("#projects")
    project = quote(XSS_PROJECT, safe="")
    for view in [*PAGES, f"node/{quote('N' + XSS, safe='')}"]:
        page.goto(f"{page.base}/#/p/{project}/{view}")
        settle(page)
        assert page.evaluate("window.__xss") is None, view
    page.goto(f"{page.base}/#/p/{project}/node/{quote('N' + XSS, safe='')}")
    wait_until(page, "(document.querySelector('#node-title')?.innerText || '').startsWith('New')")
    assert f"New{XSS} N{XSS}" in page.inner_text("#node-title")
    page.goto(f"{page.base}/#/p/{project}/chokepoints")
    page.wait_for_selector("#table")
    page.fill(".table-filter", "EUV")
    assert f"EUV{XSS}" in page.inner_text("#table")
    page.goto(f"{page.base}/#/p/{project}/map")
    wait_until(page, "window.cyGraph && window.cyGraph.nodes('.item').length > 100")
    page.fill("#map-search", f"New{XSS}")
    page.dispatch_event("#map-search", "change")
    page.wait_for_selector("#panel-title")
    assert page.inner_text("#panel-title") == f"New{XSS}"
    page.goto(f"{page.base}/#/p/{project}/{quote(XSS, safe='')}")
    wait_until(page, "document.querySelector('#main').innerText.includes('no such page')")
    assert page.evaluate("window.__xss") is None
    assert not dialogs
    shot(page, "markup-as-text")


def test_data_views_experts_and_admin_downloads(page, tmp_path):
    from io import BytesIO

    from openpyxl import load_workbook

    login(page, "admin", "admin-pw")
    page.goto(f"{page.base}/#/p/semi/data")
    page.wait_for_selector("#materials-show")
    page.click("#materials-show")
    page.wait_for_selector("#materials-table")
    assert "Import reliance" in page.inner_text("#materials-table")
    page.select_option("#macro-view", "linkages")
    page.click("#macro-show")
    page.wait_for_selector("#macro-table")
    assert "Backward linkage" in page.inner_text("#macro-table")
    page.click("#macro-dataset ~ details summary, details summary")
    page.click("#shock-run")
    page.wait_for_selector("#shock-table")
    assert "Economic loss" in page.inner_text("#shock-loss")
    shot(page, "data-shock", full=True)
    page.click("text=Build a chain project from this dataset")
    page.fill("#materials-chain-project", "minerals")
    page.fill("#materials-chain-home", "CHN")
    page.click("#materials-chain-run")
    page.wait_for_selector("#materials-chain-ok a")
    page.click("#materials-chain-ok a")
    wait_until(page, "window.cyGraph && window.cyGraph.nodes('.item').length > 10")
    # expert scores: download the sheet, fill one score, import it, read the median back
    page.goto(f"{page.base}/#/p/semi/experts")
    page.wait_for_selector("#experts-form")
    sheet = page.request.get(f"{page.base}/api/projects/semi/experts/template?lang=en")
    wb = load_workbook(BytesIO(sheet.body()))
    ws = wb["scores"]
    ws["B1"], ws["B2"] = "Dr. Li", "CAS Institute of Microelectronics"
    row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == "N20")
    ws.cell(row, 5).value = 5  # gap 5 of 5 for EUV lithography tools
    path = tmp_path / "li.xlsx"
    wb.save(path)
    page.set_input_files("#experts-files", str(path))
    page.click("#experts-upload")
    page.wait_for_selector("#experts-msg .ok")
    assert "EUV lithography tools" in page.inner_text("#experts-summary")
    page.goto(f"{page.base}/#/p/semi/admin")
    page.wait_for_selector("#export-json")
    for link_id in ("export-json", "export-xlsx", "blank-template"):
        href = page.get_attribute(f"#{link_id}", "href")
        assert page.request.get(f"{page.base}{href}").status == 200, link_id
    users = page.inner_text("#users tbody")
    assert "CN-SH" in users  # the Shanghai officer's organisation unit
    page.once("dialog", lambda d: d.accept("CN-ZJ"))
    page.click("#users tbody tr:has-text('bj-officer') button:has-text('Set unit')")
    wait_until(page, "document.querySelector('#users tbody').innerText.includes('CN-ZJ')")
