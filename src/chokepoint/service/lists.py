"""Policy lists (清单) of a stored project and its joint R&D tasks (联合攻关任务).

One rule for every entry point: building the lists never writes unless asked
(``save_tasks=True``: ``chokepoint lists``, ``POST .../lists``, ``POST
.../tasks/refresh``); the tasks in the lists carry their stored status, or ``not
stored``. Stored task bodies are the English rows (ids stable across runs), so a
Chinese and an English run refresh the same tasks.
"""

from __future__ import annotations

from typing import Any

from chokepoint.assess import Assessment
from chokepoint.errors import NotFoundError
from chokepoint.lists import PolicyLists, policy_lists, task_list
from chokepoint.lists.roadmap import progress_text
from chokepoint.store import Store

NOT_STORED = "not stored"


def refresh_tasks(store: Store, project: str, a: Assessment) -> list[dict[str, Any]]:
    """Create or refresh the stored tasks from the assessment (ids and statuses kept). Each task
    keeps its goal and reason in both languages (``goal``, ``goal_zh``, ``reason``, ``reason_zh``).
    """
    rows = task_list(a)
    zh = task_list(a, "zh").set_index("task_id")
    rows["goal_zh"] = rows["task_id"].map(zh["goal"])
    rows["reason_zh"] = rows["task_id"].map(zh["reason"])
    return store.tasks.upsert(project, rows.to_dict("records"))


def project_lists(
    store: Store, project: str, a: Assessment, lang: str = "en", *, save_tasks: bool = False
) -> PolicyLists:
    """Every policy list of ``project`` for the assessment ``a``.

    Parameters
    ----------
    save_tasks : first create or refresh the stored joint R&D tasks.
    """
    if save_tasks:
        refresh_tasks(store, project, a)
    tasks = task_list(a, lang)
    stored = {t["task_id"]: t["status"] for t in store.tasks.list(project)}
    tasks["status"] = [stored.get(t, NOT_STORED) for t in tasks["task_id"]]
    roadmaps, consortia = store.records.get(project, "roadmap"), store.records.get(project, "consortium")
    tasks["progress"] = [progress_text(roadmaps.get(t), lang) for t in tasks["task_id"]]
    name = "name_zh" if lang == "zh" else "name_en"  # a saved proposal keeps both names
    tasks["consortium"] = [
        "; ".join(str(m.get(name) or m["name"]) for m in consortia[t]["members"]) if t in consortia else ""
        for t in tasks["task_id"]
    ]
    return policy_lists(a, lang, tasks=tasks, profiles=store.records.get(project, "profile"))


def stored_tasks(store: Store, project: str) -> list[dict[str, Any]]:
    """The project's stored tasks, by rank then id."""
    rows = store.tasks.list(project)
    rows.sort(key=lambda r: (r.get("rank", r.get("priority", 0)), r["task_id"]))
    return rows


def stored_task(store: Store, project: str, task_id: str) -> dict[str, Any]:
    """One stored task (``NotFoundError`` naming how to list them)."""
    for row in store.tasks.list(project):
        if row["task_id"] == task_id:
            return row
    raise NotFoundError(f"no task {task_id!r} in project {project!r}; see `chokepoint tasks list`")


def set_task_status(store: Store, project: str, task_id: str, status: str) -> dict[str, str]:
    """Set a task's status (proposed, active, done, dropped); kept across refreshes."""
    store.tasks.set_status(project, task_id, status)
    return {"task_id": task_id, "status": status}
