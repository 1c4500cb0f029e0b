"""Chinese output is complete: every enum value an output can take has a Chinese form.

The test walks the values each enum column of the lists can take (from the code's own
enumerations), then reads a Chinese workbook cell by cell: no ASCII enum value may remain outside
the id, code and proper-name columns.
"""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook

from chokepoint.assess import Perspective, assess
from chokepoint.assess.score import LEVEL_ZH, QUADRANTS
from chokepoint.assess.supply import CLASS_NAMES
from chokepoint.datasets import load_semiconductors
from chokepoint.lists import policy_lists
from chokepoint.lists.build import MAJOR_PROBLEM_KINDS
from chokepoint.report.lists import HEADERS, write_lists
from chokepoint.vocabulary import BOOLEAN_COLUMNS, display_value

CJK = re.compile(r"[\u4e00-\u9fff]")
CHINA = Perspective.from_codes("CHN", "USA,JPN,NLD,KOR,TWN")


def _every_enum_value() -> list[tuple[str, object]]:
    from chokepoint.store.tasks import TaskRepository

    values: list[tuple[str, object]] = []
    values += [("level", v) for v in LEVEL_ZH]
    values += [("quadrant", v) for v in [*QUADRANTS, "insufficient_data"]]
    values += [("standing", v) for v in CLASS_NAMES]
    values += [("kind", v) for v in MAJOR_PROBLEM_KINDS]
    values += [("unit_kind", v) for v in ("enterprise", "institution")]
    values += [("relation", v) for v in ("direct", "related")]
    values += [
        ("status", v) for v in (*TaskRepository.STATUSES, "not stored", "open", "acknowledged", "resolved")
    ]
    values += [(c, b) for c in sorted(BOOLEAN_COLUMNS) for b in (True, False)]
    return values


@pytest.mark.parametrize(("column", "value"), _every_enum_value())
def test_every_enum_value_has_a_chinese_form(column, value):
    shown = display_value(column, value, "zh")
    assert isinstance(shown, str), (column, value, shown)
    assert CJK.search(shown), (column, value, shown)
    assert display_value(column, value, "en") != shown


def test_every_list_header_is_translated():
    lists = policy_lists(assess(load_semiconductors(), CHINA), "zh")
    for name, df in lists.tables.items():
        for c in df.columns:
            assert c in HEADERS, (name, c)
            assert CJK.search(HEADERS[c][1]), (name, c)


# columns whose values are ids, codes, numbers or proper names (English is right there)
FREE = {
    "编号",
    "名称（英文）",
    "国家/地区",
    "领先国家",
    "领先企业",
    "节点",
    "卡脖子节点",
    "任务编号",
    "牵头单位编号",
}
FREE |= {"牵头单位", "参与单位", "上游核心关联企业", "下游核心关联企业"}
ENUM_LIKE = re.compile(r"^[a-z][a-z_ ]*$|^(True|False)$")


def test_chinese_workbook_has_no_ascii_enum_value(tmp_path):
    lists = policy_lists(assess(load_semiconductors(), CHINA), "zh")
    (path,) = write_lists(lists, tmp_path / "zh.xlsx", "zh")
    wb = load_workbook(path)
    bad = []
    for ws in wb.worksheets[1:]:
        rows = list(ws.iter_rows(values_only=True))
        header = rows[0]
        for r in rows[1:]:
            for h, v in zip(header, r, strict=True):
                if h in FREE or not isinstance(v, str):
                    continue
                if ENUM_LIKE.match(v):
                    bad.append((ws.title, h, v))
    assert not bad, bad[:10]
    cover = [c.value for row in wb.worksheets[0].iter_rows() for c in row if isinstance(c.value, str)]
    assert not [v for v in cover if ENUM_LIKE.match(v)]
