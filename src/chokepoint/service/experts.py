"""Expert judgement (专家打分): scoring sheets, their import, the panel's scores and aggregate.

The use cases of ``chokepoint experts template|import|list|summary`` and of the API's
``/projects/{project}/experts`` routes. The sheets are read by
:mod:`chokepoint.io.expert_sheets`, aggregated by the pure
:func:`chokepoint.assess.expert.aggregate_expert_scores`, stored by ``store.experts``. The
assessment takes :func:`expert_evidence` (``assess(..., experts=frame)``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from chokepoint.assess.expert import AGGREGATE_COLUMNS, aggregate_expert_scores, assessable_mask
from chokepoint.errors import Problem, ReportRejectedError, UsageError
from chokepoint.io.expert_sheets import read_expert_sheet, write_expert_template
from chokepoint.store import Store

#: The columns of :func:`expert_summary`, in order.
SUMMARY_COLUMNS = ["node", "name", "name_zh", *AGGREGATE_COLUMNS]


def write_template(store: Store, project: str, out: str | os.PathLike[str], lang: str = "zh") -> Path:
    """Write the project's expert scoring workbook (its assessable technologies) to ``out``.

    Parameters
    ----------
    store : Store
        The store.
    project : str
        The project.
    out : path
        The workbook to write (``.xlsx``).
    lang : {"zh", "en"}
        Language of the labels and stage names.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    UsageError
        When ``out`` is not ``.xlsx`` or ``lang`` is neither ``zh`` nor ``en``.
    ProjectNotFoundError
        When there is no such project.
    """
    if Path(out).suffix.lower() != ".xlsx":
        raise UsageError(f"cannot write {Path(out).name}: the expert sheet is a .xlsx workbook")
    return write_expert_template(store.chains.load(project), out, lang)


def import_sheets(
    store: Store, project: str, paths: Sequence[str | os.PathLike[str]], user: str = "cli"
) -> dict[str, Any]:
    """Read filled expert sheets, check them and store them: all of them or none.

    Every sheet is read (:func:`chokepoint.io.expert_sheets.read_expert_sheet`) and every node
    id is checked against the project's chain: it must be a node, and an assessable one (a
    leaf of the ``type_of`` taxonomy, no stage). An expert may appear in one sheet of a batch
    only. When any sheet has any problem nothing is stored; otherwise each expert's scores
    replace that expert's earlier ones, in one transaction.

    Parameters
    ----------
    store : Store
        The store.
    project : str
        The project.
    paths : sequence of path
        The filled sheets (``.xlsx``, or ``.csv`` with ``expert`` and ``organization`` columns).
    user : str
        The user recorded as having imported them.

    Returns
    -------
    dict
        ``project``, ``sheets`` (per expert: ``source``, ``expert``, ``organization``,
        ``nodes`` stored, ``replaced`` earlier scores) and ``nodes`` (stored in all).

    Raises
    ------
    ReportRejectedError
        With every problem of every sheet (file, row, column, reason); the store is unchanged.
    UsageError
        When no file is given.
    InputFileError
        When a file does not exist or cannot be opened.
    ProjectNotFoundError
        When there is no such project.
    """
    if not paths:
        raise UsageError("give at least one expert sheet")
    chain = store.chains.load(project)
    ids = chain.nodes["id"]
    assessable = set(ids[assessable_mask(chain)])
    known = set(ids)
    problems: list[Problem] = []
    sheets: list[tuple[str, pd.DataFrame, str]] = []
    seen: dict[str, str] = {}
    for path in paths:
        rows, found = read_expert_sheet(path)
        found += _node_problems(rows, known, assessable, project)
        problems += sorted(found, key=lambda p: p.row or 0)
        for name, part in rows[rows["expert"] != ""].groupby("expert", sort=False):
            expert, source = str(name), str(part["source"].iloc[0])
            if expert in seen:
                problems.append(
                    Problem(
                        source,
                        int(part["row"].iloc[0]),
                        "expert",
                        f"expert {expert!r} also has a sheet in this import ({seen[expert]}): "
                        "one sheet per expert",
                        code="duplicate",
                    )
                )
            seen[expert] = source
            sheets.append((expert, part, source))
    if problems:
        raise ReportRejectedError(problems)
    replaced = store.experts.replace_many(project, sheets, user)
    done = [
        {
            "source": source,
            "expert": expert,
            "organization": str(part["organization"].iloc[0]),
            "nodes": len(part),
            "replaced": n,
        }
        for (expert, part, source), n in zip(sheets, replaced, strict=True)
    ]
    return {"project": project, "sheets": done, "nodes": sum(d["nodes"] for d in done)}


def _node_problems(rows: pd.DataFrame, known: set[str], assessable: set[str], project: str) -> list[Problem]:
    """A problem per row whose node is not in the chain, or is not an assessable technology."""
    named = rows[rows["node"] != ""]
    unknown = ~named["node"].isin(known)
    category = ~unknown & ~named["node"].isin(assessable)
    reasons = {
        "unknown_reference": (unknown, "unknown node id {!r}: not a node of project " + repr(project)),
        "not_assessable": (
            category,
            "node {!r} is a stage or a category with kinds: score its kinds (the leaves the sheet lists)",
        ),
    }
    return [
        Problem(s, int(r), "node", why.format(n), code=code)
        for code, (mask, why) in reasons.items()
        for s, r, n in zip(
            named.loc[mask, "source"], named.loc[mask, "row"], named.loc[mask, "node"], strict=True
        )
    ]


def expert_scores(store: Store, project: str) -> pd.DataFrame:
    """Every expert's scores of the project, one row per expert and node (1-5 scales).

    Columns ``node, expert, organization, gap, threshold, substitutability, gap_years,
    comment, source, imported_by, scored_at`` (see
    :meth:`chokepoint.store.experts.ExpertRepository.scores`).
    """
    return store.experts.scores(project)


def expert_evidence(store: Store, project: str) -> pd.DataFrame | None:
    """The panel's aggregated scores for the assessment, or None when nobody has scored.

    Returns
    -------
    DataFrame or None
        :func:`chokepoint.assess.expert.aggregate_expert_scores` of the stored scores: indexed
        by ``node``; ``gap``, ``threshold``, ``substitutability`` (medians on 0-1),
        ``gap_years`` (median years), each with ``*_iqr`` (interquartile range) and ``n_*``
        (experts who gave it), and ``n`` (experts who scored the node).
    """
    scores = store.experts.scores(project)
    if scores.empty:
        return None
    agg = aggregate_expert_scores(scores)
    return None if agg.empty else agg


def expert_summary(store: Store, project: str) -> pd.DataFrame:
    """The aggregated table with the nodes' names: columns :data:`SUMMARY_COLUMNS`, by node."""
    agg = expert_evidence(store, project)
    if agg is None:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    names = store.chains.load(project).nodes.set_index("id")[["name", "name_zh"]]
    out = agg.join(names, how="left").reset_index()
    return out[SUMMARY_COLUMNS]


def delete_expert(store: Store, project: str, expert: str) -> dict[str, Any]:
    """Delete every score of ``expert`` in the project: ``{"expert", "deleted"}``."""
    return {"expert": expert, "deleted": store.experts.delete(project, expert)}
