"""Roadmaps of a stored project's joint R&D tasks (攻关路线图): add milestones, record their
progress, and carry a new home provider back into the chain (:mod:`chokepoint.lists.roadmap`
has the rules).

A roadmap is a ``roadmap`` record keyed by the task (appended to the tamper-evident log at every
change). When a ``customer_qualified`` or ``volume_share`` milestone is done with a provider and
its share, the provision is merged into the chain (validated whole, in one transaction), so the
next monitor run re-assesses the node with it and its snapshot diff shows the chokepoint easing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chokepoint.errors import NotFoundError, UsageError
from chokepoint.lists.roadmap import new_milestone, provisions_after, record_progress
from chokepoint.model.tables import RawTable
from chokepoint.service.lists import stored_task
from chokepoint.service.perspective import resolve_perspective
from chokepoint.store import Store


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def task_roadmap(store: Store, project: str, task_id: str) -> dict[str, Any]:
    """The task's roadmap: ``task``, ``node`` and its ``milestones`` (none yet: an empty list).

    Raises
    ------
    NotFoundError
        For an unknown task.
    """
    task = stored_task(store, project, task_id)
    body = store.records.get(project, "roadmap").get(task_id)
    return body or {"task": task_id, "node": task["node"], "milestones": []}


def add_milestone(
    store: Store,
    project: str,
    task_id: str,
    kind: str,
    title: str,
    target: str,
    owner: str = "",
    share: float | None = None,
    user: str | None = None,
) -> dict[str, Any]:
    """Add a milestone to the task's roadmap (see :func:`chokepoint.lists.roadmap.new_milestone`);
    the roadmap as stored, this milestone last. The first milestone creates the roadmap: an
    upsert under the project's lock, so concurrent first milestones are all kept.

    Raises
    ------
    NotFoundError
        For an unknown task.
    UsageError
        For a bad kind, title, month or share.
    """
    roadmap = task_roadmap(store, project, task_id)
    milestone = new_milestone(roadmap["milestones"], kind, title, target, owner, share)
    by = user or "cli"
    milestone["history"] = [{"status": "planned", "by": by, "at": _now(), "evidence": ""}]

    def append(body: dict[str, Any]) -> dict[str, Any]:
        fresh = new_milestone(body["milestones"], kind, title, target, owner, share)  # re-read
        return {**body, "milestones": [*body["milestones"], {**milestone, "id": fresh["id"]}]}

    empty = {"task": task_id, "node": roadmap["node"], "milestones": []}
    return store.records.update(project, "roadmap", task_id, append, logged_by=by, missing=empty)


def record_milestone(
    store: Store,
    project: str,
    task_id: str,
    milestone_id: str,
    status: str,
    evidence: str = "",
    provider: str | None = None,
    share: float | None = None,
    user: str | None = None,
) -> dict[str, Any]:
    """Record progress on a milestone (who, when, evidence); a providing milestone done with a
    home ``provider`` and its ``share`` also writes that provision into the chain. The roadmap.

    Raises
    ------
    NotFoundError
        For an unknown task or milestone.
    UsageError
        For a step :func:`chokepoint.lists.roadmap.record_progress` refuses, or a provider that
        is not a home organisation of the chain.
    ChainValidationError
        When the chain with the new provision does not validate (nothing is stored then).
    """
    roadmap = task_roadmap(store, project, task_id)
    current = next((m for m in roadmap["milestones"] if m["id"] == milestone_id), None)
    if current is None:
        raise NotFoundError(f"no milestone {milestone_id!r} in the roadmap of {task_id!r}")
    by, at = user or "cli", _now()
    record_progress(current, status, by, at, evidence, provider, share)  # refuses a bad step first
    if provider is not None and share is not None:
        _record_provider(
            store,
            project,
            str(roadmap["node"]),
            provider,
            share,
            f"milestone {task_id}/{milestone_id}: {evidence}",
        )

    def step(body: dict[str, Any]) -> dict[str, Any]:
        milestones = [
            record_progress(m, status, by, at, evidence, provider, share) if m["id"] == milestone_id else m
            for m in body["milestones"]
        ]
        return {**body, "milestones": milestones}

    store.records.update(project, "roadmap", task_id, step, logged_by=by)
    return task_roadmap(store, project, task_id)


def _record_provider(store: Store, project: str, node: str, provider: str, share: float, source: str) -> None:
    chain = store.chains.load(project)
    perspective = resolve_perspective(store, project, chain=chain)
    actors = chain.actors.set_index("id")
    if provider not in actors.index or actors.loc[provider, "kind"] not in (
        "enterprise",
        "institution",
        "pilot_platform",
    ):
        raise UsageError(f"{provider!r} is not an enterprise or institution of project {project!r}")
    if str(actors.loc[provider, "country"]) not in perspective.home:
        raise UsageError(f"{provider!r} is not a home provider ({', '.join(perspective.home)})")
    countries = chain.actors[
        (chain.actors["kind"] == "country") & chain.actors["country"].isin(perspective.home)
    ]
    home_actor = str(countries["id"].iloc[0]) if len(countries) else None
    kinds = dict(zip(chain.actors["id"], chain.actors["kind"], strict=True))
    rows = provisions_after(chain.provisions, kinds, node, provider, share, home_actor, source)
    store.chains.merge_tables(project, [RawTable("provisions", rows, source)])


def node_progress(store: Store, project: str, node_id: str, lang: str = "en") -> dict[str, Any]:
    """What is under way on a node: its tasks (status, goal, milestones, the saved consortium),
    and the challenges published on it (status, winners).

    Raises
    ------
    NotFoundError
        For a node that is not in the project's chain.
    """
    from chokepoint.lists.roadmap import MILESTONE_KINDS, MILESTONE_STATUSES
    from chokepoint.match.lifecycle import STATUS_LABELS, challenge_status
    from chokepoint.vocabulary import display_value

    chain = store.chains.load(project)
    if node_id not in set(chain.nodes["id"]):
        raise NotFoundError(f"no node {node_id!r} in project {project!r}")
    zh = lang == "zh"
    roadmaps = store.records.get(project, "roadmap")
    consortia = store.records.get(project, "consortium")
    tasks = []
    for task in store.tasks.list(project):
        if task["node"] != node_id:
            continue
        milestones = roadmaps.get(task["task_id"], {}).get("milestones", [])
        kept = consortia.get(task["task_id"])
        tasks.append(
            {
                "task_id": task["task_id"],
                "status": task["status"],
                "status_label": display_value("status", task["status"], lang),
                "goal": task.get("goal_zh") if zh and task.get("goal_zh") else task.get("goal"),
                "lead": task.get("lead"),
                "milestones": [
                    {
                        **{k: m.get(k) for k in ("id", "kind", "title", "target", "owner", "status")},
                        "kind_label": MILESTONE_KINDS[m["kind"]][1 if zh else 0],
                        "status_label": MILESTONE_STATUSES[m["status"]][1 if zh else 0],
                        "provider": m.get("provider"),
                        "achieved_share": m.get("achieved_share"),
                    }
                    for m in milestones
                ],
                "done": sum(m["status"] == "done" for m in milestones),
                "consortium": None
                if kept is None
                else [
                    {
                        "actor": m["actor"],
                        "name": m.get("name_zh" if zh else "name_en") or m["name"],
                        "roles": m["roles"],
                    }
                    for m in kept["members"]
                ],
            }
        )
    challenges = [
        {
            "id": key,
            "title": body.get("title", ""),
            "status": challenge_status(body),
            "status_label": STATUS_LABELS[challenge_status(body)][1 if zh else 0],
            "awarded": body.get("awarded", []),
        }
        for key, body in store.records.get(project, "challenge").items()
        if node_id in body.get("nodes", [])
    ]
    return {"node": node_id, "tasks": tasks, "challenges": challenges}
