"""Parity cases: expert judgement (专家打分): the scores and the panel's aggregate.

The setup writes the expert template of project ``semi`` and imports two experts' filled sheets
(through the service), so that a node has two scores (median between them), a node one, and a
field is left blank by one expert.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chokepoint.io.expert_sheets import HEADER_ROW, column_key
from parity import Case


def fill_sheet(
    template: Path,
    out: Path,
    expert: str | None,
    scores: Mapping[str, Mapping[str, Any]],
    organization: str = "",
) -> Path:
    """Fill a copy of an expert template with openpyxl: name, organization and scores by node id
    (a node not in the template gets a new row at the end)."""
    from openpyxl import load_workbook

    wb = load_workbook(template)
    ws = wb["scores"]
    ws["B1"] = expert
    ws["B2"] = organization
    header = [column_key(str(c.value or "")) for c in ws[HEADER_ROW]]
    row_of = {ws.cell(row=r, column=1).value: r for r in range(HEADER_ROW + 1, ws.max_row + 1)}
    for node, values in scores.items():
        r = row_of.get(node)
        if r is None:
            r = ws.max_row + 1
            ws.cell(row=r, column=1, value=node)
        for field, value in values.items():
            ws.cell(row=r, column=header.index(field) + 1, value=value)
    wb.save(out)
    return out


PANEL = {
    "Wang Wei": {
        "N20": {"gap": 5, "threshold": 5, "substitutability": 1, "gap_years": 12, "comment": "光源"},
        "N44": {"gap": 2, "threshold": 3},
    },
    "Li Na": {
        "N20": {"gap": 4, "threshold": 5, "substitutability": 2, "gap_years": 8},
        "N1": {"gap": 3, "substitutability": 4},
    },
}


def setup(env: dict[str, Any]) -> None:
    from chokepoint.service import experts

    store, folder = env["store"], env["folder"]
    template = experts.write_template(store, "semi", folder / "experts-template.xlsx", "zh")
    sheets = [
        fill_sheet(template, folder / f"expert-{i}.xlsx", name, scores, organization="CAS")
        for i, (name, scores) in enumerate(PANEL.items())
    ]
    experts.import_sheets(store, "semi", sheets, "admin")


EXPERTS = "/api/projects/semi/experts"

CASES = [
    Case("experts list", ["experts", "list", "-p", "semi"], "GET", EXPERTS),
    Case("experts summary", ["experts", "summary", "-p", "semi"], "GET", EXPERTS + "/summary"),
]
