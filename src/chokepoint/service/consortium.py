"""Innovation consortia (创新联合体) for the joint R&D tasks of a stored project: propose one
(:func:`chokepoint.match.consortium.propose_consortium`), keep it with the task, read it back.

A proposal asks for the five positions and the capabilities of the challenges published on the
task's node (or the capabilities given); the task's lead and partners are preferred among
equally small consortia. A saved proposal is a ``consortium`` record keyed by the task, appended
to the project's tamper-evident log.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from chokepoint.errors import NotFoundError
from chokepoint.match.consortium import Method, propose_consortium
from chokepoint.match.lifecycle import challenge_status
from chokepoint.service.lists import stored_task
from chokepoint.service.perspective import Codes, resolve_perspective
from chokepoint.store import Store

_ID_IN_PARENS = re.compile(r"\(([^()]+)\)\s*$")


def task_actors(task: dict[str, Any]) -> list[str]:
    """The task's lead, then its partners (``Name (P113); Name (P123)``), as actor ids."""
    partners = [
        m.group(1)
        for part in str(task.get("partners") or "").split(";")
        if (m := _ID_IN_PARENS.search(part.strip()))
    ]
    lead = [str(task["lead"])] if task.get("lead") else []
    return lead + [p for p in partners if p not in lead]


def challenge_capabilities(store: Store, project: str, node: str) -> list[str]:
    """The capabilities asked by the open or awarded challenges on ``node``, in order, once each."""
    wanted: list[str] = []
    for body in store.records.get(project, "challenge").values():
        if node in body.get("nodes", []) and challenge_status(body) in ("published", "awarded"):
            wanted += [c for c in body.get("capabilities", []) if c not in wanted]
    return wanted


def propose_for_task(
    store: Store,
    project: str,
    task_id: str,
    capabilities: Sequence[str] | None = None,
    method: Method = "auto",
    *,
    home: Codes = None,
    restricted: Codes = None,
    allied: Codes = None,
    save: bool = False,
    user: str | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    """Propose a consortium for stored task ``task_id`` (and keep it with ``save``).

    Parameters
    ----------
    capabilities : required capabilities; ``None``: those of the challenges on the task's node.
    method : ``auto``, ``greedy`` or ``exact`` (see :mod:`chokepoint.match.consortium`).
    home, restricted, allied : perspective fields replacing the stored default's.
    save : keep the proposal as the task's consortium (a logged record).
    user : who proposes (``None``: the local operator).
    lang : language of the labels and reasons.

    Returns
    -------
    dict
        :meth:`~chokepoint.match.consortium.ConsortiumProposal.to_dict`, with the perspective.

    Raises
    ------
    NotFoundError
        For an unknown task.
    UsageError
        For a perspective without a home economy.
    """
    task = stored_task(store, project, task_id)
    chain = store.chains.load(project)
    perspective = resolve_perspective(
        store, project, home=home, restricted=restricted, allied=allied, chain=chain
    )
    wanted = (
        list(capabilities)
        if capabilities is not None
        else challenge_capabilities(store, project, task["node"])
    )
    proposal = propose_consortium(
        chain,
        perspective,
        task_id,
        str(task["node"]),
        wanted,
        store.records.get(project, "profile"),
        method,
        preferred=task_actors(task),
    )
    out = {**proposal.to_dict(lang), "perspective": perspective.to_dict()}
    if save:
        by = user or "cli"
        kept = {**proposal.to_dict("en"), "perspective": perspective.to_dict(), "by": by}
        kept["at"] = datetime.now(UTC).isoformat(timespec="seconds")
        store.records.put(project, "consortium", {task_id: kept}, logged_by=by)
    return out


def saved_consortium(store: Store, project: str, task_id: str) -> dict[str, Any]:
    """The consortium kept for task ``task_id`` (``NotFoundError`` when none was saved)."""
    body = store.records.get(project, "consortium").get(task_id)
    if body is None:
        raise NotFoundError(f"no consortium saved for task {task_id!r} in project {project!r}")
    return body
