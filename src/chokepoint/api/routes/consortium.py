"""Routes: innovation consortia for joint R&D tasks (propose, read), as ``chokepoint consortium``."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from chokepoint.api.bodies import Body
from chokepoint.api.deps import OFFICERS, READERS, User, allow, audit, get_store
from chokepoint.service import consortium as svc

router = APIRouter(tags=["consortium"])
CONSORTIUM = "/projects/{project}/tasks/{task_id}/consortium"


class ProposalBody(Body):
    """What to propose for: capabilities (default: the challenges on the task's node), the
    method, perspective fields replacing the stored default's, and whether to keep it.
    """

    capabilities: list[str] | None = Field(None, max_length=50)
    method: Literal["auto", "exact", "greedy"] = "auto"
    home: str | None = Field(None, max_length=200)
    restricted: str | None = Field(None, max_length=2000)
    allied: str | None = Field(None, max_length=2000)
    save: bool = False


@router.post(CONSORTIUM)
def propose(
    project: str,
    task_id: str,
    body: ProposalBody,
    request: Request,
    lang: Literal["en", "zh"] = "en",
    user: User = Depends(allow(*OFFICERS)),
) -> dict[str, Any]:
    """Propose the smallest, least risky consortium holding every position and capability of
    the task (never a restricted or aggregate actor; gaps listed); ``save`` keeps it.
    """
    proposal = svc.propose_for_task(
        get_store(request),
        project,
        task_id,
        body.capabilities,
        body.method,
        home=body.home,
        restricted=body.restricted,
        allied=body.allied,
        save=body.save,
        user=user.name,
        lang=lang,
    )
    if body.save:
        audit(
            request, "save consortium", after={"project": project, "task": task_id, "size": proposal["size"]}
        )
    return proposal


@router.get(CONSORTIUM)
def saved(
    project: str, task_id: str, request: Request, user: User = Depends(allow(*READERS))
) -> dict[str, Any]:
    """The consortium saved for the task."""
    return svc.saved_consortium(get_store(request), project, task_id)
