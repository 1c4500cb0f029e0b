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
    assert not re.search(r"url\((?!#)", doc)  # only the SVGs' own clip paths (url(#id))
    assert doc.count("<svg") >= 5  # chain map, levels, quadrant, country dependence, scenarios
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
