"""The project report for meetings (``chokepoint report``): HTML and PDF, Chinese and English.

Done-when of issue 21 for this report: the Chinese PDF's text holds the list titles in Chinese
and no internal field name; the HTML has no external URL; page images go to ``test-artifacts/``.
The PDF's text is read back with pdfium (pypdfium2), the same text a search in a viewer finds.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chokepoint.cli import app
from chokepoint.report.lists import LIST_TITLES

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
#: internal field names and codes that must never reach a reader
INTERNAL = re.compile(
    r"\b(restricted_share|key_enterprises|insufficient_data|single_country_stop|top1_country|"
    r"localization_upper|research_units|supporting_gaps|major_problems|watch_list)\b"
)


def font_installed() -> bool:
    from matplotlib import font_manager

    try:
        font_manager.findfont(
            font_manager.FontProperties(family="Noto Sans CJK SC"), fallback_to_default=False
        )
    except ValueError:
        return False
    return True


def test_embedded_font_subset_holds_the_documents_characters():
    """The subset embedded in an HTML report has a glyph for every character of the text it was
    made for (checked by reading the WOFF2 back with fontTools), and nothing of a character it
    was not asked for."""
    if not font_installed():
        pytest.skip("Noto Sans CJK is not installed (Debian: fonts-noto-cjk)")
    import base64
    import io

    from fontTools.ttLib import TTFont

    from chokepoint.report.html import font_faces

    faces = font_faces("卡脖子技术清单 EUV光刻机")
    data = re.findall(r"base64,([A-Za-z0-9+/=]+)", faces)
    assert len(data) == 2
    font = TTFont(io.BytesIO(base64.b64decode(data[0])))
    cmap = font.getBestCmap()
    assert all(ord(c) in cmap for c in "卡脖子技术清单EUV光刻机")
    assert ord("龙") not in cmap


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("report") / "r.db")
    result = CliRunner().invoke(app, ["demo", "--db", path])
    assert result.exit_code == 0, result.output
    return path


def report(db: str, out: Path, *args: str) -> Path:
    result = CliRunner().invoke(app, ["report", "-p", "semiconductors", "--out", str(out), "--db", db, *args])
    assert result.exit_code == 0, result.output
    return out


def test_chinese_pdf_is_searchable_has_the_list_titles_and_no_field_names(db, tmp_path):
    pdfium = pytest.importorskip("pypdfium2")
    pytest.importorskip("weasyprint")
    path = report(db, tmp_path / "report-zh.pdf")  # Chinese by default: the home economy is CHN
    pdf = pdfium.PdfDocument(str(path))
    text = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    for _en, zh, _s, _z in LIST_TITLES.values():
        assert zh in text
    assert "EUV光刻机" in text
    assert "产业链安全评估报告" in text
    assert not INTERNAL.search(text), INTERNAL.search(text)
    assert len(pdf) >= 6
    ARTIFACTS.mkdir(exist_ok=True)
    for i in range(min(len(pdf), 4)):
        pdf[i].render(scale=1.2).to_pil().save(ARTIFACTS / f"report-zh-page{i + 1}.png")


def test_english_html_is_standalone_and_complete(db, tmp_path):
    path = report(db, tmp_path / "report.html", "--lang", "en")
    doc = path.read_text(encoding="utf-8")
    for en, _zh, _s, _z in LIST_TITLES.values():
        assert en.replace("&", "&amp;") in doc
    # no request leaves the file: no src or href to another place, no @import, no url(...)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", doc)
    assert "@import" not in doc
    # only the SVGs' own clip paths (url(#id)) and the embedded fonts (url(data:font/woff2;...))
    assert not re.search(r"url\((?!#|data:font/woff2;base64,)", doc)
    assert doc.count("<svg") >= 5  # chain map, levels, quadrant, country dependence, scenarios
    if font_installed():  # the fonts travel with the file: regular and bold, subset to its text
        assert doc.count("@font-face") == 2
        assert "font-family: 'Noto Sans CJK SC'; font-weight: bold" in doc
    assert "Electronic design automation software" in doc
    assert "Method annex" in doc
    assert not INTERNAL.search(re.sub(r"<[^>]+>", " ", doc))


def test_markup_in_names_is_escaped(db, tmp_path):
    from chokepoint.store import Store

    store = Store(db)
    chain = store.chains.load("semiconductors")
    payload = '"><img src=x onerror=alert(1)>'
    nodes = chain.nodes.copy()
    nodes.loc[nodes["id"] == "N84", "name"] = f"EDA{payload}"  # the top chokepoint: in summary and lists
    store.chains.save(
        "markup",
        type(chain)(
            nodes=nodes, edges=chain.edges, actors=chain.actors, provisions=chain.provisions, meta=chain.meta
        ),
    )
    store.projects.set_perspective("markup", store.projects.get_perspective("semiconductors"))
    result = CliRunner().invoke(
        app, ["report", "-p", "markup", "--out", str(tmp_path / "m.html"), "--lang", "en", "--db", db]
    )
    assert result.exit_code == 0, result.output
    doc = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert "<img" not in doc
    assert "EDA&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in doc


def test_other_suffixes_are_refused(db, tmp_path):
    result = CliRunner().invoke(
        app, ["report", "-p", "semiconductors", "--out", str(tmp_path / "r.docx"), "--db", db]
    )
    assert result.exit_code != 0
    assert ".html or .pdf" in result.output


def pdf_text(path: Path) -> tuple[str, object]:
    pdfium = pytest.importorskip("pypdfium2")
    pdf = pdfium.PdfDocument(str(path))
    return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf))), pdf


def save_pages(pdf: object, stem: str, pages: int = 3) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for i in range(min(len(pdf), pages)):  # type: ignore[arg-type]
        pdf[i].render(scale=1.2).to_pil().save(ARTIFACTS / f"{stem}-page{i + 1}.png")  # type: ignore[index]


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_scenario_report_in_chinese_names_shocks_losses_and_what_is_left(db, tmp_path):
    """The NLD blockade of the demo chain: the headline's numbers are the run's (final value
    stopped 100%, the known-share loss of EUV tools 100% from ASML), every name is Chinese, the
    alternatives name the remaining providers by country in Chinese, and no field name shows."""
    pytest.importorskip("weasyprint")
    out = tmp_path / "nld-zh.pdf"
    args = ["scenario", "run", str(EXAMPLES / "nld-blockade.yaml"), "-p", "semiconductors", "--db", db]
    result = CliRunner().invoke(app, [*args, "--lang", "zh", "--out", str(out)])
    assert result.exit_code == 0, result.output
    doc = CliRunner().invoke(app, [*args, "--format", "json"])
    run = __import__("json").loads(doc.stdout)
    text, pdf = pdf_text(out)
    assert "断链模拟报告" in text
    assert "荷兰（NLD）断供100%" in text  # the shock in words, on the cover and in the headline
    assert f"最终产品价值因此受阻{run['final_value_lost']:.0%}" in text
    impacted = sum(1 for n in run["nodes"] if n["loss"] > 0.01)
    assert f"{impacted}个节点供给损失超过1%" in text
    assert "EUV光刻机：损失100%；原因：ASML <- 荷兰（NLD）断供" in text  # where the shock lands
    assert "i线光刻机 <- 荷兰（NLD）断供" in text  # a country's own provision: named once, by the shock
    assert "国家/地区" in text
    assert "企业" in text
    assert "日本" in text
    assert "Japan" not in text
    assert not INTERNAL.search(text), INTERNAL.search(text)
    assert not re.search(r"\b(provider|substitute|loss_upper|path_nodes|supply_availability)\b", text)
    save_pages(pdf, "scenario-zh")


def test_scenario_report_html_is_standalone_with_map_chart_and_annex(db, tmp_path):
    out = tmp_path / "mixed.html"
    result = CliRunner().invoke(
        app,
        ["scenario", "run", str(EXAMPLES / "mixed-shocks.yaml"), "-p", "semiconductors", "--db", db,
         "--out", str(out), "--top", "0"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = out.read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", doc)
    assert not re.search(r"url\((?!#|data:font/woff2;base64,)", doc)
    assert doc.count("<svg") == 2  # the chain map coloured by loss and the loss chart
    # every shock in words: a partial blockade limited to a node, an outage, a capacity loss
    assert "Japan (JPN) stops supplying for Photoresists (N31) (50%)" in doc
    assert "ASML (P88) stops supplying (100%)" in doc
    assert "Wafer (N26) loses 30% of its capacity" in doc
    assert "Method annex" in doc
    assert "ASML &lt;- ASML" not in doc  # a shocked enterprise is named once in a path


def monitored(db: str, tmp_path: Path) -> str:
    """A copy of the demo store after five monthly monitor runs: NAURA's inventory of tube
    diffusion tools runs down (alerts IV to I) and, in the last month, the EUV tools lose the
    home source they had gained (the level rises)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from backend import copy_store
    from chokepoint.model.chain import ChainMap
    from chokepoint.monitor.rules import RuleSet
    from chokepoint.service.monitoring import monitor_run, submit_observations
    from chokepoint.store import Store
    from test_monitor import RULES, euv_shared_with_home, rows

    path = str(tmp_path / "monitored.db")
    copy_store(db, path)
    store = Store(path)
    store.users.add("root", "admin", "root-pass-123")
    store.users.add("naura", "reporter", "naura-pass-123")
    store.users.bind("naura", "semiconductors", "P115")
    rules = [r.model_dump(mode="json") for r in RuleSet.model_validate(RULES).rules]
    store.rules.put("semiconductors", rules, "root")
    chain = store.chains.load("semiconductors")
    for month in (6, 7, 8, 9):
        submit_observations(store, "semiconductors", rows(month), "naura", as_of=f"2026-{month:02d}")
        if month == 6:
            update = ChainMap(nodes=None, edges=None, actors=None, provisions=euv_shared_with_home())
            store.chains.save("semiconductors", update, merge=True)
        if month == 9:
            store.chains.save("semiconductors", chain)
        monitor_run(store, "semiconductors", f"2026-{month:02d}")
    return path


def test_monitoring_brief_shows_open_alerts_by_level_and_what_got_worse(db, tmp_path):
    pytest.importorskip("weasyprint")
    path = monitored(db, tmp_path)
    from chokepoint.service.monitoring import list_alerts, monitor_diff
    from chokepoint.store import Store

    store = Store(path)
    snaps = store.alerts.snapshots("semiconductors")
    worse = monitor_diff(store, "semiconductors", snaps[-2]["id"], snaps[-1]["id"])
    worse = worse[worse["change"] == "worse"]
    assert "N20" in set(worse["id"])  # EUV tools: the home source is gone again
    unresolved = [a for a in list_alerts(store, "semiconductors") if a["status"] != "resolved"]
    out = tmp_path / "brief-zh.pdf"
    result = CliRunner().invoke(
        app, ["monitor", "brief", "-p", "semiconductors", "--out", str(out), "--db", path]
    )
    assert result.exit_code == 0, result.output
    text, pdf = pdf_text(out)
    assert "监测预警简报" in text
    assert f"未解决预警{len(unresolved)}条" in text
    assert f"{len(worse)}个节点卡脖子等级恶化" in text
    assert "EUV光刻机（N20） 低风险 红色（I级）" in text  # what got worse, by name, most severe first
    # NAURA's inventory fell from 20 to 10 days: its alert went from III (yellow) to II (orange)
    assert "等级升高1条" in text
    flat = re.sub(r"\s+", "", text)  # table cells wrap where the page width says
    assert "1黄色（III级）橙色（II级）北方华创供应的管式扩散及沉积设备（炉管）" in flat
    assert "库存天数为10天（2026-09报告期）" in flat
    assert f"快照{snaps[-1]['id']}" in text
    assert f"快照{snaps[-2]['id']}" in text
    assert not INTERNAL.search(text), INTERNAL.search(text)
    assert not re.search(r"\b(open|acknowledged|entity_name|message_zh)\b", text)
    save_pages(pdf, "brief-zh")

    html = tmp_path / "brief.html"
    result = CliRunner().invoke(
        app, ["monitor", "brief", "-p", "semiconductors", "--out", str(html), "--lang", "en", "--db", path]
    )
    assert result.exit_code == 0, result.output
    doc = html.read_text(encoding="utf-8")
    assert "Nodes at a worse chokepoint level" in doc
    assert "EUV lithography tools (N20)" in doc
    assert "Alerts raised to a more severe level" in doc
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", doc)


def test_monitoring_brief_before_any_run_says_how_to_start(db, tmp_path):
    out = tmp_path / "brief.html"
    result = CliRunner().invoke(
        app, ["monitor", "brief", "-p", "semiconductors", "--out", str(out), "--lang", "en", "--db", db]
    )
    assert result.exit_code == 0, result.output
    doc = out.read_text(encoding="utf-8")
    assert "no monitor run yet" in doc
    assert "chokepoint monitor run --project semiconductors" in doc
