"""Routes: the tamper-evident log of a project (entries, verification), as ``chokepoint audit``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from chokepoint.api.deps import OFFICERS, User, allow, get_store
from chokepoint.service import ledger as svc

router = APIRouter(tags=["ledger"])


@router.get("/projects/{project}/ledger")
def ledger_entries(
    project: str,
    request: Request,
    kind: str | None = Query(
        None, max_length=40, description="Only this kind: bid, challenge, observations."
    ),
    key: str | None = Query(None, max_length=400, description="Only entries of this key."),
    user: User = Depends(allow(*OFFICERS)),
) -> list[dict[str, Any]]:
    """The project's log entries in order (reported values included: officers, analysts and
    admins only).
    """
    return svc.project_log(get_store(request), project, kind, key)


@router.get("/projects/{project}/ledger/verify")
def verify_ledger(
    project: str,
    request: Request,
    head_seq: int | None = Query(None, ge=1, le=2**62, description="A head recorded earlier: its entry."),
    head_hash: str | None = Query(None, pattern=r"^[0-9a-f]{64}$", description="...and its hash."),
    user: User = Depends(allow(*OFFICERS)),
) -> dict[str, Any]:
    """Verify the project's log (as ``chokepoint audit verify``): ``ok``, head, whether anchored,
    and every problem with the entry it is found at.
    """
    head = (head_seq, head_hash) if head_seq is not None and head_hash is not None else None
    return svc.verify_project_log(get_store(request), project, head).to_dict()
