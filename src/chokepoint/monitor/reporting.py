r"""Reporting cycles (联网直报): data sets, the state of each report, deadlines, and the
completeness (上报率) and timeliness (及时率) of each unit and period.

A *data set* names the indicators a set of enterprises report each month and the review they
pass before they count. A *report* is one enterprise's data-set values for one period; its state:

* ``partial``: some of the data set's indicators reported, not all;
* ``submitted``: every indicator reported, waiting for review;
* ``queried`` (查询): a reviewer asked a question (the comment); it stays submitted;
* ``returned`` (退回): given back for correction with a comment; not submitted until sent again;
* ``approved`` (审核通过): reviewed at the data set's level; only now do its values count in
  assessments and rules (:func:`held_back`). A revision after approval reopens review.

Rates, as China's statistical direct-reporting platform defines them (统计联网直报):

.. math::

    \text{completeness} = \frac{\#\,\text{submitted}}{\#\,\text{expected}}, \qquad
    \text{timeliness} = \frac{\#\,\text{first submitted by the deadline and still submitted}}
    {\#\,\text{expected}}

where *expected* are the data set's enterprises located in the unit (the national unit: all of
them, located or not) and *submitted* the reports in state submitted, queried or approved. A
period's deadline is the data set's ``deadline_day`` of the next month, at the end of that day in
Beijing time (UTC+08:00).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd

from chokepoint.errors import UsageError

STATES = ("partial", "submitted", "queried", "returned", "approved")
#: the states a report counts as submitted in (completeness)
SUBMITTED = frozenset({"submitted", "queried", "approved"})
#: a review action and the state it leaves the report in
REVIEW_ACTIONS = {"approve": "approved", "query": "queried", "return": "returned"}
#: a review action and the states it may act on
REVIEWABLE = {
    "approve": frozenset({"submitted", "queried"}),
    "query": frozenset({"submitted"}),
    "return": frozenset({"submitted", "queried", "approved"}),
}
#: unit levels, top down (the national unit is a country code; below, region levels)
UNIT_LEVELS = ("national", "province", "city", "district", "park")
#: review levels of a data set: the level whose officers (or any above) approve; none: no review
REVIEW_LEVELS = ("none", *UNIT_LEVELS)
PERIOD_TYPES = ("month",)
#: deadlines are the end of a day in Beijing time
DEADLINE_TZ = timezone(timedelta(hours=8))
_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}"


@dataclass(frozen=True)
class DataSet:
    """What a set of enterprises reports each period, by when, and who reviews it.

    Attributes
    ----------
    name : str
        The data set's id (letters, digits, ``_.-``; 1-80 characters).
    indicators : tuple of str
        Catalogue indicators of entity type ``enterprise`` or ``node_enterprise``.
    enterprises : tuple of str
        Actor ids of the project (enterprises or institutions) expected to report.
    period_type : str
        ``month`` (the periods are the catalogue's months ``YYYY-MM``).
    deadline_day : int
        The day (1-28) of the month after the period by which the report is due.
    review_level : str
        The unit level whose officers approve (:data:`REVIEW_LEVELS`); ``none``: values count
        when submitted.
    title, title_zh : str
        What the data set is called in English and Chinese.
    """

    name: str
    indicators: tuple[str, ...]
    enterprises: tuple[str, ...]
    period_type: str = "month"
    deadline_day: int = 10
    review_level: str = "province"
    title: str = ""
    title_zh: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The data set as JSON-ready data (lists for the tuples)."""
        body = asdict(self)
        body.pop("extra")
        body["indicators"], body["enterprises"] = list(self.indicators), list(self.enterprises)
        return body


def data_set_of(body: Mapping[str, Any]) -> DataSet:
    """A stored data set's :class:`DataSet` (checked when it was stored: not checked again, so a
    chain edit that removes an enterprise leaves the data set readable; its reports stay).
    """
    return DataSet(
        name=str(body["name"]),
        indicators=tuple(body["indicators"]),
        enterprises=tuple(body["enterprises"]),
        period_type=str(body.get("period_type", "month")),
        deadline_day=int(body.get("deadline_day", 10)),
        review_level=str(body.get("review_level", "province")),
        title=str(body.get("title", "")),
        title_zh=str(body.get("title_zh", "")),
    )


def check_data_set(
    body: Mapping[str, Any],
    entity_types: Mapping[str, str],
    actors: Mapping[str, str],
) -> DataSet:
    """A :class:`DataSet` from ``body``, every problem reported at once.

    Parameters
    ----------
    body : mapping
        ``name, indicators, enterprises`` and optionally the other fields of :class:`DataSet`.
    entity_types : mapping
        The catalogue: indicator → entity type.
    actors : mapping
        The project's actors: id → kind.

    Raises
    ------
    UsageError
        Naming each problem: a bad name, an unknown or non-enterprise indicator, an unknown
        actor or one that is a country, a deadline day outside 1-28, an unknown level.
    """
    import re

    problems: list[str] = []
    name = str(body.get("name", ""))
    if not re.fullmatch(_NAME, name):
        problems.append(f"name {name!r}: 1-80 letters, digits or _.- (starting with a letter or digit)")
    indicators = tuple(dict.fromkeys(str(i) for i in body.get("indicators") or ()))
    enterprises = tuple(dict.fromkeys(str(a) for a in body.get("enterprises") or ()))
    if not indicators:
        problems.append("indicators: name at least one catalogue indicator")
    for i in indicators:
        kind = entity_types.get(i)
        if kind is None:
            problems.append(f"indicator {i!r} is not in the catalogue (`chokepoint indicators`)")
        elif kind not in ("enterprise", "node_enterprise"):
            problems.append(f"indicator {i!r} is reported per {kind}, not by an enterprise")
    if not enterprises:
        problems.append("enterprises: name at least one actor of the project")
    unknown = [a for a in enterprises if a not in actors]
    if unknown:
        problems.append(f"enterprises {', '.join(map(repr, unknown[:10]))} are not actors of the project")
    bad_kind = [a for a in enterprises if actors.get(a) in ("country", "region")]
    if bad_kind:
        problems.append(f"{', '.join(map(repr, bad_kind[:10]))} are countries or regions, not reporters")
    period_type = str(body.get("period_type", "month"))
    if period_type not in PERIOD_TYPES:
        problems.append(f"period_type {period_type!r}: only month (the catalogue's periods are months)")
    try:
        day = int(body.get("deadline_day", 10))
    except (TypeError, ValueError):
        day = 0
    if not 1 <= day <= 28:
        problems.append("deadline_day: a day of the next month from 1 to 28")
    level = str(body.get("review_level", "province"))
    if level not in REVIEW_LEVELS:
        problems.append(f"review_level {level!r}: one of {', '.join(REVIEW_LEVELS)}")
    if problems:
        raise UsageError("the data set is not valid: " + "; ".join(problems))
    return DataSet(
        name=name,
        indicators=indicators,
        enterprises=enterprises,
        period_type=period_type,
        deadline_day=day,
        review_level=level,
        title=str(body.get("title", "")),
        title_zh=str(body.get("title_zh", "")),
    )


def deadline_of(period: str, deadline_day: int) -> datetime:
    """The instant (UTC) from which a report of month ``period`` is late: the end of
    ``deadline_day`` of the next month in Beijing time (a report is on time strictly before it).

    Examples
    --------
    >>> deadline_of("2026-12", 10).isoformat()
    '2027-01-10T16:00:00+00:00'
    """
    start = pd.Period(period, freq="M") + 1
    local = datetime(start.year, start.month, deadline_day, tzinfo=DEADLINE_TZ) + timedelta(days=1)
    return local.astimezone(UTC)


def unit_level(unit: str, region_levels: Mapping[str, str]) -> str:
    """The level of an organisation unit: ``national`` for a country code (``CHN``),
    ``province`` for an ISO 3166-2 code (``CN-ZJ``), else the region table's level.

    Raises
    ------
    UsageError
        For a code below a province that the region table does not hold.
    """
    if "-" not in unit:
        return "national"
    if unit.count("-") == 1:
        return "province"
    if unit not in region_levels:
        raise UsageError(f"{unit!r} is not a region of the region table; import it first (`region import`)")
    return region_levels[unit]


def in_unit(locations: pd.Series, unit: str) -> np.ndarray:
    """Whether each location lies in ``unit``: every location (blank included) for a national
    unit (a country code), else the location is the unit or below it.
    """
    s = locations.fillna("").astype(str)
    if "-" not in unit:
        return np.ones(len(s), dtype=bool)
    return ((s == unit) | s.str.startswith(unit + "-")).to_numpy()


def report_state(present: int, needed: int, current: str | None, changed: bool) -> str:
    """The state of a report after a submission: ``partial`` or ``submitted`` by how many of the
    data set's indicators are now reported; an approved report stays approved when nothing
    changed; a changed approved report, or a returned or queried one sent again, is submitted.
    """
    if present < needed:
        return "partial"
    if current == "approved" and not changed:
        return "approved"
    return "submitted"


RATE_COLUMNS = [
    "unit", "period", "deadline", "expected", "submitted", "on_time", "approved", "returned",
    "late", "completeness", "timeliness",
]  # fmt: skip


def report_rates(
    enterprises: pd.DataFrame,
    reports: pd.DataFrame,
    units: Collection[str],
    periods: Collection[str],
    deadline_day: int,
    now: datetime,
) -> pd.DataFrame:
    """Completeness and timeliness of each unit and period (see the module's formulas).

    Parameters
    ----------
    enterprises : DataFrame
        The data set's enterprises: columns ``enterprise, location`` (blank: unlocated).
    reports : DataFrame
        Columns ``enterprise, period, state, first_submitted_at`` (UTC timestamps).
    units, periods : collection of str
        The units (country or region codes) and months to rate.
    deadline_day : int
        The data set's deadline day.
    now : datetime
        The current instant: a report is ``late`` when the deadline has passed without it.

    Returns
    -------
    DataFrame
        :data:`RATE_COLUMNS`; rates are NaN for a unit expecting no report.
    """
    rows = []
    rep = reports.set_index(["enterprise", "period"]) if len(reports) else None
    for unit in units:
        members = enterprises.loc[in_unit(enterprises["location"], unit), "enterprise"]
        for period in periods:
            due = deadline_of(period, deadline_day)
            if rep is not None and len(members):
                key = pd.MultiIndex.from_arrays([members, [period] * len(members)])
                got = rep.reindex(key)
                state = got["state"].fillna("").to_numpy(dtype=str)
                first = pd.to_datetime(got["first_submitted_at"], utc=True)
            else:
                state = np.array([""] * len(members), dtype=str)
                first = pd.Series(pd.NaT, index=range(len(members)), dtype="datetime64[ns, UTC]")
            submitted = np.isin(state, list(SUBMITTED))
            on_time = submitted & (first < pd.Timestamp(due)).to_numpy(dtype=bool)  # before the day ends
            expected = len(members)
            rows.append(
                {
                    "unit": unit,
                    "period": period,
                    "deadline": due.isoformat(timespec="seconds"),
                    "expected": expected,
                    "submitted": int(submitted.sum()),
                    "on_time": int(on_time.sum()),
                    "approved": int((state == "approved").sum()),
                    "returned": int((state == "returned").sum()),
                    "late": int((~submitted).sum()) if now >= due else 0,
                    "completeness": submitted.sum() / expected if expected else np.nan,
                    "timeliness": on_time.sum() / expected if expected else np.nan,
                }
            )
    return pd.DataFrame(rows, columns=RATE_COLUMNS)


def held_back(values: pd.DataFrame, data_sets: Collection[DataSet], reports: pd.DataFrame) -> np.ndarray:
    """Which reported values do not count yet: those a reviewed data set covers (its indicator,
    one of its enterprises) whose report for the period is not approved.

    Parameters
    ----------
    values : DataFrame
        Columns ``indicator, entity_type, entity, period`` (an enterprise value's entity is the
        actor, a node × enterprise value's ``N|actor``).
    data_sets : collection of DataSet
        The project's data sets.
    reports : DataFrame
        Columns ``data_set, enterprise, period, state``.

    Returns
    -------
    ndarray of bool
        One flag per value: True for a value held back.
    """
    held = np.zeros(len(values), dtype=bool)
    if not len(values):
        return held
    actor = values["entity"].astype(str).str.split("|").str[-1].to_numpy()
    enterprise_value = values["entity_type"].isin(["enterprise", "node_enterprise"]).to_numpy()
    key = pd.MultiIndex.from_arrays([actor, values["period"].astype(str).to_numpy()])
    ok = reports[reports["state"] == "approved"] if len(reports) else reports
    for ds in data_sets:
        if ds.review_level == "none":
            continue
        covered = (
            enterprise_value
            & values["indicator"].isin(ds.indicators).to_numpy()
            & np.isin(actor, ds.enterprises)
        )
        if not covered.any():
            continue
        mine = ok[ok["data_set"] == ds.name] if len(ok) else ok
        approved = (
            pd.MultiIndex.from_arrays(
                [mine["enterprise"].astype(str).to_numpy(), mine["period"].astype(str).to_numpy()]
            )
            if len(mine)
            else pd.MultiIndex.from_arrays([[], []])
        )
        held |= covered & ~key.isin(approved)
    return held
