"""Routes: roadmaps of joint R&D tasks (milestones and their progress), as ``chokepoint roadmap``."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from chokepoint.api.bodies import Body
from chokepoint.api.deps import OFFICERS, READERS, User, allow, audit, get_store
from chokepoint.service import roadmap as svc

router = APIRouter(tags=["roadmap"])
ROADMAP = "/projects/{project}/tasks/{task_id}/roadmap"


class MilestoneBody(Body):
    """A new milestone: kind, title, target month, owner, and for ``volume_share`` the share."""

    kind: Literal["prototype", "pilot_line", "customer_qualified", "volume_share", "other"]
    title: str = Field(min_length=1, max_length=500)
    target: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])(-\d{2})?$")
    owner: str = Field("", max_length=200)
    share: float | None = Field(None, gt=0, le=1)


class ProgressBody(Body):
    """A progress step: the new status, its evidence, and for a providing milestone done the new
    home provider with its share of the node's supply.
    """

    status: Literal["planned", "in_progress", "done", "missed"]
    evidence: str = Field("", max_length=5000)
    provider: str | None = Field(None, max_length=200)
    share: float | None = Field(None, gt=0, le=1)


@router.get(ROADMAP)
def roadmap(
    project: str, task_id: str, request: Request, user: User = Depends(allow(*READERS))
) -> dict[str, Any]:
    """The task's roadmap: its milestones with status and history."""
    return svc.task_roadmap(get_store(request), project, task_id)


@router.post(ROADMAP, status_code=201)
def add_milestone(
    project: str, task_id: str, body: MilestoneBody, request: Request, user: User = Depends(allow(*OFFICERS))
) -> dict[str, Any]:
    """Add a milestone (numbered M1, M2, ... per task)."""
    done = svc.add_milestone(
        get_store(request),
        project,
        task_id,
        body.kind,
        body.title,
        body.target,
        body.owner,
        body.share,
        user.name,
    )
    audit(
        request,
        "add milestone",
        after={"project": project, "task": task_id, "milestone": done["milestones"][-1]["id"]},
    )
    return done


@router.post(ROADMAP + "/{milestone_id}")
def record_progress(
    project: str,
    task_id: str,
    milestone_id: str,
    body: ProgressBody,
    request: Request,
    user: User = Depends(allow(*OFFICERS)),
) -> dict[str, Any]:
    """Record progress on a milestone; a done customer_qualified or volume_share milestone with a
    home provider and share writes that provision into the chain.
    """
    done = svc.record_milestone(
        get_store(request),
        project,
        task_id,
        milestone_id,
        body.status,
        body.evidence,
        body.provider,
        body.share,
        user.name,
    )
    audit(request, "record milestone", after={"project": project, "task": task_id, "milestone": milestone_id})
    return done


@router.get("/projects/{project}/nodes/{node_id}/progress")
def node_progress(
    project: str,
    node_id: str,
    request: Request,
    lang: Literal["en", "zh"] = "en",
    user: User = Depends(allow(*READERS)),
) -> dict[str, Any]:
    """What is under way on the node: its tasks with milestones and consortium, its challenges."""
    return svc.node_progress(get_store(request), project, node_id, lang)
